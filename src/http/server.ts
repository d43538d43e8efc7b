import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import cors from "@fastify/cors";
import proxyAddr from "@fastify/proxy-addr";
import Fastify, { type FastifyError, type FastifyInstance } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Connection } from "mongoose";
import type { ApiKeyService } from "../auth/api-key.service";
import type { Config } from "../config";
import { classifyError } from "../errors/classify-error";
import { CODE_BY_REQUEST_STATUS, type ErrorCode, httpStatusOf } from "../errors/error-codes";
import { formatError } from "../errors/format-error";
import { type AppContext, createContext, type Services } from "../graphql/context";
import { operationLimitsPlugin } from "../graphql/limits/operation-limits.plugin";
import { authenticate } from "./authenticate";
import { DatabaseHealth } from "./database-health";
import { errorBody } from "./error-body";
import { errorReportingPlugin } from "./error-reporting.plugin";
import { requestSerializer } from "./logging";
import { RateBudgets } from "./rate-limit";
import { clientErrorHandler, notFound, pathOf, rejectLongUrls, rejectOverLimitDocuments } from "./request-guards";
import { REQUEST_ID_HEADER, requestIdOf } from "./request-id";
import { Metrics, registerMetricsRoute } from "../metrics/metrics";
import { registerPlayground } from "./playground";
import { ResponseCache, responseCaching } from "./response-cache";
import { responsePolicy } from "./response-policy";
import { ErrorsAreMissesCache } from "@apollo/utils.keyvaluecache";
import type { CatalogueSync } from "../catalogue/catalogue-sync";
import type { SharedState } from "../replicas/shared-state";
import type { CatalogueEvents } from "../catalogue/catalogue-events";
import { attachSubscriptions } from "./subscriptions";
import { boundConnections } from "./connection-bounds";
import { trustedDocumentsHook } from "./trusted-documents.hook";
import { trustedDocumentsPlugin } from "./trusted-documents.plugin";

declare module "fastify" {
  interface FastifyRequest {
    /** The GraphQL context of this request, once Apollo asked for it. */
    graphqlContext?: AppContext;
  }
}

export const STALE_HEADER = "x-catalogue-stale-seconds";

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

