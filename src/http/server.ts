import type { IncomingMessage } from "node:http";
import cors from "@fastify/cors";
import proxyAddr from "@fastify/proxy-addr";
import type { FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Connection } from "mongoose";
import type { ApiKeyService } from "../auth/api-key.service";
import type { CatalogueSync } from "../catalogue/catalogue-sync";
import type { Config } from "../config";
import type { Services } from "../graphql/context";
import type { SharedState } from "../replicas/shared-state";
import { startApollo } from "./apollo";
import { acceptJsonBodies } from "./body-parsers";
import { DatabaseHealth } from "./database-health";
import { createFastifyApp, trustFunction } from "./fastify-app";
import { registerFrontDoor } from "./front-door";
import { registerHealth } from "./health";
import { admissionList } from "./admission/list";
import { corsHeaders, corsOptions } from "./graphql-over-http/cors";
import { fastPath } from "./fast-path/fast-path";
import { Metrics, registerMetricsRoute } from "./graphql-over-http/metrics";
import { NewDocumentPressure } from "./graphql-over-http/pressure";
import { refusalHold } from "./admission/hold";
import { ResponseCache } from "./graphql-over-http/response-cache";
import { declareRequestState } from "./graphql-over-http/state";
import { RateBudgets } from "./rate-limit";
import { registerGraphqlRoute } from "./graphql-route";
import { notFound } from "./request-guards";
import { closeWhenIdle } from "./shutdown";
import { registerStages } from "./stages";
import { httpSubscriptions } from "./streams/http-subscriptions";
import { SubscriptionSlots } from "./subscription-slots";
import type { SharedSubscriptions } from "../graphql/shared-subscriptions";
import { attachSubscriptions } from "./websocket/subscriptions";
import { revocationSweep } from "./ws-revocation";

export { STALE_HEADER } from "./graphql-over-http/arrival";

export interface HttpDeps {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  apiKeys: ApiKeyService;
  connection: Connection;
  sync: CatalogueSync;
  shared?: SharedState;
  /** Where every transport's subscriptions run. */
  executions: SharedSubscriptions;
  logStream?: { write(line: string): void };
}

/**
 * The HTTP server, as its table of contents. Each line is a part in a file of its own. Every
 * way in runs the one admission list (admission/list.ts: caller → arrival charge → trusted
 * documents → variables → document limits → document → operation kind → cost), or the part
 * of it it needs, and writes refusals through exit/:
 *   fast path (cache hits, before Fastify: caller, arrival) → arrival → decoding → caller,
 *   arrival charge → playground → the request decoded once → trusted documents, variables →
 *   response cache → document limits → subscriptions over HTTP (streams/: document, operation
 *   kind, cost) → execution (Apollo parses and validates; its plugin runs operation kind and
 *   cost, another shapes the response) → metrics. graphql-ws (subscriptions.ts) runs it whole.
 */
