import type { ApiKeyService } from "../../auth/api-key.service";
import type { Principal } from "../../auth/principal";
import type { RateBudgets } from "../rate-limit";
import type { Refusal } from "../exit/refusal";

export const WWW_AUTHENTICATE = 'Bearer realm="statusgraph", error="invalid_token"';

/** The token of an `Authorization: Bearer <token>` value; undefined for anything else. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === "string" ? /^Bearer +(\S+)$/i.exec(header)?.[1] : undefined;
}

/**
 * Who sent a request or opened a socket, for every transport: no header is anonymous (reads
 * are public); a header that is not a valid, active key is refused, because a client that sent
 * a key expects it to be used. An address that failed too often is refused before its key is
 * even looked up, and every failure counts against it, so guessing keys costs neither the
 * database nor the guesser's neighbours anything. Throws when the key cannot be checked (the
 * database is unreachable): the caller's error handling says 503.
 */
export async function authenticate(apiKeys: ApiKeyService, budgets: RateBudgets, header: unknown, address: string): Promise<Principal | null | Refusal> {
  if (header === undefined) return null;
  const waitSeconds = await budgets.authBlockedFor(address);
  if (waitSeconds > 0) {
    return {
      code: "RATE_LIMITED",
      message: `Too many failed authentications from this address; retry in ${waitSeconds} s`,
      headers: { "retry-after": String(waitSeconds) },
    };
  }
  const key = bearerToken(header);
  const principal = key ? await apiKeys.authenticate(key) : null;
  if (principal) return principal;
  await budgets.recordAuthFailure(address);
  return { code: "UNAUTHENTICATED", message: "The API key is invalid or revoked", headers: { "www-authenticate": WWW_AUTHENTICATE } };
}

export function isRefusal(value: unknown): value is Refusal {
  return typeof value === "object" && value !== null && "code" in value && "message" in value;
}
