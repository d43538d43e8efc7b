import type { IncomingMessage } from "node:http";
import { isGraphql } from "./graphql-over-http/arrival";
import { BODY_TYPES } from "./graphql-over-http/limit-refusals";

/**
 * Calls `next` once the body of a request to /graphql has arrived, or once Node holds as much
 * of it as it reads ahead (the request's readableHighWaterMark, 16 KiB; past that Node stops
 * reading until someone consumes), rather than at its headers. Any request whose refusal the
 * headers decide goes on at once, to be refused without its body being waited for: a type other
 * than JSON (415), more than `bodyLimit` declared (413). So do requests without a body, and those
 * to other paths (Fastify's 404 reads a body first, as it always has).
 *
 * Why: Fastify's request, reply and hooks are built for a request the moment its headers are
 * in, and are kept while its body trickles in. Under a flood of slow bodies from many addresses
 * (issue 25: 20,000, each cut as too slow a second or so later by connection-bounds.ts) that was
 * a third of what each cut connection cost the event loop and its heap, for a request that never
 * runs. Waiting here costs nothing Fastify would not have held: the bytes wait in Node's buffer,
 * which Fastify would have copied into its own. The minimum rate still judges the body as it
 * arrives, and Node's requestTimeout still bounds it.
 *
 * Nothing is read here: Fastify reads the body as before, from the buffer.
 */
export function whenBodyArrived(request: IncomingMessage, bodyLimit: number, next: () => void): void {
  // NaN for a body sent chunked: its end, or Node's read-ahead filled, tells it has arrived.
  const declared = Number(request.headers["content-length"]);
  if (request.complete || !declaresBody(request) || !isJson(request) || declared > bodyLimit || !isGraphql(request.url ?? "")) return next();
  // Whole, or as much as Node reads ahead (Node marks a request complete only later than its
  // last byte is buffered, so the declared length is what tells).
  const enough = Math.min(Number.isFinite(declared) ? declared : Infinity, request.readableHighWaterMark);
  const arrived = () => request.complete || request.readableLength >= enough;
  // Node's parser reads the rest of a packet, the body that came with its headers included,
  // before any microtask runs: nearly every POST has arrived by then and goes on with no
  // listener (a 'readable' listener on each cost 5 µs of a 56 µs POST lookup, measured).
  queueMicrotask(() => {
    if (arrived()) return next();
    const onReadable = () => {
      if (!arrived()) return;
      request.removeListener("readable", onReadable);
      next();
    };
    // 'readable' is told of every chunk Node buffers and of the body's end, without consuming it.
    request.on("readable", onReadable);
  });
}

/** The media type, without its parameters, is one Fastify reads (the rest get 415 from it). */
function isJson(request: IncomingMessage): boolean {
  const type = request.headers["content-type"];
  return type !== undefined && BODY_TYPES.includes(type.split(";", 1)[0].trim().toLowerCase());
}

/** RFC 9112 §6.3: a body is there when Transfer-Encoding or a Content-Length other than 0 says so. */
function declaresBody(request: IncomingMessage): boolean {
  const length = request.headers["content-length"];
  return request.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}
