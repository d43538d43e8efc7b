import type { FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../errors/error-codes";
import { ALLOWED_METHODS, pathOf } from "./request-guards";
import { browserCacheable, matchesTag, setCacheHeaders } from "./response-cache";

export interface PolicyOptions {
  cacheMaxAgeSeconds: number;
  /** Given every clean 200 of a query, for the response cache. */
  keep(request: FastifyRequest, reply: FastifyReply, body: string): void;
}

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
 * every 503, whoever produced it, its Retry-After, and every 405 the path's Allow.
 */
export function responsePolicy(options: PolicyOptions) {
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const shaped = typeof payload === "string" ? shape(request, reply, payload, options) : payload;
    if (reply.statusCode === 503) reply.header("retry-after", String(RETRY_AFTER_SECONDS));
    // Every 405 on a path names the same methods, whoever refused (our routing, or Apollo's
    // mutation over GET, which says "POST"): RFC 9110 wants the resource's methods in Allow.
    const allow = reply.statusCode === 405 ? ALLOWED_METHODS[pathOf(request.url)] : undefined;
    if (allow) reply.header("allow", allow);
    return shaped;
  };
}

function shape(request: FastifyRequest, reply: FastifyReply, payload: string, options: PolicyOptions): string {
  const body = payload.includes('"errors"') ? parse(payload) : undefined;
  body?.errors?.forEach((e) => (e.extensions = { ...e.extensions, requestId: request.id }));
  const text = body ? JSON.stringify(body) : payload;
  if (pathOf(request.url) !== "/graphql") {
    request.errorCode = body?.errors?.[0]?.extensions?.code;
    return text;
  }
  setStatus(request, reply, body);
  const clean = reply.statusCode === 200 && !body?.errors?.length;
  // GET runs queries only (Apollo refuses the rest with 405); a persisted POST may be a mutation.
  if (clean && (request.method === "GET" || request.graphqlContext?.operation.type === "query")) options.keep(request, reply, text);
  return cache(request, reply, text, clean, options.cacheMaxAgeSeconds);
}

function setStatus(request: FastifyRequest, reply: FastifyReply, body: Body | undefined) {
  const codes = body?.errors?.map((e) => e.extensions?.code) ?? [];
  if (!codes.length) return;
  request.errorCode = codes[0];
  const json = String(reply.getHeader("content-type") ?? "").startsWith("application/json");
  if (json && reply.statusCode === 400 && codes.every((c) => REQUEST_ERRORS.has(c))) reply.code(200);
  // Nothing could be answered because the database is down: say so at the HTTP level too.
  const nothingResolved = !body?.data || Object.values(body.data).every((v) => v === null);
  if (reply.statusCode === 200 && nothingResolved && codes.every((c) => c === "SERVICE_UNAVAILABLE")) {
    reply.code(503);
  }
}

/**
 * Public, error-free GET reads are cacheable and revalidated by a strong ETag derived from the
 * request (see response-cache.ts), so that a revalidation needs no execution; all else is not.
 */
function cache(request: FastifyRequest, reply: FastifyReply, text: string, clean: boolean, maxAge: number) {
  const slot = request.cacheSlot;
  if (!clean || !slot || !browserCacheable(request)) {
    reply.header("cache-control", "no-store");
    return text;
  }
  setCacheHeaders(reply, slot.etag, maxAge);
  // Only "*" gets here with a match: a listed tag was answered before execution.
  if (matchesTag(request.headers["if-none-match"], slot.etag, true)) {
    reply.code(304).removeHeader("content-type");
    return "";
  }
  return text;
}

function parse(payload: string): Body | undefined {
  try {
    return JSON.parse(payload) as Body;
  } catch {
    return undefined;
  }
}
