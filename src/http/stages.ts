import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Config } from "../config";
import { traced, tracedCache } from "../tracing";
import { arrival, isGraphql } from "./pipeline/arrival";
import { authentication } from "./pipeline/authentication";
import { variesOnOrigin, varyOnOrigin } from "./pipeline/cors";
import { documentLimitsStage, variablesStage } from "./pipeline/document-limits";
import type { Metrics } from "./pipeline/metrics";
import { rateBudget } from "./pipeline/rate-budget";
import { type ResponseCache, responseCacheStage } from "./pipeline/response-cache";
import { trustedDocumentsStage } from "./pipeline/trusted-documents";
import { decodingStage, wellFormedStage } from "./pipeline/well-formed";
import { registerPlayground } from "./playground";
import type { RateBudgets } from "./rate-limit";

type Stage = (request: FastifyRequest, reply: FastifyReply) => unknown;

export interface StageOptions {
  config: Config;
  apiKeys: ApiKeyService;
  budgets: RateBudgets;
  responses: ResponseCache;
  digest(): string;
  draining(): boolean;
  staleSeconds(): number | undefined;
  /** The document limits (`documentLimits`), shared with graphql-ws. */
  limits: Parameters<typeof documentLimitsStage>[0];
  /** Subscriptions over HTTP (streams/): streamed or refused here, before Apollo. */
  streams: Stage;
  metrics: Metrics;
}

/**
 * The pipeline's stages, in order, as Fastify hooks: admission on every request (arrival, then
 * for /graphql the decoding, the key and the arrival charge), then before the handler the
 * playground, the shape of the request, trusted documents, variables, the response cache,
 * the document limits and the streams; Vary on the way out; metrics once answered.
 */
export function registerStages(app: FastifyInstance, options: StageOptions): void {
  const { config, budgets } = options;
  const chargerOf = (keyId: string | undefined, address: string) => budgets.chargerOf(keyId, address);
  app.addHook(
    "onRequest",
    traced(
      "admission",
      inOrder(
        arrival({ maxUrlBytes: config.maxUrlBytes, draining: options.draining, staleSeconds: options.staleSeconds }),
        onGraphql(decodingStage()),
        onGraphql(authentication(options.apiKeys, budgets)),
        onGraphql(rateBudget(chargerOf)),
      ),
    ),
  );
  app.addHook(
    "preHandler",
    inOrder(
      ...(config.playground ? [onGraphql(registerPlayground(app))] : []),
      // Not a GraphQL-over-HTTP request (no query, variables that are no object): 422.
      onGraphql(wellFormedStage()),
      // A listed hash or documentId becomes its document before anything reads the params.
      ...(config.trustedDocuments ? [onGraphql(trustedDocumentsStage(config.trustedDocuments))] : []),
      onGraphql(variablesStage()),
      onGraphql(tracedCache(responseCacheStage(options.responses, options.digest, config.cacheMaxAgeSeconds))),
      onGraphql(traced("document limits", documentLimitsStage(options.limits))),
      // A subscription is streamed (multipart, SSE) or refused here; Apollo runs the rest.
      onGraphql(options.streams),
    ),
  );
  if (variesOnOrigin(config.corsOrigin)) app.addHook("onSend", varyOnOrigin);
  app.addHook("onResponse", options.metrics.record);
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

/** Only for /graphql: health checks and the playground's assets are never authenticated or charged. */
const onGraphql =
  (stage: Stage): Stage =>
  (request, reply) =>
    isGraphql(request.url) ? stage(request, reply) : undefined;
