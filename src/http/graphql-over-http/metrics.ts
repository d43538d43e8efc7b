import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Connection } from "mongoose";
import type { RequestState } from "./state";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import { isGraphqlRoute, pathOf } from "./arrival";
import { bearerToken } from "../admission/caller";
import { refuse } from "../exit/refusal";

/** What the metrics read from the rest of the process when scraped. */
export interface MetricSources {
  stalenessMs(): number;
  subscriptions(): number;
  /** Distinct executions serving them (shared-subscriptions.ts). */
  executions(): number;
  responseCache(): { hits: number; misses: number; entries: number; bytes: number };
}

const ROUTES = new Set(["/graphql", "/healthz", "/readyz", "/metrics"]);
/**
 * Operation names are labels, kept for the life of the process and written into every scrape,
 * and anyone can name an operation: so a name is a label only when it is the app's (the
 * operation ran a trusted document: TRUSTED_DOCUMENTS bounds those names) or an API key
 * holder's. Without a key, an unlisted operation counts as ANONYMOUS_CALLER: labels are not
 * first come, first served, so junk names sent without a key cannot take them from real ones.
 * Key holders' names past this many distinct ones, or any name longer than this, count as
 * "other": their label values take at most 100 × 64 characters.
 */
export const MAX_OPERATION_NAMES = 100;
export const MAX_OPERATION_NAME_LENGTH = 64;
/** In parentheses, as no GraphQL name can be: never an operation's own name. */
export const ANONYMOUS_CALLER = "(anonymous caller)";

/**
 * Prometheus metrics (prom-client): requests by route, operation, outcome and error code;
 * latency; database command durations; read-model staleness; response-cache hits and misses;
 * rate-limit refusals; Node's process metrics. Served at /metrics to holders of METRICS_TOKEN.
 */
export class Metrics {
  readonly registry = new Registry();
  private readonly operations = new Set<string>();
  private readonly requests = new Counter({
    name: "statusgraph_requests_total",
    help: "HTTP requests by route, GraphQL operation name, outcome and first error code",
    labelNames: ["route", "operation", "outcome", "code"] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "statusgraph_request_duration_seconds",
    help: "Time from request to response, by route",
    labelNames: ["route"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: "statusgraph_rate_limit_refusals_total",
    help: "Requests refused with RATE_LIMITED (429)",
    registers: [this.registry],
  });

  constructor(sources: MetricSources, connection: Connection, options: { processMetrics: boolean }) {
    // Node's own metrics sample the event loop and GC continuously: only when they are scraped.
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
    const database = new Histogram({
      name: "statusgraph_db_command_duration_seconds",
      help: "Database command durations, by command and outcome",
      labelNames: ["command", "outcome"] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers: [this.registry],
    });
    const client = connection.getClient();
    client.on("commandSucceeded", (e) => database.observe({ command: e.commandName, outcome: "ok" }, e.duration / 1000));
    client.on("commandFailed", (e) => database.observe({ command: e.commandName, outcome: "failed" }, e.duration / 1000));
    new Gauge({
      name: "statusgraph_catalogue_staleness_seconds",
      help: "Seconds since the read model was last confirmed against the database",
      registers: [this.registry],
      collect() {
        this.set(sources.stalenessMs() / 1000);
      },
    });
    for (const [name, help, pick] of [
      ["statusgraph_response_cache_hits_total", "GET and persisted-query responses served from the cache", (c: ReturnType<MetricSources["responseCache"]>) => c.hits],
      ["statusgraph_response_cache_misses_total", "Cacheable requests that had to run", (c: ReturnType<MetricSources["responseCache"]>) => c.misses],
    ] as const) {
      new Counter({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.reset();
          this.inc(pick(sources.responseCache()));
        },
      });
    }
    new Gauge({
      name: "statusgraph_subscriptions_active",
      help: "statusCodeChanged subscriptions open in this process",
      registers: [this.registry],
      collect() {
        this.set(sources.subscriptions());
      },
    });
    new Gauge({
      name: "statusgraph_subscription_executions",
      help: "Distinct statusCodeChanged executions serving them: subscribers to the same document, variables and key share one",
      registers: [this.registry],
      collect() {
        this.set(sources.executions());
      },
    });
    new Gauge({
      name: "statusgraph_response_cache_bytes",
      help: "Bytes held by the response cache",
      registers: [this.registry],
      collect() {
        this.set(sources.responseCache().bytes);
      },
    });
  }

  /** The onResponse hook: one observation per request. */
  record = async (request: FastifyRequest, reply: FastifyReply) => {
    // A response taken over (a stream: exit/take-over.ts) counts itself. Fastify
    // ran this hook for a hijacked reply too, once its response finished: a stream the server
    // ended (revoked, evicted, shut down) was counted twice. Its listener is let go now, but
    // should a new Fastify keep it, the answer is still counted once.
    if (request.state?.takenOver) return;
    // /graphql by its route, however its path was spelled (the router decodes it).
    this.observe(isGraphqlRoute(request) ? "/graphql" : pathOf(request.url), reply.statusCode, request.state, reply.elapsedTime / 1000);
  };

  /** One answered request, from the pipeline or the fast path. */
  observe(path: string, status: number, state: RequestState | undefined, seconds: number): void {
    this.observation(path, status, state)(seconds);
  }

  /**
   * A request's observation, labelled now and counted when `seconds` are known: a stream's,
   * made as it starts, so that what the stream keeps until it ends is its labels, not its
   * request's state (its text, variables, charge).
   */
  observation(path: string, status: number, state: RequestState | undefined): (seconds: number) => void {
    const route = ROUTES.has(path) ? path : path.startsWith("/playground/") ? "/playground" : "other";
    const outcome = status < 400 ? "success" : status < 500 ? "client_error" : "server_error";
    const operation = route === "/graphql" ? this.operationLabel(state) : "";
    const code = state?.errorCodes[0] ?? "";
    return (seconds) => {
      this.requests.inc({ route, operation, outcome, code });
      this.latency.observe({ route }, seconds);
      if (code === "RATE_LIMITED") this.refusals.inc();
    };
  }

  private operationLabel(state: RequestState | undefined): string {
    const name = state?.operation.name;
    if (!state || !name) return "(anonymous or not run)";
    if (!state.operation.listed && state.principal === null) return ANONYMOUS_CALLER;
    if (name.length > MAX_OPERATION_NAME_LENGTH) return "other";
    // Listed names are as many as the manifests hold: they take none of the key holders' places.
    if (state.operation.listed || this.operations.has(name)) return name;
    if (this.operations.size >= MAX_OPERATION_NAMES) return "other";
    this.operations.add(name);
    return name;
  }
}

/** GET /metrics for holders of the token (Authorization: Bearer <METRICS_TOKEN>); no route without one. */
export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics, token: string) {
  const expected = createHash("sha256").update(token).digest();
  app.get("/metrics", async (request, reply) => {
    const sent = bearerToken(request.headers.authorization) ?? "";
    if (!timingSafeEqual(createHash("sha256").update(sent).digest(), expected)) {
      const refusal = { code: "UNAUTHENTICATED" as const, message: "A metrics token is required: Authorization: Bearer <METRICS_TOKEN>" };
      return refuse(reply, request.state, { ...refusal, headers: { "www-authenticate": 'Bearer realm="statusgraph-metrics"' } });
    }
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
}
