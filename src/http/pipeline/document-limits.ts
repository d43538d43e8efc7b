import type { FastifyReply, FastifyRequest } from "fastify";
import { documentGate } from "../../graphql/limits/document-gate";
import type { OperationLimits } from "../../graphql/limits/limits";
import { negotiatedMediaType, NOT_ACCEPTABLE } from "../representation";
import { JSON_TYPE, type Refusal, refuse } from "./refusal";

/**
 * The bounds of a query document, checked before Apollo parses or validates it (see
 * document-gate.ts): one check for HTTP requests and WebSocket subscribes alike.
 */
export function documentLimits(limits: OperationLimits): (query: unknown) => Refusal | undefined {
  const gate = documentGate(limits);
  return (query) => {
    if (typeof query !== "string") return undefined;
    const error = gate(query);
    return error && { code: error.code, message: error.message, details: error.details };
  };
}

/** The stage: a document over the limits is refused in the representation the client asked for. */
export function documentLimitsStage(check: (query: unknown) => Refusal | undefined) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    const params = (request.method === "POST" ? request.body : request.query) as { query?: unknown } | undefined;
    const refused = check(params?.query);
    if (!refused) return undefined;
    const type = negotiatedMediaType(request.headers.accept);
    return refuse(reply, request.state, refused, type === NOT_ACCEPTABLE ? JSON_TYPE : type);
  };
}
