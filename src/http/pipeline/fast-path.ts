import type { IncomingMessage, ServerResponse } from "node:http";
import { OperationTypeNode } from "graphql";
import type { Principal } from "../../auth/principal";
import { type ChargeFn, rateHeaders } from "../../graphql/charge";
import { REQUEST_ID_HEADER, requestIdOf } from "../request-id";
import { isGraphql, STALE_HEADER } from "./arrival";
import { decodeQueryString, malformedReason } from "./decoding";
import { isRefusal } from "./authentication";
import { mergeVary } from "./cors";
import type { Metrics } from "./metrics";
import { budgetRefusal } from "./rate-budget";
import { errorBody, JSON_TYPE, type Refusal } from "./refusal";
import { cacheHeaders, type CacheSlot, type GraphqlParams, matchesTag, type ResponseCache, slotOf, type Stored } from "./response-cache";
import { newState } from "./state";
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
  authenticate(header: string, address: string): Promise<Principal | null | Refusal>;
  chargerOf(keyId: string | undefined, address: string): ChargeFn;
  metrics?: Metrics;
}

/**
 * Reads the response cache can answer, answered before the general pipeline (and before
 * Fastify): a GET of /graphql whose answer is stored, or whose If-None-Match matches, gets its
 * stored bytes and precomputed headers in one write. It makes the same checks as the stages it
 * skips, with the same functions: the request id, the key (a refusal is sent from here), the
 * 1-unit charge on arrival, CORS, the stale header and the metrics. Anything else (a miss, a
 * POST, a URL over the limit, a draining server) goes to the pipeline untouched.
 */
export function fastPath(options: FastPathOptions) {
  const answer = async (request: IncomingMessage, response: ServerResponse, params: GraphqlParams, principal: Principal | null, address: string) => {
    const slot = slotOf("GET", params, request.headers, principal?.role ?? "anonymous", options.digest());
    if (!slot) return false;
    const notModified = slot.public && matchesTag(request.headers["if-none-match"], slot.etag);
    const stored = !notModified && options.cache.has(slot) ? options.cache.get(slot) : undefined;
    if (!notModified && !stored) return false;
    const started = performance.now();
    const state = newState(requestIdOf(request), "GET");
    state.principal = principal;
    state.cache = slot;
    state.operation = { type: OperationTypeNode.QUERY, name: stored?.operationName, listed: stored?.listed };
    const charge = await options.chargerOf(principal?.keyId, address)(1);
    state.charge = charge;
    const headers = commonHeaders(request, state.id);
    headers.push(...rateHeaders(charge));
    const refused = budgetRefusal(charge);
    if (refused) send(response, headers, refused, state.id);
    else write(response, headers, slot, notModified ? undefined : stored);
    if (refused) state.errorCodes = [refused.code];
    options.metrics?.observe("/graphql", response.statusCode, state, (performance.now() - started) / 1000);
    tracing?.served(request, state, notModified ? "304" : "hit", params);
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

  const send = (response: ServerResponse, headers: [string, string][], refusal: Refusal, id: string) => {
    const body = errorBody(id, refusal.code, refusal.message, refusal.details);
    headers.push(...Object.entries(refusal.headers ?? {}), ["content-type", JSON_TYPE], ["content-length", String(Buffer.byteLength(body))], ["cache-control", "no-store"]);
    response.writeHead(httpStatusOf(refusal.code), headers.flat());
    response.end(body);
  };

  /** Serves the request and resolves true, or resolves false (having sent nothing) for the pipeline. */
  return (request: IncomingMessage, response: ServerResponse): false | Promise<boolean> => {
    const url = request.url ?? "";
    if (request.method !== "GET" || url.length <= 9 || !isGraphql(url) || url.length > options.maxUrlBytes || options.draining()) return false;
    const params = queryParams(url.slice(9));
    if (!params) return false;
    const address = options.clientAddress(request);
    const header = request.headers.authorization;
    if (header === undefined) return answer(request, response, params, null, address);
    return options.authenticate(header, address).then((principal) => {
      if (!isRefusal(principal)) return answer(request, response, params, principal, address);
      // One id for the header, the body and the trace (without X-Request-Id, each call makes a new one).
      const id = requestIdOf(request);
      send(response, commonHeaders(request, id), principal, id);
      tracing?.served(request, newState(id, "GET"), undefined, params, principal.code);
      return true;
    });
  };
}

const PARAMS = new Set(["query", "operationName", "variables", "extensions"]);

/**
 * The GraphQL parameters of a query string, by the one decoding the pipeline uses; undefined for
 * anything the pipeline must judge (a malformed query string, an unknown parameter).
 */
function queryParams(search: string): GraphqlParams | undefined {
  const params = decodeQueryString(search);
  if (malformedReason(params) !== undefined) return undefined;
  for (const name in params) if (!PARAMS.has(name)) return undefined;
  return params.query === undefined && params.extensions === undefined ? undefined : params;
}
