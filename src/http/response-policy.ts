import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../errors/error-codes";
import { pathOf } from "./request-guards";

const RETRY_AFTER_SECONDS = 5;

// Errors of a well-formed GraphQL-over-HTTP request that could not run. Under application/json
// the spec wants 200 for them (the body says what failed); under graphql-response+json, 4xx.
// The limits checked before execution are validation errors of a kind, and are treated alike.
const REQUEST_ERRORS = new Set<unknown>([
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "BAD_USER_INPUT",
  "OPERATION_RESOLUTION_FAILURE",
  "QUERY_TOO_COMPLEX",
  "QUERY_TOO_DEEP",
  "TOO_MANY_TOKENS",
  "TOO_MANY_ALIASES",
  "TOO_MANY_ROOT_FIELDS",
  "TOO_MANY_DIRECTIVES",
  "TOO_MANY_SELECTIONS",
]);

interface Body {
  data?: Record<string, unknown> | null;
  errors?: { extensions?: { code?: ErrorCode; requestId?: string } }[];
}

/**
 * The last word on every response (an onSend hook): stamps the request id on every error, for
 * /graphql sets the HTTP status the media type calls for and the caching headers, and gives
 * every 503, whoever produced it, its Retry-After.
 */
export function responsePolicy(cacheMaxAgeSeconds: number) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const shaped = typeof payload === "string" ? shape(request, reply, payload, cacheMaxAgeSeconds) : payload;
    if (reply.statusCode === 503) reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    return shaped;
  };
}

function shape(request: FastifyRequest, reply: FastifyReply, payload: string, cacheMaxAgeSeconds: number): string {
  const body = payload.includes('"errors"') ? parse(payload) : undefined;
  body?.errors?.forEach((e) => (e.extensions = { ...e.extensions, requestId: request.id }));
  const text = body ? JSON.stringify(body) : payload;
  if (pathOf(request.url) !== "/graphql") return text;
  setStatus(reply, body);
  return cache(request, reply, text, !body?.errors?.length, cacheMaxAgeSeconds);
}

function setStatus(reply: FastifyReply, body: Body | undefined) {
  const codes = body?.errors?.map((e) => e.extensions?.code) ?? [];
  if (!codes.length) return;
  const json = String(reply.getHeader("content-type") ?? "").startsWith("application/json");
  if (json && reply.statusCode === 400 && codes.every((c) => REQUEST_ERRORS.has(c))) reply.code(200);
  // Nothing could be answered because the database is down: say so at the HTTP level too.
  const nothingResolved = !body?.data || Object.values(body.data).every((v) => v === null);
  if (reply.statusCode === 200 && nothingResolved && codes.every((c) => c === "SERVICE_UNAVAILABLE")) {
    reply.code(503);
  }
}

/** Public, error-free GET reads are cacheable and revalidated by a strong ETag; all else is not. */
function cache(request: FastifyRequest, reply: FastifyReply, text: string, clean: boolean, maxAge: number) {
  const cacheable = request.method === "GET" && reply.statusCode === 200 && clean && !request.headers.authorization;
  if (!cacheable) {
    reply.header("cache-control", "no-store");
    return text;
  }
  const etag = `"${createHash("sha256").update(text).digest("base64url")}"`;
  reply.header("etag", etag).header("cache-control", `public, max-age=${maxAge}`).header("vary", "Accept, Authorization");
  if (matches(request.headers["if-none-match"], etag)) {
    reply.code(304).removeHeader("content-type");
    return "";
  }
  return text;
}

/** If-None-Match uses the weak comparison (RFC 9110 Section 13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t.replace(/^W\//, "") === etag;
  });
}

function parse(payload: string): Body | undefined {
  try {
    return JSON.parse(payload) as Body;
  } catch {
    return undefined;
  }
}
