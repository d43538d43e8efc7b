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

/**
 * The text of a JSON body, read one way or refused (400, as a GET's query string would be): one
 * that is not UTF-8 would be read with replacement characters, and one whose top-level object
 * gives a member twice (`{"query":"{a}","query":"{b}"}`, which RFC 7493 forbids) is read by JSON.parse
 * as its last, by another reader perhaps as its first.
 */
export function bodyText(body: Buffer): string | Error {
  if (!isUtf8(body)) return badRequest("The request body is not valid UTF-8");
  const text = body.toString("utf8");
  const repeated = repeatedMember(text, 1);
  if (repeated !== undefined) return badRequest(`The request body gives ${shownName(repeated)} more than once`);
  return text;
}

/** A body's parameters (JSON.parse's), refused with 400 when a GraphQL text in them has a NUL, as a GET's %00 is. */
export function parsedBodyRefusal(params: unknown): Error | undefined {
  const nul = nulParameter(params);
  return nul === undefined ? undefined : badRequest(`The request's ${nul} contains a NUL character`);
}

const badRequest = (message: string) => Object.assign(new Error(message), { statusCode: httpStatusOf("BAD_REQUEST") });

/** The parameters read as text, where a NUL would end the text for some readers and not for others. */
const TEXT_PARAMETERS = ["query", "operationName", "documentId"] as const;

/** The first of a request's text parameters (a parsed body, a graphql-ws subscribe's payload) that holds a NUL. */
export function nulParameter(params: unknown): (typeof TEXT_PARAMETERS)[number] | undefined {
  if (params === null || typeof params !== "object") return undefined;
  for (const name of TEXT_PARAMETERS) {
    const value = (params as Record<string, unknown>)[name];
    if (typeof value === "string" && value.includes("\0")) return name;
  }
  return undefined;
}

/** A member name as a refusal shows it: quoted, and cut short (the name is the client's, of any length). */
const shownName = (name: string) => JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;

/**
 * The first member name given twice in one object of a JSON text, among the objects nested at
 * most `depth` deep (1: the top-level object's members; 2: those of the objects in it too), as
 * JSON.parse decodes names (`"\u0071uery"` is `query`). One pass, no recursion, never throws:
 * it runs on a client's text before JSON.parse, which refuses what is not JSON (a text that is
 * not JSON may get any answer here). Deeper levels are only counted, and strings skipped.
 */
export function repeatedMember(text: string, depth: number): string | undefined {
  // The names seen in each open container up to `depth` (index: its level - 1): null for an
  // array, undefined for an object with no member yet.
  const names: (Set<string> | null | undefined)[] = [];
  let level = 0;
  // The next string is a member name: just after `{` or an object's `,`, at a level watched.
  let name = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i + 1);
      if (end === -1) return undefined;
      if (name) {
        const decoded = memberName(text.slice(i + 1, end));
        // Not JSON: JSON.parse refuses the whole text at once. Scanning on would pay a thrown
        // SyntaxError (and its stack) for each of a body full of bad escapes: 0.4-0.5 s a MiB.
        if (decoded === undefined) return undefined;
        // (Never null here: `name` is true only inside an object.)
        const seen = names[level - 1] ?? (names[level - 1] = new Set());
        if (seen.has(decoded)) return decoded;
        seen.add(decoded);
        name = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      level += 1;
      name = c === OPEN_OBJECT && level <= depth;
      if (level <= depth) names[level - 1] = c === OPEN_OBJECT ? undefined : null;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      if (level > 0) level -= 1;
      name = false;
    } else if (c === COMMA) {
      name = level > 0 && level <= depth && names[level - 1] !== null;
    }
  }
  return undefined;
}

/** Where the string whose text starts at `from` ends (its closing quote), or -1 if it does not. */
function stringEnd(text: string, from: number): number {
  let at = from;
  for (;;) {
    const quote = text.indexOf('"', at);
    if (quote === -1) return -1;
    // Escaped if an odd number of backslashes stand before it (each is looked at once: the run
    // lies between this quote and the last one).
    let backslashes = 0;
    while (quote - backslashes - 1 >= at && text.charCodeAt(quote - backslashes - 1) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return quote;
    at = quote + 1;
  }
}

/** A member name's raw text as JSON.parse reads it (decoded only when it has an escape), or undefined if it is not JSON. */
function memberName(raw: string): string | undefined {
  if (!raw.includes("\\")) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
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
