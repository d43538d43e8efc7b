import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../errors/error-codes";
import { pathOf } from "./pipeline/arrival";
import { variesOnOrigin } from "./pipeline/cors";
import { rawRefusal, refuse } from "./pipeline/refusal";
import { newState } from "./pipeline/state";

/** The methods of each route, for the Allow header of every 405 (Fastify answers HEAD for every GET). */
export const ALLOWED_METHODS: Record<string, string> = {
  "/": "GET, HEAD",
  "/schema.graphql": "GET, HEAD",
  "/graphql": "GET, HEAD, POST, QUERY",
  "/healthz": "GET, HEAD",
  "/readyz": "GET, HEAD",
};

/** Unknown method on a known path: 405 with Allow. Unknown path: 404. */
export function notFound(request: FastifyRequest, reply: FastifyReply) {
  request.state ??= newState(request.id, request.method);
  const allow = ALLOWED_METHODS[pathOf(request.url)];
  if (allow) {
    return refuse(reply, request.state, { code: "METHOD_NOT_ALLOWED", message: `${request.method} is not allowed here; use ${allow}`, headers: { allow } });
  }
  return refuse(reply, request.state, { code: "NOT_FOUND", message: `No route ${request.method} ${pathOf(request.url)}` });
}

/** Node's own refusals of a request it could not read, by its error code. */
const CLIENT_ERRORS: Record<string, { code: ErrorCode; message: string }> = {
  HPE_HEADER_OVERFLOW: { code: "REQUEST_HEADER_FIELDS_TOO_LARGE", message: "The request headers are too large" },
  // headersTimeout or requestTimeout: the client sent too slowly (or stopped sending).
  ERR_HTTP_REQUEST_TIMEOUT: { code: "REQUEST_TIMEOUT", message: "The request did not arrive in time" },
};

/**
 * Failures Node's HTTP parser meets before Fastify sees a request (oversized headers, malformed
 * request lines, deadlines). Written straight to the socket, in the same GraphQL-shaped format.
 * With CORS_ORIGIN "*" the response carries it too, so a page on another origin can read it
 * (with a list, the request's Origin header is not known here: it was never parsed, and the
 * response says it varies on Origin, as every response does under a list).
 */
export const clientErrorHandler = (corsOrigin: string) => (error: Error & { code?: string }, socket: Socket) => {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const known = CLIENT_ERRORS[error.code ?? ""];
  const code: ErrorCode = known?.code ?? "BAD_REQUEST";
  socket.end(rawRefusal(code, known?.message ?? "Malformed HTTP request", [corsHeaderOf(corsOrigin)]));
};

const corsHeaderOf = (corsOrigin: string) => (variesOnOrigin(corsOrigin) ? "vary: Origin" : "access-control-allow-origin: *");

/**
 * The same refusal, written by the connection bounds to a socket whose request is still
 * arriving (too slow, or shed at the cap). Nothing more is read from it (the parser must not
 * hand on a request that completes meanwhile), and it is closed once written, or a second later
 * if the client does not read.
 */
export const socketRefusal = (corsOrigin: string) => (socket: Socket, code: ErrorCode, message: string) => {
  if (socket.destroyed) return;
  socket.on("error", () => {}); // the client may be gone already
  socket.pause();
  setTimeout(() => socket.destroy(), 1000).unref();
  socket.write(rawRefusal(code, message, [corsHeaderOf(corsOrigin)]), () => socket.destroy());
};
