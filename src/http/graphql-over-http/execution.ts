import { type ApolloServer, HeaderMap } from "@apollo/server";
import type { FastifyReply, FastifyRequest } from "fastify";
import { codeForStatus } from "../../errors/error-codes";
import type { AppContext } from "../../graphql/context";
import { negotiatedMediaType } from "../representation";
import { searchOf } from "../admission/request";
import { GRAPHQL_RESPONSE_TYPE, refuse } from "../exit/refusal";
import { cacheHeaders, matchesTag, type ResponseCache } from "./response-cache";

export interface ExecutionOptions {
  apollo: ApolloServer<AppContext>;
  contextOf(request: FastifyRequest): AppContext;
  cache: ResponseCache;
  /** The catalogue digest now: an answer computed while it changed is not kept. */
  digest(): string;
  cacheMaxAgeSeconds: number;
  /** The Allow header of every 405 of /graphql (Apollo's for a mutation over GET says only POST). */
  allow: string;
}

/**
 * The /graphql handler: Apollo runs the operation, and the response-shaping plugin has decided
 * its status (and stamped its errors) while producing it. What is left here: the headers, the
 * response cache (a clean answer to a query is kept under the key the cache stage computed),
 * and a 304 for `If-None-Match: *` once the answer is known to be clean.
 */
export function executionStage(options: ExecutionOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const { state } = request;
    state.mediaType = negotiatedMediaType(request.headers.accept);
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
    }
    const result = await options.apollo.executeHTTPGraphQLRequest({
      // The request as the one decoding read it and the admission list left it (trusted documents
      // resolved), never the raw URL or body again: Apollo runs exactly the document every check saw.
      // QUERY is a POST to Apollo (which knows only GET and POST); the admission holds it to queries.
      // A HEAD is the GET it is answered as (the state's method): Node drops the body.
      httpGraphQLRequest: {
        method: state.method === "QUERY" ? "POST" : state.method,
        headers,
        search: state.method === "GET" && state.graphql ? searchOf(state.graphql) : "",
        body: state.method !== "GET" && state.graphql ? state.graphql : request.body,
      },
      context: async () => options.contextOf(request),
    });
    for (const [name, value] of result.headers) reply.header(name, value);
    let status = result.status ?? 200;
    // A legacy client (application/json) is answered as if it had asked for
    // application/graphql-response+json, the 2026 draft says, except that a 2xx keeps its
    // application/json: a 4xx or 5xx says that it is a GraphQL response all the same.
    if (status >= 300 && state.mediaType?.startsWith("application/json")) reply.header("content-type", GRAPHQL_RESPONSE_TYPE);
    if (status === 405) reply.header("allow", options.allow);
    if (result.body.kind !== "complete") {
      // Incremental delivery is not enabled: nothing produces it, but never hang on it.
      return refuse(reply, state, { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" });
    }
    let body = result.body.string;
    if (state.errorCodes.length === 0 && status >= 400) {
      // Refused by Apollo before any plugin ran (a body that is no GraphQL request, an Accept it
      // cannot serve): the one path whose errors were formatted without the request at hand.
      state.errorCodes = [codeForStatus(status)];
      body = stampRequestId(body, state.id);
    }
    const slot = state.cache;
    const clean = status === 200 && state.errorCodes.length === 0;
    for (const [name, value] of cacheHeaders(clean ? slot : undefined, options.cacheMaxAgeSeconds)) reply.header(name, value);
    if (clean && slot && state.operation.type === "query") {
      // A response computed while the catalogue changed under it is not kept.
      if (slot.digest === options.digest()) {
        // Apollo's content type is the negotiated one: the shared string, not one per entry.
        const contentType = state.mediaType ?? String(reply.getHeader("content-type"));
        options.cache.set(slot, { status, contentType, body: Buffer.from(body), operationName: state.operation.name, listed: state.operation.listed });
      }
      if (slot.public && matchesTag(request.headers["if-none-match"], slot.etag, true)) {
        status = 304;
        body = "";
        reply.removeHeader("content-type");
      }
    }
    return reply.code(status).send(body);
  };
}

function stampRequestId(body: string, requestId: string): string {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: Record<string, unknown> }[] };
    for (const error of parsed.errors ?? []) error.extensions = { ...error.extensions, requestId };
    return JSON.stringify(parsed);
  } catch {
    return body;
  }
}
