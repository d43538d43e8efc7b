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

/** The token of an `Authorization: Bearer <token>` value; undefined for anything else. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === "string" ? /^Bearer +(\S+)$/i.exec(header)?.[1] : undefined;
}

export type KeyCheck = { principal: Principal } | { refused: "blocked"; waitSeconds: number } | { refused: "invalid" };

/**
 * Checks a key sent by a client, for HTTP requests and WebSocket connections alike: an address
 * that failed too often is refused before its key is even looked up, and every failure counts
 * against it, so guessing keys costs neither the database nor the guesser's neighbours anything.
 */
export async function checkKey(apiKeys: ApiKeyService, budgets: RateBudgets, header: unknown, address: string): Promise<KeyCheck> {
  const waitSeconds = await budgets.authBlockedFor(address);
  if (waitSeconds > 0) return { refused: "blocked", waitSeconds };
  const key = bearerToken(header);
  const principal = key ? await apiKeys.authenticate(key) : null;
  if (principal) return { principal };
  await budgets.recordAuthFailure(address);
  return { refused: "invalid" };
}

/**
 * No Authorization header: anonymous (reads are public). A header that is not a valid, active
 * key is refused before any GraphQL runs: a client that sent a key expects it to be used, so
 * silently treating it as anonymous would hide its mistake.
 */
export function authenticate(apiKeys: ApiKeyService, budgets: RateBudgets) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    request.principal = null;
    const header = request.headers.authorization;
    if (header === undefined) return;
    const checked = await checkKey(apiKeys, budgets, header, request.ip);
    if ("principal" in checked) {
      request.principal = checked.principal;
    } else if (checked.refused === "blocked") {
      return refuse(reply, checked.waitSeconds, `Too many failed authentications from this address; retry in ${checked.waitSeconds} s`);
    } else {
      return reply.code(401).header("www-authenticate", WWW_AUTHENTICATE).send(errorBody("UNAUTHENTICATED", "The API key is invalid or revoked"));
    }
  };
}