export async function createHttpServer(deps: HttpDeps): Promise<{ app: FastifyInstance; stop(): Promise<void> }> {
  const { config } = deps;
  const trusted = trustFunction(config.trustProxy);
  const app = Fastify({
    logger: {
      level: config.logLevel,
      serializers: { req: requestSerializer },
      ...(deps.logStream && { stream: deps.logStream }),
    },
    genReqId: requestIdOf,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trusted,
    clientErrorHandler: clientErrorHandler(config.corsOrigin),
    return503OnClosing: false, // our own hook below answers in the API's error format
    // Deadlines for a request to arrive: a client trickling bytes holds its connection no
    // longer than this (Node answers 408 through clientErrorHandler). Checked every second.
    requestTimeout: config.connections.requestTimeoutMs,
    http: { headersTimeout: config.connections.headersTimeoutMs, connectionsCheckingInterval: 1000 },
  });
  boundConnections(app.server, {
    perAddress: config.connections.perAddress,
    total: config.connections.total,
    isProxy: (address) => trusted(address, 0),
  });
  let draining = false;
  // Only JSON bodies: a cross-site "simple" request (text/plain, form data) gets 415 and never runs.
  app.removeContentTypeParser("text/plain");

  // First, so that its headers are on every response, including the refusals our own hooks
  // send before anything else runs (401, 414, 429, 503): a page on another origin can read them.
  await app.register(cors, {
    origin: config.corsOrigin === "*" ? "*" : config.corsOrigin.split(",").map((o) => o.trim()),
    methods: ["GET", "POST"],
    allowedHeaders: [
      "content-type",
      "authorization",
      "x-request-id",
      "if-none-match",
      "apollo-require-preflight",
      "x-apollo-operation-name",
      // Sent by Apollo Client with clientAwareness (4.x) or name/version (3.x).
      "apollographql-client-name",
      "apollographql-client-version",
    ],
    exposedHeaders: ["x-request-id", "etag", STALE_HEADER, "retry-after", "www-authenticate", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "ratelimit-policy", "ratelimit"],
    maxAge: 600,
  });
  app.decorateRequest("principal", null);
  // Authentication before the budget: the budget charged is the key's when a valid one was sent.
  const budgets = new RateBudgets(config.rateLimit, deps.shared?.redis);
  const auth = authenticate(deps.apiKeys, budgets);
  const arrive = budgets.arrivalHook();
  const rejectLong = rejectLongUrls(config.maxUrlBytes);
  // Every check on arrival in one hook (each hook is a hop on the hot path), in this order:
  // request id, shutdown, URL length, then for /graphql only (health checks are never
  // limited) the key and the rate budget.
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    if (draining) {
      return reply.code(503).header("connection", "close").send(errorBody("SERVICE_UNAVAILABLE", "The server is shutting down; retry"));
    }
    await rejectLong(request, reply);
    if (reply.sent || !request.url.startsWith("/graphql")) return;
    await auth(request, reply);
    if (!reply.sent) await arrive(request, reply);
  });
  const responses = new ResponseCache(config.responseCacheBytes);
  const caching = responseCaching(responses, () => deps.services.catalogue.revision, config.cacheMaxAgeSeconds);
  // Trusted documents (issue 16), first of the preHandlers: a listed hash or documentId becomes
  // its document before the playground, the cache, the document limits or Apollo read the params.
  if (config.trustedDocuments) app.addHook("preHandler", trustedDocumentsHook(config.trustedDocuments));
  if (config.playground) app.addHook("preHandler", registerPlayground(app));
  // The cache first: a hit (or a 304) was accepted by every check below when it was first answered.
  app.addHook("preHandler", caching.lookup);
  app.addHook("preHandler", rejectOverLimitDocuments(config.limits));
  const metrics = new Metrics(
    { stalenessMs: () => deps.sync.stalenessMs, subscriptions: () => deps.events.subscribers, responseCache: () => responses.stats() },
    deps.connection,
    { processMetrics: config.metricsToken !== undefined },
  );
  app.addHook("onResponse", metrics.record);
  if (config.metricsToken) registerMetricsRoute(app, metrics, config.metricsToken);
  const policy = responsePolicy({ cacheMaxAgeSeconds: config.cacheMaxAgeSeconds, keep: caching.store });
  app.addHook("onSend", async (request, reply, payload) => {
    // A process cut off from the database keeps answering from its model, and says since when.
    const staleness = deps.sync.stalenessMs;
    if (staleness > config.catalogue.staleAfterMs && pathOf(request.url) === "/graphql") {
      reply.header(STALE_HEADER, String(Math.floor(staleness / 1000)));
    }
    return policy(request, reply, payload);
  });
  app.setNotFoundHandler(notFound);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // Fastify's own errors carry a 4xx status; anything else (a database failure in a hook) is classified.
    const fastifyStatus = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : undefined;
    const classified = classifyError(error);
    const code: ErrorCode = fastifyStatus ? (CODE_BY_REQUEST_STATUS[fastifyStatus] ?? "BAD_REQUEST") : classified.code;
    const status = fastifyStatus ?? httpStatusOf(code);
    if (status >= 500) request.log.error({ err: error, code }, "request failed");
    return reply.code(status).send(errorBody(code, fastifyStatus ? error.message : classified.message));
  });

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
    ...(deps.shared && { persistedQueries: { cache: new ErrorsAreMissesCache(deps.shared.persistedQueries()) } }),
    plugins: [
      fastifyApolloDrainPlugin(app),
      // Trusted documents (issue 16): under `writes`, an unlisted mutation is refused once resolved.
      ...(config.trustedDocuments ? [trustedDocumentsPlugin(config.trustedDocuments)] : []),
      operationLimitsPlugin(config.limits),
      errorReportingPlugin(app.log),
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing pages load from a CDN; ours (PLAYGROUND) is served from this origin.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  await app.register(fastifyApollo(apollo), {
    path: "/graphql",
    context: async (request) => {
      request.graphqlContext = createContext(request.id, request.principal, deps.services, budgets.chargerFor(request));
      return request.graphqlContext;
    },
  });

  const subscriptions = attachSubscriptions(app, {
    schema: deps.schema,
    services: deps.services,
    apiKeys: deps.apiKeys,
    limits: config.limits,
    trustedDocuments: config.trustedDocuments, // issue 16: `strict` holds over the socket too
    budgets,
    maxSubscriptionsPerConnection: config.subscriptions.perConnection,
    maxConnectionsPerAddress: config.subscriptions.connectionsPerAddress,
    maxConnections: config.subscriptions.total,
    idleTimeoutMs: config.subscriptions.idleTimeoutMs,
    revocationCheckMs: Math.max(config.apiKeyCacheMs, 250),
    clientAddress: (request) => proxyAddr(request, trusted),
  });
  const health = new DatabaseHealth(deps.connection);
  await health.start();
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const state = health.state;
    const catalogue = {
      revision: deps.services.catalogue.revision,
      stalenessMs: deps.sync.stalenessMs,
      stale: deps.sync.stalenessMs > config.catalogue.staleAfterMs,
      responseCache: responses.stats(),
    };
    const redis = deps.shared && { redis: deps.shared.up ? "up" : "unavailable: rate budgets per process" };
    if (state === "up") return { status: "ready", catalogue, ...redis };
    return reply.code(503).send({ status: state === "down" ? "database unavailable" : "database refuses writes", catalogue, ...redis });
  });
  return {
    app,
    async stop() {
      health.stop();
      draining = true;
      await subscriptions.close();
      // close() stops accepting and waits for in-flight requests; the keep-alive sockets that
      // fall idle once their last request is answered would hold it open (for up to Fastify's
      // 72 s keep-alive), so they are closed as they fall idle.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 100);
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
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
