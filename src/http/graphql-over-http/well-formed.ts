import type { FastifyReply, FastifyRequest } from "fastify";
import { decodeGraphqlRequest } from "../admission/request";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, refuse } from "../exit/refusal";
import { negotiatedMediaType, NOT_ACCEPTABLE } from "../representation";
import { malformedReason, paramsOf } from "./decoding";

/**
 * The stage of /graphql GETs, POSTs and QUERYs that turns the parameters (a POST's parsed body,
 * a GET's decoded query string) into the request the admission list reads (`state.graphql`),
 * once: or refuses one that is not a well-formed GraphQL-over-HTTP request. The 2026 draft gives
 * that 422 (INVALID_GRAPHQL_REQUEST), apart from a body that is not JSON at all (400): Apollo
 * would call both 400 BAD_REQUEST, so the shape is checked here, before anything reads it.
 */
export function wellFormedStage() {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const found = paramsOf(request);
    if (!found) return undefined;
    const decoded = decodeGraphqlRequest(found.params, found.inUrl);
    if (typeof decoded !== "string") {
      request.state.graphql = decoded;
      return undefined;
    }
    // A GraphQL request error: sent as a GraphQL response, unless the client accepts no JSON at all.
    const type = negotiatedMediaType(request.headers.accept) === NOT_ACCEPTABLE ? JSON_TYPE : GRAPHQL_RESPONSE_TYPE;
    return refuse(reply, request.state, { code: "INVALID_GRAPHQL_REQUEST", message: decoded }, type);
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
