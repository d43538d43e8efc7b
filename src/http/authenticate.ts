import type { FastifyReply, FastifyRequest } from "fastify";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Principal } from "../auth/principal";
import { errorBody } from "./error-body";
import { type RateBudgets, refuse } from "./rate-limit";

declare module "fastify" {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const WWW_AUTHENTICATE = 'Bearer realm="statusgraph", error="invalid_token"';

/**
 * No Authorization header: anonymous (reads are public). A header that is not a valid, active
 * key is refused before any GraphQL runs: a client that sent a key expects it to be used, so
 * silently treating it as anonymous would hide its mistake. An address that failed too often
 * gets 429 before its key is even looked up.
 */
export function authenticate(apiKeys: ApiKeyService, budgets: RateBudgets) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    request.principal = null;
    const header = request.headers.authorization;
    if (header === undefined) return;
    const wait = await budgets.authBlockedFor(request.ip);
    if (wait > 0) return refuse(reply, wait, `Too many failed authentications from this address; retry in ${wait} s`);
    const key = /^Bearer +(\S+)$/i.exec(header)?.[1];
    const principal = key ? await apiKeys.authenticate(key) : null;
    if (!principal) {
      await budgets.recordAuthFailure(request.ip);
      return reply.code(401).header("www-authenticate", WWW_AUTHENTICATE).send(errorBody("UNAUTHENTICATED", "The API key is invalid or revoked"));
    }
    request.principal = principal;
  };
}
