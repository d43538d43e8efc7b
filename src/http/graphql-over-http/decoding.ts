import { isUtf8 } from "node:buffer";
import type { FastifyRequest } from "fastify";
import { httpStatusOf } from "../../errors/error-codes";

/**
 * The one decoding of a request's query string. Every stage, the fast path and Apollo read the
 * parameters this produced (Apollo is handed the request they decode to, re-encoded: see
 * admission/request.ts), so the document the limits saw is the document that runs. Fastify's own parser and URLSearchParams are both
 * lenient in different ways (the first leaves a value it cannot decode as raw text, the second
 * turns `%FF` into U+FFFD): a query ending in `#%FF` was text that does not parse to the limits,
 * and a real document to Apollo. Here anything ambiguous is refused instead of guessed at.
 */
export type DecodedQuery = Record<string, string>;

/** Why a query string was refused: on the parameters object, where no enumeration sees it. */
const MALFORMED = Symbol("malformed query string");

/** Parameters a GraphQL request may give once: a second one would be read by someone, ignored by someone else. */
const SINGLE = new Set(["query", "operationName", "variables", "extensions", "documentId"]);
const PLUS = /\+/g;

/**
 * `application/x-www-form-urlencoded` as the URL standard writes it (`+` is a space), but strict:
 * an invalid percent-escape, a sequence that is not UTF-8 (overlong forms and surrogates
 * included), a NUL, or a repeated GraphQL parameter make the whole query string malformed.
 * Never throws: Fastify calls it while routing.
 */
export function decodeQueryString(search: string): DecodedQuery {
  const params: DecodedQuery = Object.create(null);
  if (search.length === 0) return params;
  for (const pair of search.split("&")) {
    if (pair.length === 0) continue;
    const at = pair.indexOf("=");
    const name = decodeComponent(at === -1 ? pair : pair.slice(0, at));
    const value = decodeComponent(at === -1 ? "" : pair.slice(at + 1));
    if (name === undefined || value === undefined) return malformed(params, "The query string has an invalid percent-escape or a sequence that is not UTF-8");
    if (name.includes("\0") || value.includes("\0")) return malformed(params, "The query string contains a NUL character");
    if (name in params && SINGLE.has(name)) return malformed(params, `The query string gives "${name}" more than once`);
    params[name] = value;
  }
  return params;
}

function decodeComponent(text: string): string | undefined {
  const spaced = text.includes("+") ? text.replace(PLUS, " ") : text;
  if (!spaced.includes("%")) return spaced;
  try {
    // decodeURIComponent throws on a bad escape and on any byte sequence that is not UTF-8.
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

/** The parameters read so far, marked: every stage but the refusing one leaves them alone. */
const malformed = (params: DecodedQuery, reason: string): DecodedQuery => Object.defineProperty(params, MALFORMED, { value: reason, enumerable: false });

/** Why the query string is refused, if it is. */
export const malformedReason = (params: unknown): string | undefined => (params as { [MALFORMED]?: string } | undefined)?.[MALFORMED];

/** A JSON body that is not UTF-8 would be read with replacement characters: refused, as a GET's would be. */
export function utf8Body(body: Buffer): string | Error {
  if (isUtf8(body)) return body.toString("utf8");
  return Object.assign(new Error("The request body is not valid UTF-8"), { statusCode: httpStatusOf("BAD_REQUEST") });
}

/** Methods whose GraphQL parameters travel in the body: POST, and QUERY (a safe, cacheable POST). */
const BODY_METHODS = new Set(["POST", "QUERY"]);

/**
 * Where a /graphql request's parameters are, for every stage alike: the decoded query string of
 * a GET (`inUrl`: variables and extensions are JSON text), the parsed body of a POST or QUERY.
 * Undefined for any other method. A HEAD is its GET (the state's method).
 */
export function paramsOf(request: FastifyRequest): { params: unknown; inUrl: boolean } | undefined {
  const { method } = request.state;
  if (method === "GET") return { params: request.query, inUrl: true };
  if (BODY_METHODS.has(method)) return { params: request.body, inUrl: false };
  return undefined;
}
