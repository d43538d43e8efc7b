import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type ErrorCode, httpStatusOf } from "../errors/error-codes";
import { documentGate } from "../graphql/limits/document-gate";
import type { OperationLimits } from "../graphql/limits/limits";
import { variablesDepthError } from "../graphql/limits/variables-depth";
import type { DomainError } from "../errors/domain-error";
import { errorBody } from "./error-body";
import { REQUEST_ID_HEADER } from "./request-id";
import { randomUUID } from "node:crypto";

declare module "fastify" {
  interface FastifyRequest {
    /** A HEAD /graphql being answered as a GET (see headAsGet). */
    headAsGet?: boolean;
  }
}

/** The methods of each route, for the Allow header of every 405 (Fastify answers HEAD for every GET). */
export const ALLOWED_METHODS: Record<string, string> = {
  "/graphql": "GET, HEAD, POST",
  "/healthz": "GET, HEAD",
  "/readyz": "GET, HEAD",
};

export function pathOf(url: string): string {
  const query = url.indexOf("?"); // not split(): this runs several times per request
  return query === -1 ? url : url.slice(0, query);
}

/** 414 for an over-long URL, before anything else reads it. */
export function rejectLongUrls(maxUrlBytes: number) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (Buffer.byteLength(request.raw.url ?? "") > maxUrlBytes) {
      return reply.code(414).send(errorBody("URI_TOO_LONG", `The URL is longer than ${maxUrlBytes} bytes: send the query in a POST body`));
    }
  };
}

const GRAPHQL_RESPONSE_JSON = "application/graphql-response+json";

/**
 * A preHandler of /graphql: a document over the limits is refused before Apollo parses or
 * validates it, with the media type Apollo would have chosen (so the response policy gives it
 * the status that media type calls for, as for any validation error).
 */
export function rejectOverLimitDocuments(limits: OperationLimits) {
  const documentLimitError = documentGate(limits);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (pathOf(request.url) !== "/graphql") return;
    const params = (request.method === "GET" ? request.query : request.body) as { query?: unknown } | undefined;
    if (typeof params?.query !== "string") return;
    const error = documentLimitError(params.query);
    if (error) return refuseRequest(request, reply, error);
  };
}

/**
 * A preValidation hook of /graphql: variables nested deeper than MAX_VARIABLE_DEPTH are
 * refused once, here, before the response cache, Apollo, the cost estimate or anything else
 * walks them (recursively, so they would overflow the stack: a 500 and a stack in the log).
 */
export async function rejectDeepVariables(request: FastifyRequest, reply: FastifyReply) {
  if (pathOf(request.url) !== "/graphql") return;
  const params = (request.method === "POST" ? request.body : request.query) as { variables?: unknown } | undefined;
  const error = variablesDepthError(params?.variables);
  if (error) return refuseRequest(request, reply, error);
}

/** A refusal with the media type Apollo would have chosen, so the response policy sets its status. */
function refuseRequest(request: FastifyRequest, reply: FastifyReply, error: DomainError) {
  const graphqlResponse = request.headers.accept?.includes(GRAPHQL_RESPONSE_JSON);
  return reply
    .code(httpStatusOf(error.code))
    .type(`${graphqlResponse ? GRAPHQL_RESPONSE_JSON : "application/json"}; charset=utf-8`)
    .send(errorBody(error.code, error.message, error.details));
}

/**
 * HEAD /graphql is answered as its GET would be (RFC 9110: the same status and headers, no
 * body): the playground, a query, a 304 and a cache hit alike. Fastify routes HEAD to the GET
 * handler, but Apollo accepts only GET and POST, so from `onRequest` on every stage, Apollo
 * and the response policy included, is shown a GET; `onSend` (after the policy) gives the
 * HEAD back, so that Fastify sends the GET's Content-Length with no body. Node already knew
 * the response was to a HEAD when it made it, and the log's "incoming request" says HEAD.
 */
export const headAsGet = {
  async onRequest(request: FastifyRequest) {
    if (request.raw.method === "HEAD" && pathOf(request.url) === "/graphql") {
      request.raw.method = "GET";
      request.headAsGet = true;
    }
  },
  async onSend(request: FastifyRequest) {
    if (request.headAsGet) request.raw.method = "HEAD";
  },
};

/** Unknown method on a known path: 405 with Allow. Unknown path: 404. */
export function notFound(request: FastifyRequest, reply: FastifyReply) {
  const allow = ALLOWED_METHODS[pathOf(request.url)];
  if (allow) {
    return reply.code(405).header("allow", allow).send(errorBody("METHOD_NOT_ALLOWED", `${request.method} is not allowed here; use ${allow}`));
  }
  return reply.code(404).send(errorBody("NOT_FOUND", `No route ${request.method} ${pathOf(request.url)}`));
}

/**
 * Failures Node's HTTP parser meets before Fastify sees a request (oversized headers, malformed
 * request lines). Written straight to the socket, in the same GraphQL-shaped format. With
 * CORS_ORIGIN "*" the response carries it too, so a page on another origin can read it (with a
 * list, the request's Origin header is not known here: it was never parsed).
 */
export const clientErrorHandler = (corsOrigin: string) => (error: Error & { code?: string }, socket: Socket) => {
  if (error.code === "ECONNRESET" || socket.destroyed) return;
  const code: ErrorCode = error.code === "HPE_HEADER_OVERFLOW" ? "REQUEST_HEADER_FIELDS_TOO_LARGE" : "BAD_REQUEST";
  const status = httpStatusOf(code);
  const requestId = randomUUID();
  const message = code === "BAD_REQUEST" ? "Malformed HTTP request" : "The request headers are too large";
  const body = JSON.stringify({ errors: errorBody(code, message).errors.map((e) => ({ ...e, extensions: { ...e.extensions, requestId } })) });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `${corsOrigin === "*" ? "access-control-allow-origin: *\r\n" : ""}` +
      `${REQUEST_ID_HEADER}: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
};
