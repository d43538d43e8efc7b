import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import cors from "@fastify/cors";
import proxyAddr from "@fastify/proxy-addr";
import { ErrorsAreMissesCache } from "@apollo/utils.keyvaluecache";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Connection } from "mongoose";
import type { ApiKeyService } from "../auth/api-key.service";
import type { CatalogueEvents } from "../catalogue/catalogue-events";
import type { CatalogueSync } from "../catalogue/catalogue-sync";
import type { Config } from "../config";
import { formatError } from "../errors/format-error";
import { type AppContext, createContext, type Services } from "../graphql/context";
import { documentStore, persistedQueryStore } from "../graphql/document-caches";
import { operationLimitsPlugin } from "../graphql/limits/operation-limits.plugin";
import { responseShapingPlugin } from "../graphql/response-shaping.plugin";
import { trustedDocumentsPlugin } from "../graphql/trusted-documents.plugin";
import type { SharedState } from "../replicas/shared-state";
import { boundConnections } from "./connection-bounds";
import { DatabaseHealth } from "./database-health";
import { errorReportingPlugin } from "./error-reporting.plugin";
import { registerFrontDoor } from "./front-door";
import { registerHealth } from "./health";
import { requestSerializer } from "./logging";
import { arrival, isGraphql } from "./pipeline/arrival";
import { authenticate, authentication } from "./pipeline/authentication";
import { corsHeaders, corsOptions, variesOnOrigin, varyOnOrigin } from "./pipeline/cors";
import { decodeQueryString, utf8Body } from "./pipeline/decoding";
import { documentLimits, documentLimitsStage, variablesLimit, variablesStage } from "./pipeline/document-limits";
import { executionStage } from "./pipeline/execution";
import { NewDocumentPressure } from "./pipeline/pressure";
import { fastPath } from "./pipeline/fast-path";
import { BODY_TYPES } from "./pipeline/limit-refusals";
import { Metrics, registerMetricsRoute } from "./pipeline/metrics";
import { rateBudget } from "./pipeline/rate-budget";
import { ResponseCache, responseCacheStage } from "./pipeline/response-cache";
import { declareRequestState } from "./pipeline/state";
import { trustedDocumentsStage } from "./pipeline/trusted-documents";
import { decodingStage, wellFormedStage } from "./pipeline/well-formed";
import { registerPlayground } from "./playground";
import { RateBudgets } from "./rate-limit";
import { ALLOWED_METHODS, clientErrorHandler, errorHandler, notFound, routerRefusal, socketRefusal } from "./request-guards";
import { requestIdOf } from "./request-id";
import { httpSubscriptions } from "./streams/http-subscriptions";
import { SubscriptionSlots } from "./subscription-slots";
import { attachSubscriptions } from "./subscriptions";
import { traced, tracedCache, tracedRequests, tracing } from "../tracing";
import { revocationSweep } from "./ws-revocation";

export { STALE_HEADER } from "./pipeline/arrival";

export interface HttpDeps {
  config: Config;
  schema: GraphQLSchema;
  services: Services;
  apiKeys: ApiKeyService;
  connection: Connection;
  sync: CatalogueSync;
  shared?: SharedState;
  events: CatalogueEvents;
  logStream?: { write(line: string): void };
}

const KEEP_ALIVE_TIMEOUT_MS = 72_000;

