import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { FastifyReply } from "fastify";
import { type ErrorCode, factsOf, httpStatusOf } from "../../errors/error-codes";
import type { RequestRecord } from "../../graphql/context";
import { statusOfResult } from "../../graphql/response-shaping.plugin";
import { REQUEST_ID_HEADER } from "../request-id";

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
  return refusalsBody(requestId, [{ code, message, details }]);
}

/** The body of one or more refusals (a document's validation errors, say): every one listed. */
export function refusalsBody(requestId: string, refusals: readonly Refusal[]): string {
  return JSON.stringify({ errors: refusals.map((r) => ({ message: r.message, extensions: { ...r.details, code: r.code, httpStatus: httpStatusOf(r.code), requestId } })) });
}

/**
 * Sends a refusal (or several, all of one check): the status of the first, its headers (and the
 * table's Retry-After), the body; the state records the codes.
 */
export function refuse(reply: FastifyReply, state: RequestRecord, refused: Refusal | readonly Refusal[], mediaType = JSON_TYPE): FastifyReply {
  const refusals: readonly Refusal[] = Array.isArray(refused) ? refused : [refused as Refusal];
  const [first] = refusals;
  state.errorCodes = refusals.map((r) => r.code);
  const status = statusOfResult(undefined, state.errorCodes);
  const retryAfter = factsOf(first.code).retryAfterSeconds;
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  if (first.headers) reply.headers(first.headers);
  return reply.code(status).type(mediaType).send(refusalsBody(state.id, refusals));
}

/**
 * A refusal written straight to a socket, where no Fastify reply exists (Node's own parse
 * errors, a WebSocket upgrade): the same status, Retry-After (the table's, unless the refusal
 * knows better) and body as `refuse` would send, and the connection closed.
 */
export function rawRefusal(code: ErrorCode, message: string, headers: string[] = [], retryAfterSeconds?: number): string {
  const status = httpStatusOf(code);
  const requestId = randomUUID();
  const body = errorBody(requestId, code, message);
  const retryAfter = retryAfterSeconds ?? factsOf(code).retryAfterSeconds;
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
