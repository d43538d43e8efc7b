import { STALE_HEADER } from "./arrival";

/** Browser access to the API from other origins: @fastify/cors's options, and the same headers for the fast path. */
export function corsOptions(corsOrigin: string) {
  return {
    origin: corsOrigin === "*" ? "*" : corsOrigin.split(",").map((o) => o.trim()),
    methods: ["GET", "POST"],
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

/** The CORS headers @fastify/cors puts on an actual (not preflight) response, for a request's Origin. */
export function corsHeaders(corsOrigin: string): (origin: string | undefined) => [string, string][] {
  const options = corsOptions(corsOrigin);
  const expose: [string, string] = ["access-control-expose-headers", options.exposedHeaders.join(", ")];
  if (options.origin === "*") {
    const always: [string, string][] = [["access-control-allow-origin", "*"], expose];
    return () => always;
  }
  const allowed = new Set(options.origin);
  return (origin) => (origin && allowed.has(origin) ? [["access-control-allow-origin", origin], expose] : []);
}
