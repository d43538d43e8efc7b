import type { FastifyReply, FastifyRequest } from "fastify";
import { negotiatedMediaType, NOT_ACCEPTABLE } from "../representation";
import { malformedReason, paramsOf } from "./decoding";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, type Refusal, refuse } from "./refusal";

/**
 * Why a request's parameters (a POST's parsed body, a GET's decoded query string) are not a
 * well-formed GraphQL-over-HTTP request, or undefined when they are. The 2026 draft gives such a
 * request 422 (INVALID_GRAPHQL_REQUEST), apart from a body that is not JSON at all (400): Apollo
 * would call both 400 BAD_REQUEST, so the shape is checked here, before anything reads it.
 */
export function malformedRequest(params: unknown, get: boolean): string | undefined {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    return "A GraphQL-over-HTTP request is one JSON object (batches are not accepted)";
  }
  const { query, operationName, variables, extensions, documentId } = params as Record<string, unknown>;
  if (query !== undefined && typeof query !== "string") return "query must be a string";
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return "operationName must be a string";
  for (const [name, value] of [["variables", variables], ["extensions", extensions]] as const) {
    const object = get ? jsonOf(value) : value;
    if (object !== undefined && object !== null && (typeof object !== "object" || Array.isArray(object))) return `${name} must be ${get ? "the JSON text of " : ""}an object`;
  }
  const persisted = (get ? jsonOf(extensions) : extensions) as { persistedQuery?: unknown } | null | undefined;
  if (query === undefined && documentId === undefined && persisted?.persistedQuery === undefined) {
    return "The request has no query: send `query` (or a persisted query's hash, or a documentId)";
  }
  return undefined;
}

/** A GET's JSON parameter: undefined when absent, a symbol when it is no JSON (never an object). */
function jsonOf(value: unknown): unknown {
  if (value === undefined || value === "") return undefined;
  try {
    return JSON.parse(String(value));
  } catch {
    return NOT_JSON;
  }
}
const NOT_JSON = Symbol("not JSON");

/** The stage of /graphql GETs and POSTs: a request that is not well-formed is refused before any other reads it. */
export function wellFormedStage() {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const found = paramsOf(request);
    if (!found) return undefined;
    const reason = malformedRequest(found.params, found.inUrl);
    if (reason === undefined) return undefined;
    const refusal: Refusal = { code: "INVALID_GRAPHQL_REQUEST", message: reason };
    // A GraphQL request error: sent as a GraphQL response, unless the client accepts no JSON at all.
    const type = negotiatedMediaType(request.headers.accept) === NOT_ACCEPTABLE ? JSON_TYPE : GRAPHQL_RESPONSE_TYPE;
    return refuse(reply, request.state, refusal, type);
  };
}

/** The first stage of /graphql: a query string that could be read two ways is refused before any work. */
export function decodingStage() {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const reason = malformedReason(request.query);
    if (reason === undefined) return undefined;
    return refuse(reply, request.state, { code: "BAD_REQUEST", message: reason });
  };
}
