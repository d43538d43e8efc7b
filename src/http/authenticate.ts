import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Principal } from "../auth/principal";
import { errorBody } from "./error-body";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const WWW_AUTHENTICATE = 'Bearer realm="statusgraph", error="invalid_token"';

/**
 * No Authorization header: anonymous (reads are public). A header that is not a valid, active
 * key is refused before any GraphQL runs: a client that sent a key expects it to be used, so
 * silently treating it as anonymous would hide its mistake.
 */
export function authenticate(apiKeys: ApiKeyService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    request.principal = null;
    const header = request.headers.authorization;
    if (header === undefined) return;
    const key = /^Bearer +(\S+)$/i.exec(header)?.[1];
    const principal = key ? await apiKeys.authenticate(key) : null;
    if (!principal) {
      return reply.code(401).header("www-authenticate", WWW_AUTHENTICATE).send(errorBody("UNAUTHENTICATED", "The API key is invalid or revoked"));
    }
    request.principal = principal;
  };
}
