import type { Socket } from "node:net";
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { classifyError } from "../errors/classify-error";
import { codeForStatus, type ErrorCode } from "../errors/error-codes";
import { bodyRefusal } from "./graphql-over-http/limit-refusals";
import { pathOf } from "./graphql-over-http/arrival";
import { variesOnOrigin } from "./graphql-over-http/cors";
import { rawRefusal, refuse } from "./exit/refusal";
import { newState } from "./graphql-over-http/state";
import { REQUEST_ID_HEADER } from "./request-id";

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
  const allow = ALLOWED_METHODS[pathOf(request.url)];
  if (allow) {
    return refuse(reply, request.state, { code: "METHOD_NOT_ALLOWED", message: `${request.method} is not allowed here; use ${allow}`, headers: { allow } });
  }
  return refuse(reply, request.state, { code: "NOT_FOUND", message: `No route ${request.method} ${pathOf(request.url)}` });
}

/**
 * Every error of a request, in the API's error body: Fastify's own errors carry a 4xx status
 * (a body over a limit names the limit and what was received); anything else (a database
 * failure in a stage) is classified, and logged if it is internal.
 */
export const errorHandler = (bodyLimitBytes: number) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
  // The connection is gone (cut as too slow, shed at the cap, or left by its client) and its
  // body's read failed with it: nobody can read an answer. Building one for each of thousands of
  // cut connections was a fifth of the API's work under a flood of slow bodies, and counted a
  // 400 in the metrics for a request already answered 408 on its socket.
  if (request.raw.socket?.destroyed) {
    reply.hijack();
    return;
  }
  const fastifyStatus = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : undefined;
  const classified = classifyError(error);
  const code = fastifyStatus ? codeForStatus(fastifyStatus) : classified.code;
  if (!fastifyStatus && classified.code === "INTERNAL_SERVER_ERROR") request.log.error({ err: error, code }, "request failed");
  const named = fastifyStatus ? bodyRefusal(error, request, bodyLimitBytes) : undefined;
  return refuse(reply, request.state, named ?? { code, message: fastifyStatus ? error.message : classified.message, details: fastifyStatus ? {} : classified.details });
};

/**
 * Fastify's `frameworkErrors`: what its router refuses before any hook runs (a malformed URL,
 * FST_ERR_BAD_URL; a route parameter too long). The one request whose state is made here rather
 * than by the first hook (`declareRequestState`); then it is answered as every error is. No hook
 * runs, CORS's included: its header is the one Node's own refusals carry (`clientErrorHandler`).
 */
export const routerRefusal =
  (handle: ReturnType<typeof errorHandler>, corsOrigin: string) => (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    request.state = newState(request.id, request.method, request.ip, undefined);
    reply.header(REQUEST_ID_HEADER, request.id);
    if (variesOnOrigin(corsOrigin)) reply.header("vary", "Origin");
    else reply.header("access-control-allow-origin", "*");
    return handle(error, request, reply);
  };

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
export const socketRefusal = (corsOrigin: string) => (socket: Socket, code: ErrorCode, message: string, retryAfterSeconds?: number) => {
  if (socket.destroyed) return;
  socket.on("error", () => {}); // the client may be gone already
  socket.pause();
  const late = setTimeout(() => socket.destroy(), 1000);
  late.unref();
  // end() rather than write() and a callback: under a flood of refused connections, about a
  // sixth less of the event loop's time each (a microbenchmark, 20,000 connections).
  socket.end(rawRefusal(code, message, [corsHeaderOf(corsOrigin)], retryAfterSeconds), () => {
    clearTimeout(late);
    socket.destroy();
  });
};
