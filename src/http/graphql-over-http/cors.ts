import type { FastifyReply, FastifyRequest } from "fastify";
import { STALE_HEADER } from "./arrival";

/** Browser access to the API from other origins: @fastify/cors's options, and the same headers for the fast path. */
export function corsOptions(corsOrigin: string) {
  const origins = corsOrigin.split(",").map((o) => o.trim());
  return {
    // A list naming "*" is "*" to @fastify/cors: said here, so that the fast path agrees.
    origin: origins.includes("*") ? "*" : origins,
    methods: ["GET", "POST", "QUERY"],
    allowedHeaders: [
      "content-type",
      "authorization",
      "x-request-id",
      "if-none-match",
      "apollo-require-preflight",
      "x-apollo-operation-name",
      // Sent by Apollo Client with clientAwareness (4.x) or name/version (3.x).
      "apollographql-client-name",
      "apollographql-client-version",
    ],
    exposedHeaders: ["x-request-id", "etag", STALE_HEADER, "retry-after", "www-authenticate", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-policy", "ratelimit"],
    maxAge: 600,
  };
}

/**
 * Whether responses depend on the request's Origin: with a list, Access-Control-Allow-Origin
 * echoes a listed origin and is absent for any other, so every response says `Vary: Origin`
 * (else a shared cache hands one origin's answer to another, and the browser refuses it). With
 * "*" every origin gets the same answer: varying on Origin would only split caches per origin.
 */
export function variesOnOrigin(corsOrigin: string): boolean {
  return corsOptions(corsOrigin).origin !== "*";
}

/** The CORS headers @fastify/cors puts on an actual (not preflight) response, for a request's Origin. */
export function corsHeaders(corsOrigin: string): (origin: string | undefined) => [string, string][] {
  const options = corsOptions(corsOrigin);
  const expose: [string, string] = ["access-control-expose-headers", options.exposedHeaders.join(", ")];
  if (options.origin === "*") {
    const always: [string, string][] = [["access-control-allow-origin", "*"], expose];
    return () => always;
  }
  const allowed = new Set(options.origin);
  const vary: [string, string] = ["vary", "Origin"];
  const others: [string, string][] = [vary];
  return (origin) => (origin && allowed.has(origin) ? [["access-control-allow-origin", origin], expose, vary] : others);
}

/** Two Vary values as one, each field name once (compared case-insensitively, as caches compare them). */
export function mergeVary(first: string, second: string): string {
  const names = first.split(",").map((name) => name.trim()).filter(Boolean);
  const seen = new Set(names.map((name) => name.toLowerCase()));
  for (const name of second.split(",").map((n) => n.trim())) {
    if (!name || seen.has(name.toLowerCase())) continue;
    names.push(name);
    seen.add(name.toLowerCase());
  }
  return names.join(", ");
}

/**
 * The onSend hook under a list of origins: @fastify/cors says `Vary: Origin` on arrival, but
 * the stages that answer a cacheable read (the response cache, execution) set the cache's
 * `Vary: Accept, Authorization` over it. Origin is merged back into that one header here, as
 * every response leaves, whichever stage answered it.
 */
export async function varyOnOrigin(_request: FastifyRequest, reply: FastifyReply) {
  const vary = reply.getHeader("vary");
  reply.header("vary", vary === undefined ? "Origin" : mergeVary(Array.isArray(vary) ? vary.join(", ") : String(vary), "Origin"));
}
