import type { FastifyReply } from "fastify";
import { factsOf } from "../../errors/error-codes";
import { statusOfResult } from "../../graphql/response-shaping.plugin";
import type { RefusalHold } from "../admission/hold";
import { type Refusal, refusalsBody, refuse } from "../exit/refusal";
import { takeOver } from "../exit/take-over";
import type { Metrics } from "./metrics";
import type { RequestState } from "./state";

/** `refuse`, holding the refusals that say "come back later" (hold.ts). */
export type HeldExit = (reply: FastifyReply, state: RequestState, refused: readonly Refusal[], mediaType: string) => FastifyReply;

/**
 * The admission list's refusals of an HTTP request, with the hold (HAProxy's tarpit, admission/hold.ts)
 * done here rather than in the list: a held refusal's response is taken over at once, and what
 * waits is its connection and the few things it will send, not the request (Fastify's request
 * and reply, the stages' frames, its state and body).
 *
 * Why: under distinct documents from 1,000 addresses a thousand refusals are held at any time,
 * for a second each. Held whole, each kept about 7 KB beyond its connection (a heap snapshot in
 * that flood: 12.2 KB a held request, against 4.4-5.2 KB for a bare node:http connection) long
 * enough to outlive young collections and be promoted: 7 MB a second of old space, so a full
 * collection every second, whose main-thread pauses (incremental marking 7-21 ms, weak callbacks
 * 2-10 ms, measured with perf_hooks) the normal client waited for.
 *
 * `vary`: the onSend hook that every response passes (stages.ts), which a taken-over one does not.
 */
export function heldExit(hold: RefusalHold, metrics: Metrics, vary?: (reply: FastifyReply) => void): HeldExit {
  return (reply, state, refused, mediaType) => {
    const later = hold.hold(state, refused);
    if (!(later instanceof Promise)) return refuse(reply, state, later, mediaType);
    state.errorCodes = refused.map((r) => r.code);
    const status = statusOfResult(undefined, state.errorCodes);
    vary?.(reply);
    const { response, headers } = takeOver(reply, state);
    const count = metrics.observation("/graphql", status, state);
    const { id } = state;
    const log = reply.server.log; // the server's, not the request's child: the id is logged as its field
    const since = performance.now() - reply.elapsedTime;
    void later.then((refusals) => {
      if (response.destroyed) return; // its client left while it was held
      const [first] = refusals;
      const retryAfter = factsOf(first.code).retryAfterSeconds;
      const body = refusalsBody(id, refusals);
      response.writeHead(status, {
        ...headers,
        ...(retryAfter !== undefined && { "retry-after": String(retryAfter) }),
        ...first.headers,
        "content-type": mediaType,
        "content-length": Buffer.byteLength(body),
      });
      response.end(body);
      const seconds = (performance.now() - since) / 1000;
      count(seconds);
      log.info({ reqId: id, res: { statusCode: status }, responseTime: seconds * 1000 }, "request completed");
    });
    return reply;
  };
}
