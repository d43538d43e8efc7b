import type { IncomingMessage, ServerResponse } from "node:http";
import { OperationTypeNode } from "graphql";
import { rateHeaders } from "../../graphql/charge";
import type { Admit } from "../admission/list";
import { decodeGraphqlRequest, type GraphqlRequest } from "../admission/request";
import { JSON_TYPE, type Refusal, refusalsBody } from "../exit/refusal";
import { REQUEST_ID_HEADER, requestIdOf } from "../request-id";
import { isGraphql, STALE_HEADER } from "./arrival";
import { decodeQueryString, malformedReason } from "./decoding";
import { mergeVary } from "./cors";
import type { Metrics } from "./metrics";
import { cacheHeaders, type CacheSlot, matchesTag, type ResponseCache, slotOf, type Stored } from "./response-cache";
import { newState, type RequestState } from "./state";
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
    if (state.charge) headers.push(...rateHeaders(state.charge));
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

  const commonHeaders = (request: IncomingMessage, id: string): [string, string][] => {
    const headers: [string, string][] = [[REQUEST_ID_HEADER, id], ...options.cors(request.headers.origin)];
    const stale = options.staleSeconds();
    if (stale !== undefined) headers.push([STALE_HEADER, String(stale)]);
    return headers;
  };

  const write = (response: ServerResponse, headers: [string, string][], slot: CacheSlot, stored: Stored | undefined) => {
    for (const header of cacheHeaders(slot, options.cacheMaxAgeSeconds)) {
      // One Vary, as the pipeline sends it: the cache's fields, then CORS's Origin (under a list).
      const vary = header[0] === "vary" ? headers.findIndex(([name]) => name === "vary") : -1;
      if (vary === -1) headers.push(header);
      else headers[vary] = ["vary", mergeVary(header[1], headers[vary][1])];
    }
    if (!stored) {
      response.writeHead(304, headers.flat());
      response.end();
      return;
    }
    headers.push(["content-type", stored.contentType], ["content-length", String(stored.body.length)]);
    response.writeHead(stored.status, headers.flat());
    response.end(stored.body);
  };

  const send = (response: ServerResponse, headers: [string, string][], refusals: readonly Refusal[], id: string) => {
    const [first] = refusals;
    const body = refusalsBody(id, refusals);
    headers.push(...Object.entries(first.headers ?? {}), ["content-type", JSON_TYPE], ["content-length", String(Buffer.byteLength(body))], ["cache-control", "no-store"]);
    response.writeHead(httpStatusOf(first.code), headers.flat());
    response.end(body);
  };

  /** Serves the request and resolves true, or resolves false (having sent nothing) for the pipeline. */
  return (request: IncomingMessage, response: ServerResponse): false | Promise<boolean> => {
    const url = request.url ?? "";
    if (request.method !== "GET" || url.length <= 9 || !isGraphql(url) || url.length > options.maxUrlBytes || options.draining()) return false;
    const graphql = requestOf(url.slice(9));
    if (!graphql) return false;
    // The key's role is part of the cache key: without a key, the anonymous answer is looked up
    // now; with one, the caller is identified first (a hit is then looked up for its role).
    const header = request.headers.authorization;
    const state = newState(requestIdOf(request), "GET", options.clientAddress(request), header);
    state.graphql = graphql;
    if (header === undefined) return lookUp(request, response, state, "anonymous") ?? false;
    return options.admission(state, "caller", "caller").then((refused) => {
      if (refused) return serveRefusal(request, response, state, refused);
      const role = state.principal?.role ?? "anonymous";
      return lookUp(request, response, state, role) ?? false;
    });
  };

  function lookUp(request: IncomingMessage, response: ServerResponse, state: RequestState, role: string): Promise<boolean> | undefined {
    const slot = slotOf("GET", state.graphql, request.headers, role, options.digest());
    if (!slot) return undefined;
    const notModified = slot.public && matchesTag(request.headers["if-none-match"], slot.etag);
    const stored = !notModified && options.cache.has(slot) ? options.cache.get(slot) : undefined;
    if (!notModified && !stored) return undefined;
    return serve(request, response, state, slot, stored);
  }

  function serveRefusal(request: IncomingMessage, response: ServerResponse, state: RequestState, refused: readonly Refusal[]): true {
    state.errorCodes = refused.map((r) => r.code);
    send(response, commonHeaders(request, state.id), refused, state.id);
    tracing?.served(request, state, undefined, state.graphql, refused[0].code);
    return true;
  }
}

const PARAMS = new Set(["query", "operationName", "variables", "extensions"]);

/**
 * The GraphQL request of a query string, by the one decoding the pipeline uses; undefined for
 * anything the pipeline must judge (a malformed query string or request, an unknown parameter).
 */
function requestOf(search: string): GraphqlRequest | undefined {
  const params = decodeQueryString(search);
  if (malformedReason(params) !== undefined) return undefined;
  for (const name in params) if (!PARAMS.has(name)) return undefined;
  const decoded = decodeGraphqlRequest(params, true);
  return typeof decoded === "string" ? undefined : decoded;
}
