import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import type { FastifyReply } from "fastify";

/**
 * Takes a response over from Fastify for an answer that outlives the request's handling (a
 * subscription's stream): Fastify stops (reply.hijack), and the raw response is the caller's to
 * write and to count in the metrics (the state says so, for the onResponse hook).
 *
 * Fastify's own listeners of the response's end (`onResFinished`, on "finish" and "error": its
 * onResponse hooks and its "request completed" line) keep its request, reply and child logger,
 * and through them the request's state, until the response ends: about 1 KB of an idle stream,
 * and whatever the request held. They go here; the caller counts and logs the answer itself.
 * Found by their name: should Fastify rename them, they stay (test/metrics.test.ts says so) and
 * nothing else changes. A response needs a listener of "error" (one emitted with none is thrown):
 * a shared no-op.
 */
export function takeOver(reply: FastifyReply, state: { takenOver?: true }): { response: ServerResponse; headers: OutgoingHttpHeaders } {
  // Fastify's headers so far (CORS, the request id, the rate limit's), which it would have sent:
  // the caller's writeHead sends them (set on the response, they would be kept in a map of its own).
  const headers = reply.getHeaders() as OutgoingHttpHeaders;
  reply.hijack();
  state.takenOver = true;
  const response = reply.raw;
  for (const event of ["finish", "error"] as const) {
    for (const listener of response.listeners(event)) if (listener.name === "onResFinished") response.off(event, listener as () => void);
  }
  response.on("error", ignore);
  return { response, headers };
}

const ignore = () => {};
