import type { IncomingMessage, ServerResponse } from "node:http";
import { OperationTypeNode } from "graphql";
import { LRUCache } from "lru-cache";
import { rateHeaders } from "../../graphql/charge";
import type { Admit } from "../admission/list";
import { nestingLimit } from "../admission/document";
import { decodeGraphqlRequest, type GraphqlRequest } from "../admission/request";
import { JSON_TYPE, type Refusal, refusalsBody } from "../exit/refusal";
import { REQUEST_ID_HEADER, requestIdOf } from "../request-id";
import { isGraphql, STALE_HEADER } from "../graphql-over-http/arrival";
import { decodeQueryString, malformedReason } from "../graphql-over-http/decoding";
import { mergeVary } from "../graphql-over-http/cors";
import type { Metrics } from "../graphql-over-http/metrics";
import { CACHE_VARY, type CacheSlot, matchesTag, publicCacheControl, type ResponseCache, slotOf, type Stored } from "../graphql-over-http/response-cache";
import { newState, type RequestState } from "../graphql-over-http/state";
import { httpStatusOf } from "../../errors/error-codes";
import { tracing } from "../../tracing";

export interface FastPathOptions {
  cache: ResponseCache;
  digest(): string;
  cacheMaxAgeSeconds: number;
  maxUrlBytes: number;
  draining(): boolean;
  staleSeconds(): number | undefined;
  cors(origin: string | undefined): [string, string][];
  clientAddress(request: IncomingMessage): string;
  /** The admission list: a hit runs its prefix, the caller and the arrival charge. */
  admission: Admit;
  metrics?: Metrics;
}

/**
 * Reads the response cache can answer, answered before the general pipeline (and before
 * Fastify): a GET of /graphql whose answer is stored, or whose If-None-Match matches, gets its
 * stored bytes and precomputed headers in one write. It runs the part of the admission list a
 * stored answer needs (the caller, the 1-unit arrival charge: the rest was passed when the
 * answer was made) and adds what the stages it skips add: the request id, CORS, the stale
 * header and the metrics. Anything else (a miss, a POST, a URL over the limit, a draining
 * server) goes to the pipeline untouched.
 */
