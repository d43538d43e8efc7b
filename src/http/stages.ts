import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Config } from "../config";
import { rateHeaders } from "../graphql/charge";
import { traced, tracedCache } from "../tracing";
import type { Admit, Step } from "./admission/list";
import { GRAPHQL_RESPONSE_TYPE, JSON_TYPE, refuse } from "./exit/refusal";
import { arrival, isGraphqlRoute } from "./graphql-over-http/arrival";
import { variesOnOrigin, varyOnOrigin } from "./graphql-over-http/cors";
import type { Metrics } from "./graphql-over-http/metrics";
import { type ResponseCache, responseCacheStage } from "./graphql-over-http/response-cache";
import { decodingStage, wellFormedStage } from "./graphql-over-http/well-formed";
import { registerPlayground } from "./playground";
import { negotiatedMediaType, NOT_ACCEPTABLE, streamProtocol } from "./representation";

type Stage = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface StageOptions {
  config: Config;
  /** The admission list every transport runs (admission/list.ts). */
  admission: Admit;
  responses: ResponseCache;
  digest(): string;
  draining(): boolean;
  staleSeconds(): number | undefined;
  /** Subscriptions over HTTP (streams/): streamed or refused here, before Apollo. */
  streams: Stage;
  metrics: Metrics;
}

/**
 * The pipeline's stages, in order, as Fastify hooks: on every request the arrival, then for
 * /graphql the decoding and the admission list's caller and arrival charge, before the body is
 * read; then before the handler the playground, the request's shape (decoded once into the
 * state), the list's trusted documents and variables, the response cache, the list's document
 * limits and the streams; Vary on the way out; metrics once answered.
 */
export function registerStages(app: FastifyInstance, options: StageOptions): void {
  const { config } = options;
  const admit = (from: Step, to: Step) => admissionStage(options.admission, from, to);
  app.addHook(
    "onRequest",
    traced(
      "admission",
      inOrder(
        arrival({ maxUrlBytes: config.maxUrlBytes, draining: options.draining, staleSeconds: options.staleSeconds }),
        onGraphql(decodingStage()),
        onGraphql(admit("caller", "arrival")),
      ),
    ),
  );
  app.addHook(
    "preHandler",
    inOrder(
      ...(config.playground ? [onGraphql(registerPlayground(app))] : []),
      // Not a GraphQL-over-HTTP request (no query, variables that are no object): 422.
      onGraphql(wellFormedStage()),
      // A listed hash or documentId becomes its document before anything reads the request.
      onGraphql(admit("trusted documents", "variables")),
      onGraphql(tracedCache(responseCacheStage(options.responses, options.digest, config.cacheMaxAgeSeconds))),
      onGraphql(traced("document limits", admit("document limits", "document limits"))),
      // A subscription is streamed (multipart, SSE) or refused here; Apollo runs the rest.
      onGraphql(options.streams),
    ),
  );
  if (variesOnOrigin(config.corsOrigin)) app.addHook("onSend", varyOnOrigin);
  app.addHook("onResponse", options.metrics.record);
}

/**
 * A part of the admission list as a stage: the budget's headers once charged, and a refusal in
 * the representation the client asked for. Refusals of the caller (before the body is read) are
 * plain JSON; those of the request are GraphQL responses, under either media type (the 2026
 * draft: a legacy client gets application/json only for a 2xx), unless the client accepts no
 * JSON at all and asked for no stream.
 */
function admissionStage(admission: Admit, from: Step, to: Step): Stage {
  // Only the caller's part charges here (the arrival unit); the cost is charged in Apollo or the stream.
  const ofCaller = to === "arrival";
  return async (request, reply) => {
    const { state } = request;
    const refused = await admission(state, from, to);
    if (ofCaller && state.charge) for (const [name, value] of rateHeaders(state.charge)) reply.header(name, value);
    if (!refused) return undefined;
    const accept = request.headers.accept;
    const unacceptable = negotiatedMediaType(accept) === NOT_ACCEPTABLE && !streamProtocol(accept);
    return refuse(reply, state, refused, ofCaller || unacceptable ? JSON_TYPE : GRAPHQL_RESPONSE_TYPE);
  };
}

/** Stages run in order in one hook (each hook is a hop on the hot path), until one has answered. */
function inOrder(...stages: Stage[]) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    for (const stage of stages) {
      await stage(request, reply);
      if (reply.sent) return;
    }
  };
}

/**
 * Only for /graphql: health checks and the playground's assets are never authenticated or
 * charged. By the route Fastify matched, never the raw URL: the router decodes the path
 * (`/graphq%6C` is /graphql to it), and a request it routes to /graphql that the stages did not
 * recognise would reach Apollo with no key, charge, limit or trusted-documents check.
 */
const onGraphql =
  (stage: Stage): Stage =>
  (request, reply) =>
    isGraphqlRoute(request) ? stage(request, reply) : undefined;
