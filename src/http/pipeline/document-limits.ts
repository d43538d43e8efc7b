import type { FastifyReply, FastifyRequest } from "fastify";
import { documentGate, type NewDocumentWork } from "../../graphql/limits/document-gate";
import { variablesDepthError } from "../../graphql/limits/variables-depth";
import type { OperationLimits } from "../../graphql/limits/limits";
import { negotiatedMediaType, NOT_ACCEPTABLE, streamProtocol } from "../representation";
import { paramsOf } from "./decoding";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, type Refusal, refuse } from "./refusal";

/**
 * The bounds of a query document, checked before Apollo parses or validates it (see
 * document-gate.ts): one check for HTTP requests and WebSocket subscribes alike.
 */
export function documentLimits(limits: OperationLimits, newWork?: NewDocumentWork): (query: unknown) => Refusal | undefined {
  const gate = documentGate(limits, newWork);
  return (query) => {
    if (typeof query !== "string") return undefined;
    const error = gate(query);
    return error && { code: error.code, message: error.message, details: error.details };
  };
}

/**
 * Variables nested deeper than MAX_VARIABLE_DEPTH, refused before anything walks them
 * recursively (the response-cache key, Apollo, the cost estimate would overflow the stack).
 */
export function variablesLimit(variables: unknown): Refusal | undefined {
  const error = variablesDepthError(variables);
  return error && { code: error.code, message: error.message, details: error.details };
}

/** A stage that refuses what `check` finds in the request's parameters, in the representation the client asked for. */
function paramsStage(check: (params: { query?: unknown; variables?: unknown }) => Refusal | undefined) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const params = paramsOf(request)?.params as { query?: unknown; variables?: unknown } | undefined;
    const refused = check(params ?? {});
    if (!refused) return undefined;
    // A GraphQL request error is a GraphQL response, under either media type (the 2026 draft: a
    // legacy client gets application/json only for a 2xx); a client that accepts no JSON at all
    // gets plain JSON, unless it asked for a stream (the stream stage answers the same).
    const fallback = streamProtocol(request.headers.accept) ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE;
    return refuse(reply, request.state, refused, negotiatedMediaType(request.headers.accept) === NOT_ACCEPTABLE ? fallback : GRAPHQL_RESPONSE_TYPE);
  };
}

/** The stage before the response cache: variables within their depth. */
export const variablesStage = () => paramsStage((params) => variablesLimit(params.variables));

/** The stage after the response cache: a document within the limits. */
export const documentLimitsStage = (check: (query: unknown) => Refusal | undefined) => paramsStage((params) => check(params.query));