type Stage = (request: FastifyRequest, reply: FastifyReply) => unknown;

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
 * HEAD is answered as its GET would be (RFC 9110: the same status and headers, no body): Fastify
 * routes it to the GET handler and sends no body, and every stage reads the state's method, which
 * is GET. The playground's stage still reads the request's own method, so it is shown a view of
 * the request whose method is GET (Node's request is never rewritten). To go once playground.ts
 * reads `request.state.method`.
 */
const headAsItsGet =
  (stage: Stage): Stage =>
  (request, reply) =>
    stage(request.state.head ? Object.create(request, { method: { value: "GET" } }) : request, reply);

/** Only for /graphql: health checks and the playground's assets are never authenticated or charged. */
const onGraphql =
  (stage: Stage): Stage =>
  (request, reply) =>
    isGraphql(request.url) ? stage(request, reply) : undefined;

/**
 * The HTTP server as the ordered list of its stages, each in a file of its own under
 * pipeline/, sharing one request state (pipeline/state.ts):
 *   fast path (cache hits, before Fastify) → arrival → authentication → rate budget →
 *   trusted documents → playground → variables → response cache → document limits →
 *   subscriptions over HTTP (streams/, which answer subscriptions themselves) → execution
 *   (Apollo, whose plugins check the cost and shape the response) → metrics.
 * The WebSocket path (subscriptions.ts) calls the same stage functions.
 */
export async function createHttpServer(deps: HttpDeps): Promise<{ app: FastifyInstance; stop(): Promise<void> }> {
  const { config, services } = deps;
  const trusted = trustFunction(config.trustProxy);
  const clientAddress = (request: IncomingMessage) => proxyAddr(request, trusted);
  const budgets = new RateBudgets(config.rateLimit, deps.shared?.redis);
  const responses = new ResponseCache(config.responseCacheBytes);
  const digest = () => services.catalogue.digest;
  let draining = false;
  const staleSeconds = () => (deps.sync.stalenessMs > config.catalogue.staleAfterMs ? Math.floor(deps.sync.stalenessMs / 1000) : undefined);
  const metrics = new Metrics(
    { stalenessMs: () => deps.sync.stalenessMs, subscriptions: () => deps.events.subscribers, responseCache: () => responses.stats() },
    deps.connection,
    { processMetrics: config.metricsToken !== undefined },
  );
  const fast = fastPath({
    cache: responses,
    digest,
    cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
    maxUrlBytes: config.maxUrlBytes,
    draining: () => draining,
    staleSeconds,
    cors: corsHeaders(config.corsOrigin),
    clientAddress,
    authenticate: (header, address) => authenticate(deps.apiKeys, budgets, header, address),
    chargerOf: (keyId, address) => budgets.chargerOf(keyId, address),
    metrics,
  });

  const errors = errorHandler(config.bodyLimitBytes);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: { req: requestSerializer },
      ...(deps.logStream && { stream: deps.logStream }),
      // A traced request's log lines carry its trace_id and span_id.
      ...(tracing && { mixin: tracing.logFields }),
    },
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    // One strict decoding of every query string, read by every stage and handed to Apollo.
    routerOptions: { querystringParser: decodeQueryString },
    trustProxy: trusted,
    return503OnClosing: false, // the arrival stage answers in the API's error format
    clientErrorHandler: clientErrorHandler(config.corsOrigin),
    // A URL Fastify's router cannot read is answered in the API's error format, like any error.
    frameworkErrors: routerRefusal(errors),
    serverFactory: (handler) => {
      // Deadlines for a request to arrive: a client trickling bytes holds its connection no
      // longer than this (Node answers 408 through clientErrorHandler). Checked every second.
      const server = createServer(
        { headersTimeout: config.connections.headersTimeoutMs, requestTimeout: config.connections.requestTimeoutMs, connectionsCheckingInterval: 1000 },
        tracedRequests((request: IncomingMessage, response: ServerResponse) => {
          const served = fast(request, response);
          if (served === false) handler(request, response);
          else {
            served.then(
              (done) => done || handler(request, response),
              (error) => {
                // The fast path's only awaits are the key check and the budget: the pipeline
                // answers such a failure (a database or Redis outage) as it always does.
                app.log.warn({ err: error }, "fast path failed; the pipeline answers");
                if (!response.headersSent) handler(request, response);
              },
            );
          }
        }),
      );
      // What Fastify sets on a server it makes itself: idle keep-alive sockets are kept longer
      // than clients and proxies keep theirs (undici 4 s, nginx 60 s), so that a client never
      // sends on a socket the server is closing at the same moment (Node's default is 5 s).
      server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
      return server;
    },
  });
  // One log line a second at most, however many connections a flood makes us cut.
  const cuts = cutLog(app.log);
  const connections = boundConnections(app.server, {
    perAddress: config.connections.perAddress,
    total: config.connections.total,
    isProxy: (address) => trusted(address, 0),
    minRateBytesPerSecond: config.connections.minRateBytesPerSecond,
    rateGraceMs: config.connections.rateGraceMs,
    refuseRaw: socketRefusal(config.corsOrigin),
    clientOf: clientAddress,
    onCut: (event) => cuts.count(event),
  });
  // Only JSON bodies: a cross-site "simple" request (text/plain, form data) gets 415 and never runs.
  app.removeContentTypeParser("text/plain");
  // JSON bodies are checked to be UTF-8 before they are decoded (Node would put U+FFFD in place of
  // a bad sequence), then parsed by Fastify's own parser (with its prototype-poisoning checks).
  const json = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(BODY_TYPES, { parseAs: "buffer" }, (request, body, done) => {
    const text = utf8Body(body as Buffer);
    if (text instanceof Error) return done(text, undefined);
    return json(request, text, done);
  });
  // The request state, made in the first hook of all, before CORS answers a preflight.
  declareRequestState(app);
  // Then CORS, so that its headers are on every response, including the refusals of the stages.
  await app.register(cors, corsOptions(config.corsOrigin));

  // Documents never seen before are the expensive work: bounded, and shed first under pressure.
  const pressure = new NewDocumentPressure(config.shedding.newDocumentWorkMs, config.shedding.eventLoopDelayMs);
  const limits = documentLimits(config.limits, pressure);
  // Subscriptions over graphql-ws and over HTTP streams share their bounds and revocation sweep.
  const slots = new SubscriptionSlots(config.subscriptions.connectionsPerAddress, config.subscriptions.total);
  const revocations = revocationSweep(deps.apiKeys, Math.max(config.apiKeyCacheMs, 250));
  const streams = httpSubscriptions({
    schema: deps.schema,
    services,
    limits: config.limits,
    chargerOf: (keyId, address) => budgets.chargerOf(keyId, address),
    slots,
    revocations,
    heartbeatMs: config.subscriptions.heartbeatMs,
    metrics,
    trustedDocuments: config.trustedDocuments,
  });
  app.addHook(
    "onRequest",
    traced(
      "admission",
      inOrder(
        arrival({ maxUrlBytes: config.maxUrlBytes, draining: () => draining, staleSeconds }),
        onGraphql(decodingStage()),
        onGraphql(authentication(deps.apiKeys, budgets)),
        onGraphql(rateBudget((keyId, address) => budgets.chargerOf(keyId, address))),
      ),
    ),
  );
  app.addHook(
    "preHandler",
    inOrder(
      ...(config.playground ? [onGraphql(headAsItsGet(registerPlayground(app)))] : []),
      // Not a GraphQL-over-HTTP request (no query, variables that are no object): 422.
      onGraphql(wellFormedStage()),
      // A listed hash or documentId becomes its document before anything reads the params.
      ...(config.trustedDocuments ? [onGraphql(trustedDocumentsStage(config.trustedDocuments))] : []),
      onGraphql(variablesStage()),
      onGraphql(tracedCache(responseCacheStage(responses, digest, config.cacheMaxAgeSeconds))),
      onGraphql(traced("document limits", documentLimitsStage(limits))),
      // A subscription is streamed (multipart, SSE) or refused here; Apollo runs the rest.
      onGraphql(streams.stage),
    ),
  );
  if (variesOnOrigin(config.corsOrigin)) app.addHook("onSend", varyOnOrigin);
  app.addHook("onResponse", metrics.record);
  if (config.metricsToken) registerMetricsRoute(app, metrics, config.metricsToken);

  const apollo = new ApolloServer<AppContext>({
    schema: deps.schema,
    formatError,
    includeStacktraceInErrorResponses: false, // whatever NODE_ENV says
    // The schema is public by design (committed, published for codegen): introspection stays on in production.
    introspection: true,
    // Safe without Apollo's CSRF header check: non-JSON bodies get 415 (above), GET never runs a
    // mutation (405), and credentials travel only in the Authorization header, never in cookies.
    csrfPrevention: false,
    // Shared by every replica with Redis (a miss, Redis down included, makes the client resend the query).
    persistedQueries: {
      cache: deps.shared ? new ErrorsAreMissesCache(deps.shared.persistedQueries()) : persistedQueryStore(config.persistedQueryCacheBytes),
    },
    // Anyone can send new documents: their parsed forms are kept by heap bytes, not JSON length.
    documentStore: documentStore(config.documentCacheBytes),
    plugins: [
      // Under `writes`, an unlisted mutation is refused once resolved.
      ...(config.trustedDocuments ? [trustedDocumentsPlugin(config.trustedDocuments)] : []),
      operationLimitsPlugin(config.limits),
      pressure.apolloPlugin(),
      responseShapingPlugin(),
      errorReportingPlugin(app.log),
      ...(tracing ? [tracing.apolloPlugin()] : []),
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing pages load from a CDN; ours (PLAYGROUND) is served from this origin.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  const execute = executionStage({
    apollo,
    contextOf: (request) => createContext(request.state, request.state.principal, services, budgets.chargerOf(request.state.principal?.keyId, request.ip)),
    cache: responses,
    digest,
    cacheMaxAgeSeconds: config.cacheMaxAgeSeconds,
    allow: ALLOWED_METHODS["/graphql"],
  });
  app.route({ method: ["GET", "POST", "QUERY"], url: "/graphql", handler: execute });
  registerFrontDoor(app, { schema: deps.schema, playground: config.playground, metrics: config.metricsToken !== undefined });

  app.setNotFoundHandler(notFound);
  app.setErrorHandler(errors);

  const subscriptions = attachSubscriptions(app, {
    schema: deps.schema,
    services,
    apiKeys: deps.apiKeys,
    limits: config.limits,
    trustedDocuments: config.trustedDocuments,
    documentLimits: (query, variables) => limits(query) ?? variablesLimit(variables),
    budgets,
    maxSubscriptionsPerConnection: config.subscriptions.perConnection,
    slots,
    idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    revocations,
    clientAddress,
  });
  const health = new DatabaseHealth(deps.connection);
  await health.start();
  registerHealth(app, {
    health,
    databaseDownAfterMs: config.health.databaseDownAfterMs,
    catalogue: () => ({ digest: digest(), stalenessMs: deps.sync.stalenessMs, stale: staleSeconds() !== undefined, responseCache: responses.stats() }),
    ...(deps.shared && { redis: () => (deps.shared!.up ? "up" : "unavailable: rate budgets per process") }),
  });
  return {
    app,
    async stop() {
      health.stop();
      pressure.stop();
      draining = true;
      revocations.stop();
      streams.close();
      await subscriptions.close();
      // close() stops accepting and waits for in-flight requests; the keep-alive sockets that
      // fall idle once their last request is answered would hold it open (for up to Fastify's
      // 72 s keep-alive), and so would a socket that never sent a request, so they are closed
      // as they fall idle.
      const sweeper = setInterval(() => connections.closeUnused(), 100);
      try {
        await app.close();
        await apollo.stop();
      } finally {
        clearInterval(sweeper);
        connections.stop();
        cuts.stop();
      }
    },
  };
}

/**
 * TRUST_PROXY as one function, for Fastify's requests and for the WebSocket upgrades Fastify
 * never sees: nothing, the `hops` addresses nearest the socket, or the listed proxies.
 */
function trustFunction(trust: Config["trustProxy"]): (address: string, hop: number) => boolean {
  if (trust === false) return () => false;
  if (typeof trust === "number") return (_address, hop) => hop < trust;
  return proxyAddr.compile(trust);
}

/** Connections cut for their rate or shed at the cap, told once a second as counts. */
function cutLog(log: FastifyInstance["log"]) {
  let tooSlow = 0;
  let shedIdle = 0;
  let shedSlowest = 0;
  let forwarded: string | undefined;
  const timer = setInterval(() => {
    if (tooSlow + shedIdle + shedSlowest === 0) return;
    log.warn({ tooSlow, shedIdle, shedSlowest, ...(forwarded && { lastForwardedFor: forwarded }) }, "connections cut in the last second: requests arriving below the minimum rate (408), and connections closed for newcomers at the connection cap");
    tooSlow = shedIdle = shedSlowest = 0;
    forwarded = undefined;
  }, 1000);
  timer.unref();
  return {
    count(event: { reason: "too slow" | "shed at the cap"; idle: boolean; forwardedFor?: string }) {
      if (event.reason === "too slow") tooSlow += 1;
      else if (event.idle) shedIdle += 1;
      else shedSlowest += 1;
      forwarded = event.forwardedFor ?? forwarded;
    },
    stop: () => clearInterval(timer),
  };
}
