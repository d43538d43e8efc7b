import { getHeapStatistics } from "node:v8";
import type { Connection } from "mongoose";
import type { Config } from "./config";
import { heapTooSmall } from "./heap";
import { connectDatabase } from "./db/connect";
import { limitQueryTime } from "./db/time-limit";
import { type EmbeddedServer, startEmbeddedServer } from "./db/embedded-server";
import { buildAppSchema } from "./graphql/schema";
import { tellPlaygroundPolicy } from "./http/playground";
import { createHttpServer } from "./http/server";
import { listenForProbes } from "./http/probe-listener";
import { CatalogueEvents } from "./catalogue/catalogue-events";
import { SharedSubscriptions } from "./graphql/shared-subscriptions";
import { SharedState } from "./replicas/shared-state";
import { prepareServices } from "./services";

export interface RunningApp {
  /** The GraphQL endpoint, e.g. http://127.0.0.1:4000/graphql */
  url: string;
  connection: Connection;
  /** Set when the app started its own database server. */
  embedded?: EmbeddedServer;
  /** /healthz on HEALTH_PORT, when set. */
  probesUrl?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where logs go (tests capture them); stdout by default. */
  logStream?: { write(line: string): void };
}

/** Starts database (if needed), seed, and HTTP server; `stop()` undoes all of it. */
const LISTEN_BACKLOG = 4096;

export async function startApp(config: Config, options: StartOptions = {}): Promise<RunningApp> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  };
  // Warnings go to stderr until the HTTP server's logger exists, through it after (LOG_LEVEL applies).
  let warn = (message: string, details?: object) => console.error(JSON.stringify({ msg: message, ...details }));
  try {
    let uri = config.mongodbUri;
    let embedded: EmbeddedServer | undefined;
    if (!uri) {
      embedded = await startEmbeddedServer({
        dataDir: config.dataDir,
        databaseName: "statusgraph",
        ferretdbBin: config.ferretdbBin,
        log: (line) => console.error(line),
        // Ours to keep running: killed or crashed, it is started again where the driver reconnects.
        restarts: { warn: (message, details) => warn(message, details) },
      });
      cleanups.push(() => embedded!.stop());
      uri = embedded.uri;
    }
    const events = new CatalogueEvents(config.subscriptions.maxUnreadEvents);
    // Every transport's subscriptions run here: one execution per distinct subscription.
    const executions = new SharedSubscriptions(config.subscriptions.maxUnreadEvents);
    const shared = config.redisUrl ? new SharedState(config.redisUrl) : undefined;
    if (shared) cleanups.push(() => shared.close());
    const connection = await connectDatabase(uri, { serverSelectionTimeoutMs: config.serverSelectionTimeoutMs });
    cleanups.push(() => connection.close());

    const { services, sync, apiKeys, seeded, recovered } = await prepareServices(connection, {
      faults: config.faults,
      apiKeyCacheMs: config.apiKeyCacheMs,
      events,
      sync: { ...config.catalogue, log: (message, details) => warn(message, details), announce: (entry) => shared?.announceCatalogueChange(entry) },
    });
    cleanups.push(async () => sync.stop());
    // Another replica's write, whole: in the model now rather than at the next poll.
    shared?.onCatalogueChange((entry) => sync.announced(entry));
    if (shared) shared.deliveredTo = () => executions.subscribers;
    // From here on, every request's database work is time-limited (start-up is not: it must finish).
    limitQueryTime(connection, config.queryTimeoutMs);
    const { app, stop: stopHttp } = await createHttpServer({
      config,
      schema: await buildAppSchema(),
      executions,
      services,
      apiKeys,
      connection,
      sync,
      shared,
      logStream: options.logStream,
    });
    cleanups.push(stopHttp);
    // The playground page explains a policy that refuses what is typed in it (strict, writes).
    tellPlaygroundPolicy(app, config.trustedDocuments?.policy);
    warn = (message, details) => app.log.warn(details ?? {}, message);
    const heapProblem = heapTooSmall(config, getHeapStatistics().heap_size_limit);
    if (heapProblem) warn(heapProblem);
    shared?.warnWhenUnbounded((message, details) => app.log.warn(details, message));
    app.log.info({ seeded, rolledForward: recovered }, "catalogue ready");
    // A deeper accept queue than Node's 511: under a flood of new connections (thousands a
    // second, bench/floods.ts) a handshake the queue drops waits 1, 3, then 7 s for the
    // kernel's retry, and /healthz with it. The kernel caps it at net.core.somaxconn.
    await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });
    const { port } = app.server.address() as { port: number };
    const host = shownHost(config.host);
    let probesUrl: string | undefined;
    if (config.healthPort !== undefined) {
      const probes = await listenForProbes(app, config.healthPort, config.healthHost);
      // Closed after the API's own shutdown (cleanups run last first): while it drains, /readyz
      // here answers 503, as on PORT.
      const closeProbes = () =>
        new Promise((resolve) => {
          probes.close(resolve);
          probes.closeAllConnections();
        });
      cleanups.splice(cleanups.indexOf(stopHttp), 0, closeProbes);
      probesUrl = `http://${shownHost(config.healthHost)}:${(probes.address() as { port: number }).port}/healthz`;
    }
    return { url: `http://${host}:${port}/graphql`, connection, embedded, probesUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The one line `npm start` prints: where the API listens, and the settings that change what a
 * newcomer sees next (which database holds the data, whether ad-hoc documents run, whether
 * budgets are shared through Redis, whether /metrics exists, whether traces are exported). Never a secret: the database
 * URI loses its user and password, Redis and the metrics token are named, not shown.
 */
export function startupLine(app: Pick<RunningApp, "url" | "embedded" | "probesUrl">, config: Config): string {
  const database = app.embedded ? `embedded ${app.embedded.kind}, data in ${app.embedded.dataPath}` : `MONGODB_URI ${withoutSecrets(config.mongodbUri ?? "")}`;
  const trusted = config.trustedDocuments
    ? `${config.trustedDocuments.policy} (${config.trustedDocuments.documents.size} listed${config.trustedDocuments.policy === "strict" ? ": only those run" : ""})`
    : "off (any document runs)";
  const parts = [
    `database: ${database}`,
    `trusted documents: ${trusted}`,
    `redis: ${config.redisUrl ? "on (budgets and live updates shared by replicas)" : "off"}`,
    `metrics: ${config.metricsToken ? "GET /metrics with METRICS_TOKEN" : "off"}`,
    `tracing: ${config.tracing ? `OTLP to ${withoutSecrets(config.tracing.tracesUrl)} (${config.tracing.sampler})` : "off"}`,
    `playground: ${config.playground ? "on" : "off"}`,
    ...(app.probesUrl ? [`health probes: ${app.probesUrl} and /readyz`] : []),
  ];
  return `StatusGraph listening at ${app.url} (${parts.join("; ")})`;
}

/** The host a URL names for an interface: every local one reads as localhost. */
const shownHost = (host: string) => (host === "0.0.0.0" || host === "127.0.0.1" ? "localhost" : host);

/** host[:port][/database], without credentials or options (which may hold a password too). */
function withoutSecrets(uri: string): string {
  return uri.replace(/^[a-z+]+:\/\//i, "").replace(/^[^@/]*@/, "").replace(/\?.*$/, "");
}
