import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { FastifyReply } from "fastify";
import { type ErrorCode, factsOf, httpStatusOf } from "../../errors/error-codes";
import { statusOfResult } from "../../graphql/response-shaping.plugin";
import { REQUEST_ID_HEADER } from "../request-id";
import type { RequestState } from "./state";

/** A request refused by a stage, whatever the transport: HTTP sends it, a WebSocket an error. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** Headers the refusal carries (Retry-After, WWW-Authenticate, Allow). */
  headers?: Record<string, string>;
}

export const JSON_TYPE = "application/json; charset=utf-8";
export const GRAPHQL_RESPONSE_TYPE = "application/graphql-response+json; charset=utf-8";

/** A GraphQL-shaped error body: clients parse one format, and every error names the request. */
export function errorBody(requestId: string, code: ErrorCode, message: string, details: Record<string, unknown> = {}): string {
  return JSON.stringify({ errors: [{ message, extensions: { ...details, code, httpStatus: httpStatusOf(code), requestId } }] });
}

/** Sends a refusal: its status, its headers (and the table's Retry-After), its body; the state records its code. */
export function refuse(reply: FastifyReply, state: RequestState, refusal: Refusal, mediaType = JSON_TYPE): FastifyReply {
  state.errorCodes = [refusal.code];
  const status = statusOfResult(undefined, state.errorCodes);
  const retryAfter = factsOf(refusal.code).retryAfterSeconds;
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  if (refusal.headers) reply.headers(refusal.headers);
  return reply.code(status).type(mediaType).send(errorBody(state.id, refusal.code, refusal.message, refusal.details));
}

/**
 * A refusal written straight to a socket, where no Fastify reply exists (Node's own parse
 * errors, a WebSocket upgrade): the same status, Retry-After and body as `refuse` would send,
 * and the connection closed.
 */
export function rawRefusal(code: ErrorCode, message: string, headers: string[] = []): string {
  const status = httpStatusOf(code);
  const requestId = randomUUID();
  const body = errorBody(requestId, code, message);
  const retryAfter = factsOf(code).retryAfterSeconds;
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    `content-type: ${JSON_TYPE}`,
    `content-length: ${Buffer.byteLength(body)}`,
    ...(retryAfter === undefined ? [] : [`retry-after: ${retryAfter}`]),
    ...headers,
    `${REQUEST_ID_HEADER}: ${requestId}`,
    "connection: close",
    "",
    body,
  ].join("\r\n");
}