export async function createHttpServer(deps: HttpDeps): Promise<{ app: FastifyInstance; stop(): Promise<void> }> {
  // 0. What the parts share: the client's address, the budgets, the response cache, the drain
  // flag, the staleness, the metrics, the document limits, the subscriptions' bounds.
  const { config, services, shared } = deps;
  const trusted = trustFunction(config.trustProxy);
  const clientAddress = (request: IncomingMessage) => proxyAddr(request, trusted);
  const budgets = new RateBudgets(config.rateLimit, shared?.redis);
  const responses = new ResponseCache(config.responseCacheBytes);
  const digest = () => services.catalogue.digest;
  let draining = false;
  const staleSeconds = () => (deps.sync.stalenessMs > config.catalogue.staleAfterMs ? Math.floor(deps.sync.stalenessMs / 1000) : undefined);
  const metrics = new Metrics(
    { stalenessMs: () => deps.sync.stalenessMs, subscriptions: () => deps.executions.subscribers, executions: () => deps.executions.size, responseCache: () => responses.stats() },
    deps.connection,
    { processMetrics: config.metricsToken !== undefined },
  );
  // Documents never seen before are the expensive work: bounded, and shed first under pressure.
  const pressure = new NewDocumentPressure(config.shedding.newDocumentWorkMs, config.shedding.eventLoopDelayMs);
  // Refusals that say "come back later" answered late, so a flood's clients cannot come back at once;
  // at most a quarter of the connection cap held (the rest left for newcomers), and no more for
  // one address than the connections it may hold.
  const hold = refusalHold(config.shedding.refusalHoldMs, Math.ceil(config.connections.total / 4), config.connections.perAddress);
  // The one admission list of every transport.
  const admission = admissionList({
    schema: deps.schema,
    apiKeys: deps.apiKeys,
    budgets,
    limits: config.limits,
    trustedDocuments: config.trustedDocuments,
    newDocuments: pressure,
    hold,
  });
  // Subscriptions over graphql-ws and over HTTP streams share their bounds and revocation sweep.
  const slots = new SubscriptionSlots(config.subscriptions.connectionsPerAddress, config.subscriptions.total);
  const revocations = revocationSweep(deps.apiKeys, Math.max(config.apiKeyCacheMs, 250));

  // 1. Cache hits and 304s, answered before Fastify with everything the pipeline would add.
  const fast = fastPath({
    cache: responses,
    digest,
    cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
    maxUrlBytes: config.maxUrlBytes,
    draining: () => draining,
    staleSeconds,
    cors: corsHeaders(config.corsOrigin),
    clientAddress,
    admission,
    metrics,
  });
  // 2. Fastify on our own Node server: deadlines, connection bounds, every error in the API's body.
  const { app, connections } = createFastifyApp({ config, logStream: deps.logStream, trusted, clientAddress, beforeFastify: fast });
  // 3. Only JSON bodies, checked to be UTF-8.
  acceptJsonBodies(app);
  // 4. The request state, made in the first hook of all, before CORS answers a preflight.
  declareRequestState(app);
  // 5. CORS, so that its headers are on every response, including the refusals of the stages.
  await app.register(cors, corsOptions(config.corsOrigin));
  // 6. Subscriptions over SSE and multipart, a stage of their own.
  const streams = httpSubscriptions({
    schema: deps.schema,
    services,
    executions: deps.executions,
    admission,
    slots,
    revocations,
    heartbeatMs: config.subscriptions.heartbeatMs,
    maxUnreadBytes: config.subscriptions.maxUnreadBytes,
    maxUnreadTotalBytes: config.subscriptions.maxUnreadTotalBytes,
    metrics,
    trustedDocuments: config.trustedDocuments,
  });
  // 7. The stages, in order, as hooks.
  registerStages(app, { config, admission, responses, digest, draining: () => draining, staleSeconds, streams: streams.stage, metrics });
  // 8. Apollo and its plugins.
  const apollo = await startApollo({ schema: deps.schema, config, shared, log: app.log, admission, newDocuments: pressure });
  // 9. The routes: /graphql (the execution stage), the front door, metrics, 404 and 405.
  registerGraphqlRoute(app, { apollo, services, budgets, responses, digest, cacheMaxAgeSeconds: config.cacheMaxAgeSeconds });
  registerFrontDoor(app, { schema: deps.schema, playground: config.playground, metrics: config.metricsToken !== undefined });
  if (config.metricsToken) registerMetricsRoute(app, metrics, config.metricsToken);
  app.setNotFoundHandler(notFound);
  // 10. graphql-ws on the upgrade, through the same admission list.
  const subscriptions = attachSubscriptions(app, {
    schema: deps.schema,
    services,
    executions: deps.executions,
    apiKeys: deps.apiKeys,
    admission,
    budgets,
    maxSubscriptionsPerConnection: config.subscriptions.perConnection,
    slots,
    idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    maxUnreadBytes: config.subscriptions.maxUnreadBytes,
    revocations,
    clientAddress,
  });
  // 11. Health and readiness.
  const health = new DatabaseHealth(deps.connection);
  await health.start();
  registerHealth(app, {
    health,
    databaseDownAfterMs: config.health.databaseDownAfterMs,
    catalogue: () => ({ digest: digest(), stalenessMs: deps.sync.stalenessMs, stale: staleSeconds() !== undefined, responseCache: responses.stats() }),
    ...(shared && { redis: () => (shared.up ? "up" : "unavailable: rate budgets per process") }),
  });
  return {
    app,
    // 12. Shutdown: stop admitting, end the streams and sockets, then close once idle.
    async stop() {
      health.stop();
      pressure.stop();
      draining = true;
      hold.release();
      revocations.stop();
      streams.close();
      await subscriptions.close();
      await closeWhenIdle(app, apollo, connections);
    },
  };
}
