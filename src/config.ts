import { resolve } from "node:path";
import { z } from "zod";
import type { WriteFaults } from "./curation/entry-writer";
import type { OperationLimits } from "./graphql/limits/limits";
import { loadTrustedDocuments, TRUSTED_DOCUMENTS_POLICIES, type TrustedDocuments } from "./graphql/trusted-documents";
import { PROJECT_ROOT } from "./project-root";
import { type TracingConfig, TRACES_SAMPLERS, tracingOf } from "./tracing/config";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** One documented env name per key; see docs/configuration.md's table (a test checks it lists each). */
const EnvSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  HEALTH_PORT: int(0, 65535).optional(),
  HEALTH_HOST: z.string().min(1).optional(),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://").optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  FERRETDB_BIN: z.string().min(1).optional(),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: int(100, 60_000).default(2000),
  QUERY_TIMEOUT_MS: int(1, 600_000).default(5000),
  SHUTDOWN_TIMEOUT_MS: int(100, 600_000).default(10_000),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  MAX_URL_BYTES: int(256, 16 * 1024 - 512).default(8 * 1024),
  RATE_LIMIT_BUDGET: int(1, 1_000_000_000).default(100_000),
  RATE_LIMIT_KEY_BUDGET: int(1, 1_000_000_000).default(400_000),
  RATE_LIMIT_WINDOW_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  AUTH_FAILURE_LIMIT: int(1, 1_000_000).default(10),
  RATE_LIMIT_MEMORY_BYTES: int(16 * 1024, 1024 * 1024 * 1024).default(32 * 1024 * 1024),
  CACHE_MAX_AGE_SECONDS: int(0, 86_400).default(60),
  CATALOGUE_POLL_MS: int(20, 60_000).default(250),
  CATALOGUE_RESYNC_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  CATALOGUE_STALE_AFTER_MS: int(100, 24 * 3600 * 1000).default(5000),
  HEALTH_DATABASE_DOWN_AFTER_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  RESPONSE_CACHE_BYTES: int(0, 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  DOCUMENT_CACHE_BYTES: int(1024 * 1024, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  PERSISTED_QUERY_CACHE_BYTES: int(1024 * 1024, 1024 * 1024 * 1024).default(8 * 1024 * 1024),
  API_KEY_CACHE_MS: int(0, 1000).default(500),
  PLAYGROUND: z.enum(["true", "false"]).default("true"),
  REQUEST_HEADERS_TIMEOUT_MS: int(1000, 600_000).default(10_000),
  REQUEST_TIMEOUT_MS: int(1000, 3_600_000).default(30_000),
  MAX_CONNECTIONS: int(10, 1_000_000).default(10_000),
  MAX_SOCKETS_PER_ADDRESS: int(1, 1_000_000).default(64),
  MIN_REQUEST_RATE_BYTES_PER_SECOND: int(0, 1_000_000_000).default(500),
  REQUEST_RATE_GRACE_MS: int(100, 60_000).default(1000),
  SLOW_SENDER_PENALTY_MS: int(0, 600_000).default(30_000),
  MAX_WEBSOCKETS: int(1, 1_000_000).default(5000),
  WS_IDLE_TIMEOUT_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: int(1, 1000).default(20),
  MAX_CONNECTIONS_PER_ADDRESS: int(1, 100_000).default(20),
  STREAM_HEARTBEAT_MS: int(100, 60_000).default(5000),
  STREAM_MAX_UNREAD_BYTES: int(16 * 1024, 1024 * 1024 * 1024).default(1024 * 1024),
  STREAM_MAX_UNREAD_EVENTS: int(1, 1_000_000).default(1000),
  STREAM_MAX_UNREAD_TOTAL_BYTES: int(1024 * 1024, 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, "must start with redis:// or rediss://").optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters (a random secret)").optional(),
  CORS_ORIGIN: z.string().min(1).default("*"),
  MAX_QUERY_DEPTH: int(2, 100).default(10),
  MAX_QUERY_COST: int(10, 10_000_000).default(10_000),
  MAX_QUERY_TOKENS: int(100, 1_000_000).default(3000),
  MAX_ALIASES: int(0, 10_000).default(30),
  MAX_ROOT_FIELDS: int(1, 1000).default(10),
  MAX_DIRECTIVES: int(0, 1000).default(5),
  MAX_SELECTIONS: int(10, 1_000_000).default(1500),
  NEW_DOCUMENT_WORK_MS: int(0, 1000).default(200),
  SHED_EVENT_LOOP_DELAY_MS: int(10, 60_000).default(100),
  REFUSAL_HOLD_MS: int(0, 5000).default(1000),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(false|[1-9]|[0-9a-fA-F.:/]+(, *[0-9a-fA-F.:/]+)*)$/,
      "must be false, a hop count 1-9, or a comma-separated list of proxy addresses/CIDRs (true is refused: it would believe any client)",
    )
    .default("false"),
  // Comma-separated paths of codegen's persisted-documents.json manifests (relative to the project).
  TRUSTED_DOCUMENTS: z.string().regex(/^[^,]+(,[^,]+)*$/, "must be a comma-separated list of manifest paths").optional(),
  TRUSTED_DOCUMENTS_POLICY: z.enum(TRUSTED_DOCUMENTS_POLICIES).optional(),
  // Test-only fault injection, e.g. "pauseBeforeApplyMs=600" or "killBeforeApply" (see WriteFaults).
  STATUSGRAPH_FAULTS: z.string().regex(/^(\w+(=\d+)?)(,\w+(=\d+)?)*$/).optional(),
  NODE_ENV: z.string().optional(),
  // OpenTelemetry's own variables (the spec's names and meanings): tracing is on once an endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).optional(),
  OTEL_SDK_DISABLED: z.enum(["true", "false"]).default("false"),
  OTEL_TRACES_EXPORTER: z.enum(["otlp", "none"]).default("otlp"),
  OTEL_SERVICE_NAME: z.string().min(1).default("statusgraph"),
  OTEL_RESOURCE_ATTRIBUTES: z.string().regex(/^[^=,]+=[^,]*(,[^=,]+=[^,]*)*$/, "must be key=value pairs separated by commas").optional(),
  OTEL_TRACES_SAMPLER: z.enum(TRACES_SAMPLERS).default("parentbased_always_on"),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  OTEL_BSP_SCHEDULE_DELAY: int(1, 600_000).default(5000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

/** Every variable the configuration reads. */
export const CONFIG_VARIABLES = Object.keys(EnvSchema.shape);

export interface Config {
  port: number;
  host: string;
  /** A listener of its own for /healthz and /readyz (http/probe-listener.ts); unset: the probes are on PORT only. */
  healthPort?: number;
  /** Where that listener binds (HEALTH_HOST, else HOST): an interface only the probes reach. */
  healthHost: string;
  /** Unset: start an embedded MongoDB-compatible server storing under dataDir. */
  mongodbUri?: string;
  dataDir: string;
  ferretdbBin?: string;
  serverSelectionTimeoutMs: number;
  queryTimeoutMs: number;
  /** How long SIGTERM/SIGINT waits for in-flight requests before the process exits anyway. */
  shutdownTimeoutMs: number;
  bodyLimitBytes: number;
  /** Below Node's 16 KiB header limit, so that a long GET gets a 414 rather than a 431. */
  maxUrlBytes: number;
  rateLimit: {
    /** Cost units per window for one client address (anonymous callers, and every failed lookup). */
    budget: number;
    /** Cost units per window for one API key. */
    keyBudget: number;
    windowMs: number;
    /** Failed authentications per window from one address before 429. */
    authFailures: number;
    /** Heap bytes each in-memory budget table (per address, per key, failed authentications) may hold. */
    memoryBytes: number;
  };
  cacheMaxAgeSeconds: number;
  catalogue: {
    /** How often each process checks the catalogue revision: how late another process's write may show. */
    pollMs: number;
    /** A full reload this often whatever the revision says. */
    resyncMs: number;
    /** Past this, responses and /readyz say the model is unconfirmed (the database is unreachable). */
    staleAfterMs: number;
  };
  health: {
    /** Past this without reaching the database, /healthz fails: a liveness probe's cue to restart the process. */
    databaseDownAfterMs: number;
  };
  /** Bytes of GET and persisted-query responses kept in memory (0: no response cache). */
  responseCacheBytes: number;
  /** Deadlines and caps of connections, whatever they carry (see connection-bounds.ts). */
  connections: {
    /** A request's headers must have arrived this long after it started. */
    headersTimeoutMs: number;
    /** The whole request, body included, must have arrived this long after it started. */
    requestTimeoutMs: number;
    /** Open TCP connections in all (HTTP and WebSocket). */
    total: number;
    /** Open TCP connections from one socket address (trusted proxies are not counted). */
    perAddress: number;
    /** Bytes a second a request's headers and body must keep arriving at, after the grace (0: none). */
    minRateBytesPerSecond: number;
    /** The credit of time a request starts with before the minimum rate is asked of it. */
    rateGraceMs: number;
    /** How long an address cut as too slow is refused new connections while a flood of slow requests is on; 0: never. */
    slowSenderPenaltyMs: number;
  };
  subscriptions: {
    perConnection: number;
    /** Open subscription connections (WebSockets and HTTP streams) per client address (as TRUST_PROXY resolves it). */
    connectionsPerAddress: number;
    /** Open subscription connections (WebSockets and HTTP streams) in all. */
    total: number;
    /** A socket with no subscription that sends nothing this long is closed. */
    idleTimeoutMs: number;
    /** How often an HTTP stream (multipart, SSE) sends a heartbeat. */
    heartbeatMs: number;
    /** Bytes a subscriber (HTTP stream or WebSocket) may leave unread in this process before it is cut off. */
    maxUnreadBytes: number;
    /** Bytes all the HTTP streams of this process may leave unsent together before those behind are cut off. */
    maxUnreadTotalBytes: number;
    /** Events a subscriber may leave waiting for its transport (a WebSocket awaits each send) before it is cut off. */
    maxUnreadEvents: number;
  };
  /** Estimated heap bytes of the parsed and validated documents Apollo keeps. */
  documentCacheBytes: number;
  /** Bytes of persisted queries kept in this process (without Redis). */
  persistedQueryCacheBytes: number;
  /** Shared state of several replicas (rate budgets, persisted queries, change signal); unset: per process. */
  redisUrl?: string;
  /** The bearer token of GET /metrics; unset: no /metrics route. */
  metricsToken?: string;
  /** Serve the GraphiQL playground at GET /graphql (Accept: text/html). */
  playground: boolean;
  /** How long a key lookup is reused (≤ 1000 ms: a revoked key stops working within a second). */
  apiKeyCacheMs: number;
  /** "*" or a comma-separated list of allowed origins. */
  corsOrigin: string;
  /** Bounds checked before any resolver runs; see src/graphql/limits/. */
  limits: OperationLimits;
  /** Load shedding: what documents never seen before may take of the event loop (pipeline/pressure.ts). */
  shedding: {
    /** Milliseconds of work a second for new documents (their check, parse and validation); 0: no bound. */
    newDocumentWorkMs: number;
    /** While the event loop's p99 delay is over this, no new document is admitted. */
    eventLoopDelayMs: number;
    /** How long an HTTP refusal that says "come back later" (429, 503) is held before it is sent (admission/hold.ts); 0: sent at once. */
    refusalHoldMs: number;
  };
  /**
   * Which X-Forwarded-For entries to believe: false (none), a hop count, or the proxies'
   * addresses. Never "all": the left-most entry is whatever the client wrote.
   */
  trustProxy: false | number | string[];
  logLevel: string;
  /** The manifests' documents and the policy applied with them; unset: no safelisting at all. */
  trustedDocuments?: TrustedDocuments;
  /** Empty unless STATUSGRAPH_FAULTS is set, which production refuses. */
  faults: WriteFaults;
  /** OTLP trace export (OTEL_* variables); unset: no tracing, and no OpenTelemetry SDK loaded. */
  tracing?: TracingConfig;
}

/** Validates the environment once, at start; throws naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const blankAsUnset = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = EnvSchema.safeParse(blankAsUnset);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`).join("\n");
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  if (e.STATUSGRAPH_FAULTS && e.NODE_ENV === "production") {
    throw new Error("Invalid configuration:\n  STATUSGRAPH_FAULTS: fault injection is for tests; refused when NODE_ENV=production");
  }
  if (e.TRUSTED_DOCUMENTS_POLICY && !e.TRUSTED_DOCUMENTS) {
    throw new Error("Invalid configuration:\n  TRUSTED_DOCUMENTS_POLICY: needs TRUSTED_DOCUMENTS (the manifests whose documents it trusts)");
  }
  return {
    port: e.PORT,
    host: e.HOST,
    healthPort: e.HEALTH_PORT,
    healthHost: e.HEALTH_HOST ?? e.HOST,
    mongodbUri: e.MONGODB_URI,
    dataDir: resolve(PROJECT_ROOT, e.DATA_DIR),
    ferretdbBin: e.FERRETDB_BIN,
    serverSelectionTimeoutMs: e.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    queryTimeoutMs: e.QUERY_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxUrlBytes: e.MAX_URL_BYTES,
    rateLimit: {
      budget: e.RATE_LIMIT_BUDGET,
      keyBudget: e.RATE_LIMIT_KEY_BUDGET,
      windowMs: e.RATE_LIMIT_WINDOW_MS,
      authFailures: e.AUTH_FAILURE_LIMIT,
      memoryBytes: e.RATE_LIMIT_MEMORY_BYTES,
    },
    cacheMaxAgeSeconds: e.CACHE_MAX_AGE_SECONDS,
    catalogue: { pollMs: e.CATALOGUE_POLL_MS, resyncMs: e.CATALOGUE_RESYNC_MS, staleAfterMs: e.CATALOGUE_STALE_AFTER_MS },
    health: { databaseDownAfterMs: e.HEALTH_DATABASE_DOWN_AFTER_MS },
    responseCacheBytes: e.RESPONSE_CACHE_BYTES,
    documentCacheBytes: e.DOCUMENT_CACHE_BYTES,
    persistedQueryCacheBytes: e.PERSISTED_QUERY_CACHE_BYTES,
    apiKeyCacheMs: e.API_KEY_CACHE_MS,
    playground: e.PLAYGROUND === "true",
    metricsToken: e.METRICS_TOKEN,
    redisUrl: e.REDIS_URL,
    connections: {
      headersTimeoutMs: Math.min(e.REQUEST_HEADERS_TIMEOUT_MS, e.REQUEST_TIMEOUT_MS),
      requestTimeoutMs: e.REQUEST_TIMEOUT_MS,
      total: e.MAX_CONNECTIONS,
      perAddress: e.MAX_SOCKETS_PER_ADDRESS,
      minRateBytesPerSecond: e.MIN_REQUEST_RATE_BYTES_PER_SECOND,
      rateGraceMs: e.REQUEST_RATE_GRACE_MS,
      slowSenderPenaltyMs: e.SLOW_SENDER_PENALTY_MS,
    },
    subscriptions: {
      perConnection: e.MAX_SUBSCRIPTIONS_PER_CONNECTION,
      connectionsPerAddress: e.MAX_CONNECTIONS_PER_ADDRESS,
      total: e.MAX_WEBSOCKETS,
      idleTimeoutMs: e.WS_IDLE_TIMEOUT_MS,
      heartbeatMs: e.STREAM_HEARTBEAT_MS,
      maxUnreadBytes: e.STREAM_MAX_UNREAD_BYTES,
      maxUnreadTotalBytes: e.STREAM_MAX_UNREAD_TOTAL_BYTES,
      maxUnreadEvents: e.STREAM_MAX_UNREAD_EVENTS,
    },
    corsOrigin: e.CORS_ORIGIN,
    shedding: { newDocumentWorkMs: e.NEW_DOCUMENT_WORK_MS, eventLoopDelayMs: e.SHED_EVENT_LOOP_DELAY_MS, refusalHoldMs: e.REFUSAL_HOLD_MS },
    limits: {
      depth: e.MAX_QUERY_DEPTH,
      cost: e.MAX_QUERY_COST,
      tokens: e.MAX_QUERY_TOKENS,
      aliases: e.MAX_ALIASES,
      rootFields: e.MAX_ROOT_FIELDS,
      directives: e.MAX_DIRECTIVES,
      selections: e.MAX_SELECTIONS,
    },
    trustProxy: trustProxyOf(e.TRUST_PROXY),
    logLevel: e.LOG_LEVEL,
    faults: faultsOf(e.STATUSGRAPH_FAULTS),
    tracing: tracingOf(e),
    trustedDocuments: e.TRUSTED_DOCUMENTS ? trustedDocumentsOf(e.TRUSTED_DOCUMENTS, e.TRUSTED_DOCUMENTS_POLICY ?? "open") : undefined,
  };
}

/** Read and checked now, once: a manifest that does not match its documents stops the start. */
function trustedDocumentsOf(paths: string, policy: TrustedDocuments["policy"]): TrustedDocuments {
  try {
    return loadTrustedDocuments(paths.split(",").map((p) => resolve(PROJECT_ROOT, p.trim())), policy);
  } catch (error) {
    throw new Error(`Invalid configuration:\n  TRUSTED_DOCUMENTS: ${(error as Error).message}`);
  }
}

function trustProxyOf(value: string): false | number | string[] {
  if (value === "false") return false;
  if (/^[1-9]$/.test(value)) return Number(value);
  return value.split(",").map((a) => a.trim());
}

function faultsOf(value: string | undefined): WriteFaults {
  const faults: Record<string, number | boolean> = {};
  for (const part of value?.split(",") ?? []) {
    const [name, amount] = part.split("=");
    faults[name] = amount === undefined ? true : Number(amount);
  }
  return faults as WriteFaults;
}
