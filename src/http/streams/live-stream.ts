import type { ServerResponse } from "node:http";
import type { ExecutionResult } from "graphql";
import { formatError, formatRefusal } from "../../errors/format-error";
import type { Framing } from "./framing";

/** Why a stream ended: for the log line and the metrics of its request. */
export type EndReason = "completed" | "client closed" | "client not reading" | "revoked" | "evicted" | "shutdown" | "failed";

/** Bytes written but not yet taken by the client past which it is cut off (a few hundred events). */
const MAX_UNREAD_BYTES = 1024 * 1024;

/**
 * One subscription streamed over an HTTP response, from its first bytes to its end, whichever
 * comes first: the source completes, the client goes away, its key is revoked, the server stops.
 * A heartbeat every `heartbeatMs` keeps proxies from timing out an idle stream and tells a
 * client the stream is alive; it also finds clients that stopped reading: one that has not
 * taken what was written by the next heartbeat, or that lets MAX_UNREAD_BYTES pile up, is cut
 * off (its socket destroyed) instead of growing this process's memory. A peer that vanished
 * without closing is found by TCP itself once heartbeats go unacknowledged.
 */
export class LiveStream {
  private ended = false;
  private readonly heartbeat: NodeJS.Timeout;
  private stalled = false;

  constructor(
    private readonly response: ServerResponse,
    private readonly framing: Framing,
    private readonly results: AsyncGenerator<ExecutionResult>,
    heartbeatMs: number,
    private readonly onEnd: (reason: EndReason) => void,
  ) {
    response.once("close", () => this.finish("client closed"));
    response.write(framing.start);
    this.heartbeat = setInterval(() => this.beat(), heartbeatMs);
    this.heartbeat.unref();
  }

  /** Forwards every result until the source completes or the stream ends otherwise. */
  async pump(): Promise<void> {
    try {
      for await (const result of this.results) {
        if (this.ended) return;
        this.write(this.framing.next(shaped(result)));
      }
      this.finish("completed");
    } catch {
      // A source that fails ends its stream; the error was the resolver's to log.
      this.fail([formatRefusal("INTERNAL_SERVER_ERROR", "Internal server error")], "failed");
    }
  }

  /** Ends the stream with errors its client is told (a revoked key, the server stopping). */
  fail(errors: unknown[], reason: EndReason): void {
    if (this.ended) return;
    this.write(this.framing.fatal(errors));
    this.finish(reason);
  }

  private beat(): void {
    // Backed up at two heartbeats in a row: the client is not reading.
    const backedUp = this.response.writableNeedDrain;
    if (this.stalled && backedUp) return this.cutOff();
    this.stalled = backedUp;
    this.write(this.framing.heartbeat);
  }

  private write(chunk: string): void {
    if (this.ended || this.response.writableEnded) return;
    this.response.write(chunk);
    if (this.response.writableLength > MAX_UNREAD_BYTES) this.cutOff();
  }

  private cutOff(): void {
    this.response.destroy();
    this.finish("client not reading");
  }

  private finish(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    if (!this.response.writableEnded && !this.response.destroyed) this.response.end(this.framing.end);
    void this.results.return(undefined).catch(() => {});
    this.onEnd(reason);
  }
}

/** Errors in pushed results are shaped by the one formatter, as over HTTP and graphql-ws. */
function shaped(result: ExecutionResult): ExecutionResult | object {
  return result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result;
}