export function fastPath(options: FastPathOptions) {
  const serve = async (request: IncomingMessage, response: ServerResponse, state: RequestState, slot: CacheSlot, stored: Stored | undefined) => {
    const started = performance.now();
    // The caller was identified before the lookup (its role is part of the key).
    const refused = await options.admission(state, "arrival", "arrival");
    const headers = commonHeaders(request, state.id);
    if (state.charge) for (const [name, value] of rateHeaders(state.charge)) headers.push(name, value);
    if (refused) {
      state.errorCodes = refused.map((r) => r.code);
      send(response, headers, refused, state.id);
    } else {
      state.cache = slot;
      state.operation = { type: OperationTypeNode.QUERY, name: stored?.operationName, listed: stored?.listed };
      write(response, headers, slot, stored);
    }
    options.metrics?.observe("/graphql", response.statusCode, state, (performance.now() - started) / 1000);
    tracing?.served(request, state, refused ? undefined : stored ? "hit" : "304", state.graphql, refused?.[0].code);
    return true;
  };

  // Headers as Node takes them fastest, one flat list of names and values, built once a request.
  const commonHeaders = (request: IncomingMessage, id: string): string[] => {
    const headers = [REQUEST_ID_HEADER, id];
    for (const [name, value] of options.cors(request.headers.origin)) headers.push(name, value);
    const stale = options.staleSeconds();
    if (stale !== undefined) headers.push(STALE_HEADER, String(stale));
    return headers;
  };

  // The caching headers of a public answer, as cacheHeaders gives them (the same for every hit
  // but its ETag); with CORS's Vary (a list of origins), one Vary of both, as the pipeline sends.
  const publicControl = publicCacheControl(options.cacheMaxAgeSeconds);
  const bothVary = mergeVary(CACHE_VARY, "Origin");
  const write = (response: ServerResponse, headers: string[], slot: CacheSlot, stored: Stored | undefined) => {
    if (slot.public) {
      let vary = -1;
      for (let i = 0; i < headers.length; i += 2) if (headers[i] === "vary") vary = i;
      headers.push("etag", slot.etag, "cache-control", publicControl);
      if (vary === -1) headers.push("vary", CACHE_VARY);
      else headers[vary + 1] = bothVary;
    } else {
      headers.push("cache-control", "no-store");
    }
    if (!stored) {
      response.writeHead(304, headers);
      response.end();
      return;
    }
    headers.push("content-type", stored.contentType, "content-length", String(stored.body.length));
    response.writeHead(stored.status, headers);
    response.end(stored.body);
  };

  const send = (response: ServerResponse, headers: string[], refusals: readonly Refusal[], id: string) => {
    const [first] = refusals;
    const body = refusalsBody(id, refusals);
    for (const [name, value] of Object.entries(first.headers ?? {})) headers.push(name, value);
    headers.push("content-type", JSON_TYPE, "content-length", String(Buffer.byteLength(body)), "cache-control", "no-store");
    response.writeHead(httpStatusOf(first.code), headers);
    response.end(body);
  };

  // What a URL asks for, by the URL as sent (with the caller's role, its Accept and the catalogue
  // digest): clients repeat a few GETs, and a repeated one is not decoded, parsed and hashed into
  // its cache key again. A URL decodes one way only, so this is the one decoding, remembered.
  const known = new LRUCache<string, Known | false>({ maxSize: KNOWN_URLS_BYTES, sizeCalculation: (_value, key) => BYTES_PER_KEY_CHARACTER * key.length + 400 });
  const knownOf = (url: string, request: IncomingMessage, role: string): Known | undefined => {
    const digest = options.digest();
    const accept = request.headers.accept ?? "";
    const key = `${digest}\n${role}\n${request.headers.authorization === undefined}\n${accept}\n${url}`;
    let found = known.get(key);
    if (found === undefined) {
      const graphql = requestOf(url.slice(9));
      const slot = graphql && slotOf("GET", graphql, request.headers, role, digest);
      found = graphql && slot ? { graphql, slot } : false;
      known.set(key, found);
    }
    return found || undefined;
  };

  /** Serves the request and resolves true, or resolves false (having sent nothing) for the pipeline. */
  return (request: IncomingMessage, response: ServerResponse): false | Promise<boolean> => {
    const url = request.url ?? "";
    if (request.method !== "GET" || url.length <= 9 || !isGraphql(url) || url.length > options.maxUrlBytes || options.draining()) return false;
    // The key's role is part of the cache key: without a key, the anonymous answer is looked up
    // now; with one, the caller is identified first (a hit is then looked up for its role).
    const header = request.headers.authorization;
    if (header === undefined) {
      const found = knownOf(url, request, "anonymous");
      const hit = found && hitOf(request, found);
      // Nothing is made for a request the pipeline will answer (its state, id, address).
      if (!found || !hit) return false;
      return serve(request, response, withRequest(newState(requestIdOf(request), "GET", options.clientAddress(request), header), found), found.slot, hit.stored);
    }
    const state = newState(requestIdOf(request), "GET", options.clientAddress(request), header);
    return options.admission(state, "caller", "caller").then((refused) => {
      if (refused) return serveRefusal(request, response, state, refused);
      const found = knownOf(url, request, state.principal?.role ?? "anonymous");
      const hit = found && hitOf(request, found);
      return found && hit ? serve(request, response, withRequest(state, found), found.slot, hit.stored) : false;
    });
  };

  /** A stored answer, or a 304 (no answer needed) for a matching If-None-Match; undefined for the pipeline. */
  function hitOf(request: IncomingMessage, { slot }: Known): { stored?: Stored } | undefined {
    const notModified = slot.public && matchesTag(request.headers["if-none-match"], slot.etag);
    const stored = !notModified && options.cache.has(slot) ? options.cache.get(slot) : undefined;
    return notModified || stored ? { stored } : undefined;
  }

  function serveRefusal(request: IncomingMessage, response: ServerResponse, state: RequestState, refused: readonly Refusal[]): true {
    state.errorCodes = refused.map((r) => r.code);
    send(response, commonHeaders(request, state.id), refused, state.id);
    tracing?.served(request, state, undefined, state.graphql, refused[0].code);
    return true;
  }
}

const PARAMS = new Set(["query", "operationName", "variables", "extensions"]);

function withRequest(state: RequestState, { graphql }: Known): RequestState {
  state.graphql = graphql;
  return state;
}

/** A GET the fast path has read: its request, and its slot in the response cache. */
interface Known {
  graphql: GraphqlRequest;
  slot: CacheSlot;
}

/** Memory for the URLs read: 4 MiB. */
const KNOWN_URLS_BYTES = 4 * 1024 * 1024;
/**
 * What one character of a remembered URL may cost: the key's two bytes, and what JSON.parse made
 * of it in the request (its variables and extensions): an attacker's `[[],[],…]` is an array
 * object of tens of bytes for every three characters, measured at 3.5-5 times what 4 bytes a
 * character counted.
 */
const BYTES_PER_KEY_CHARACTER = 20;

/**
 * The GraphQL request of a query string, by the one decoding the pipeline uses; undefined for
 * anything the pipeline must judge (a malformed query string or request, an unknown parameter).
 */
function requestOf(search: string): GraphqlRequest | undefined {
  const params = decodeQueryString(search);
  if (malformedReason(params) !== undefined) return undefined;
  for (const name in params) if (!PARAMS.has(name)) return undefined;
  const decoded = decodeGraphqlRequest(params, true);
  // Variables and extensions too deep for the recursive walks after this one (the cache key's
  // JSON.stringify first, here in Node's request listener) are the pipeline's to refuse.
  if (typeof decoded === "string" || nestingLimit(decoded)) return undefined;
  return decoded;
}
