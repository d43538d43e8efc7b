import type { FastifyReply, FastifyRequest } from "fastify";
import { urlTooLong } from "./limit-refusals";
import { REQUEST_ID_HEADER } from "../request-id";
import { refuse } from "../exit/refusal";

export const STALE_HEADER = "x-catalogue-stale-seconds";

export interface ArrivalOptions {
  maxUrlBytes: number;
  draining(): boolean;
  /** Seconds the read model has been unconfirmed, once past CATALOGUE_STALE_AFTER_MS; else undefined. */
  staleSeconds(): number | undefined;
}

/**
 * The first stage of every request (over the state `declareRequestState` made): its id, then the refusals that need nothing but
 * the request line: the server is shutting down (503), the URL is too long (414). A /graphql
 * response from a model cut off from the database says since when.
 */
export function arrival(options: ArrivalOptions) {
  return (request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (options.draining()) {
      reply.header("connection", "close");
      return refuse(reply, request.state, { code: "SERVICE_UNAVAILABLE", message: "The server is shutting down; retry" });
    }
    const urlBytes = Buffer.byteLength(request.raw.url ?? "");
    if (urlBytes > options.maxUrlBytes) return refuse(reply, request.state, urlTooLong(urlBytes, options.maxUrlBytes));
    const stale = isGraphqlRoute(request) ? options.staleSeconds() : undefined;
    if (stale !== undefined) reply.header(STALE_HEADER, String(stale));
    return undefined;
  };
}

export function pathOf(url: string): string {
  const query = url.indexOf("?"); // not split(): this runs several times per request
  return query === -1 ? url : url.slice(0, query);
}

/** Whether Fastify routed the request to /graphql (however its path was spelled). */
export function isGraphqlRoute(request: FastifyRequest): boolean {
  return request.routeOptions.url === "/graphql";
}

/** Whether a raw URL is /graphql spelled plainly: the fast path's test, before any router (anything else goes to Fastify). */
export function isGraphql(url: string): boolean {
  return url.startsWith("/graphql") && (url.length === 8 || url[8] === "?");
}
