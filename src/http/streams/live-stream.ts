import type { ServerResponse } from "node:http";
import type { ExecutionResult } from "graphql";
import { SubscriberNotReading } from "../../catalogue/catalogue-events";
import { DomainError } from "../../errors/domain-error";
import { formatError, formatRefusal } from "../../errors/format-error";
import type { Subscribed } from "../../graphql/shared-subscriptions";
import type { Framing } from "./framing";

/** Why a stream ended: for the log line and the metrics of its request. */
export type EndReason = "completed" | "client closed" | "client not reading" | "behind when all streams held too much" | "revoked" | "evicted" | "shutdown" | "failed";

/**
 * What a stream may leave unsent in this process: alone, and all the server's streams together,
 * with what they leave now: bytes written and not yet taken by their sockets, summed from each
 * stream's last look at its own (on every write, drain and heartbeat). A stream whose response
 * is under its high-water mark (16 KiB) is keeping up; one above it is behind.
 */
export interface UnreadBounds {
  perStream: number;
  total: number;
  unsent: { bytes: number };
  /** The server's open streams: past the total, those holding the most are cut off first. */
  open: ReadonlySet<LiveStream>;
}

/** What a client that let too much pile up is told, if it ever reads again (the table's 503: it may retry). */
export const NOT_READING = "The client did not read its events: this stream is cut off; resubscribe";
/** How long a cut-off client has to take its last bytes (the error) before its socket is destroyed. */
const CUT_OFF_GRACE_MS = 1000;

/** The stream of each response, for the one `close` listener all responses share (no closure each). */
const streams = new WeakMap<ServerResponse, LiveStream>();
/** A stream's socket took what was waiting: its part of the unsent bytes is what is left. */
function drained(this: ServerResponse): void {
  streams.get(this)?.account();
}
function closed(this: ServerResponse): void {
  streams.get(this)?.finish("client closed");
}

/**
 * One subscription streamed over an HTTP response, from its first bytes to its end, whichever
 * comes first: the source completes, the client goes away, its key is revoked, the server stops.
 * A heartbeat every `heartbeatMs` (one timer for all the server's open streams: http-subscriptions.ts)
 * keeps proxies from timing out an idle stream and tells a client the stream is alive; it also
 * finds clients that stopped reading: one that has not taken what was written by the next
 * heartbeat, or that lets `maxUnreadBytes` pile up in this process, is cut off: its slot given
 * back at once, told SERVICE_UNAVAILABLE and ended, and its socket destroyed a second later
 * if it has not taken that, so that what it left unread is freed. A peer that vanished without
 * closing is found by TCP itself once heartbeats go unacknowledged.
 *
 * It holds the raw response and nothing of Fastify's (request, reply, logger): an idle stream's
 * memory is the connection's own and its execution's (docs/limits.md).
 */
export class LiveStream {
  private ended = false;
  private stalled = false;
  /** This stream's part of unread.unsent, as last looked at. */
  private counted = 0;

  constructor(
    private readonly response: ServerResponse,
    private readonly framing: Framing,
    private readonly results: Subscribed,
    private readonly unread: UnreadBounds,
    private readonly onEnd: (reason: EndReason) => void,
  ) {
    streams.set(response, this);
    response.on("close", closed);
    response.on("drain", drained);
    response.write(framing.start);
    // Its client left while the stream was admitted and started (a key looked up, a new document's
    // turn, the subscribe): the response closed before this listened, and the stream would keep
    // its slot, its listener and its execution for as long as the process runs. Ended once its
    // owner holds it (onEnd may name the stream).
    if (response.destroyed) queueMicrotask(() => this.finish("client closed"));
  }

  /** Forwards every result until the source completes or the stream ends otherwise. */
  async pump(): Promise<void> {
    try {
      for await (const result of this.results) {
        if (this.ended) return;
        this.write(this.framing.next(shaped(result)));
      }
      this.finish("completed");
    } catch (error) {
      // A source that fails ends its stream; the error was the resolver's to log. One that cut
      // off a subscriber that left too many events waiting says so (shared-subscriptions.ts), as
      // does one whose execution fell behind; anything else is an internal error.
      if (error instanceof SubscriberNotReading) this.fail([formatRefusal(error.code, error.message)], "client not reading");
      else if (error instanceof DomainError) this.fail([formatRefusal(error.code, error.message)], "failed");
      else this.fail([formatRefusal("INTERNAL_SERVER_ERROR", "Internal server error")], "failed");
    }
  }

  /** Ends the stream with errors its client is told (a revoked key, the server stopping). */
  fail(errors: unknown[], reason: EndReason): void {
    if (this.ended) return;
    if (!this.response.writableEnded && !this.response.destroyed) this.response.write(this.framing.fatal(errors));
    this.finish(reason);
  }

  /** Called by the shared heartbeat. */
  beat(): void {
    // Backed up at two heartbeats in a row: the client is not reading.
    const backedUp = this.response.writableNeedDrain;
    this.account();
    if (this.stalled && backedUp) return this.cutOff();
    this.stalled = backedUp;
    this.write(this.framing.heartbeat);
  }

  private write(chunk: string): void {
    if (this.ended || this.response.writableEnded) return;
    this.response.write(chunk);
    this.account();
    const unsent = this.response.writableLength;
    if (unsent > this.unread.perStream) this.cutOff();
    else if (this.unread.unsent.bytes > this.unread.total) cutLargest(this.unread);
  }

  /** Unsent bytes, as last looked at. */
  get unsent(): number {
    return this.counted;
  }

  /** Brings this stream's part of unread.unsent up to date. */
  account(): void {
    const now = this.ended ? 0 : this.response.writableLength;
    this.unread.unsent.bytes += now - this.counted;
    this.counted = now;
  }

  /** Ends a stream whose client is not keeping up: told so, and its socket destroyed a second later. */
  cutOff(reason: EndReason = "client not reading"): void {
    const response = this.response;
    this.fail([formatRefusal("SERVICE_UNAVAILABLE", NOT_READING)], reason);
    setTimeout(() => response.destroy(), CUT_OFF_GRACE_MS).unref();
  }

  finish(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    streams.delete(this.response);
    this.response.off("close", closed);
    this.response.off("drain", drained);
    this.unread.unsent.bytes -= this.counted; // what is left unsent is the socket's to drop or send now
    this.counted = 0;
    if (!this.response.writableEnded && !this.response.destroyed) this.response.end(this.framing.end);
    void this.results.return(undefined).catch(() => {});
    this.onEnd(reason);
  }
}

/**
 * Past the bound of all streams together, the streams holding the most unsent are cut off, one
 * at a time, until the sum is under it: those that stopped reading, never a reader that is a
 * chunk behind while they hold more. A scan of the open streams, only when the bound is passed.
 */
function cutLargest(unread: UnreadBounds): void {
  while (unread.unsent.bytes > unread.total) {
    let largest: LiveStream | undefined;
    for (const stream of unread.open) {
      stream.account();
      if (!largest || stream.unsent > largest.unsent) largest = stream;
    }
    if (!largest || largest.unsent === 0) return;
    largest.cutOff("behind when all streams held too much");
  }
}

/** Errors in pushed results are shaped by the one formatter, as over HTTP and graphql-ws. */
function shaped(result: ExecutionResult): ExecutionResult | object {
  return result.errors ? { ...result, errors: result.errors.map((e) => formatError(e.toJSON(), e)) } : result;
}
