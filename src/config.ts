import { resolve } from "node:path";
import { z } from "zod";
import { PROJECT_ROOT } from "./project-root";

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** One documented env name per key; see the README's configuration table. */
const EnvSchema = z.object({
  PORT: int(0, 65535).default(4000),
  HOST: z.string().min(1).default("127.0.0.1"),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, "must start with mongodb:// or mongodb+srv://").optional(),
  DATA_DIR: z.string().min(1).default(".data"),
  FERRETDB_BIN: z.string().min(1).optional(),
  MONGODB_SERVER_SELECTION_TIMEOUT_MS: int(100, 60_000).default(2000),
  QUERY_TIMEOUT_MS: int(1, 600_000).default(5000),
  BODY_LIMIT_BYTES: int(1024, 50 * 1024 * 1024).default(1024 * 1024),
  MAX_URL_BYTES: int(256, 16 * 1024 - 512).default(8 * 1024),
  RATE_LIMIT_MAX: int(1, 1_000_000).default(600),
  RATE_LIMIT_WINDOW_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  CACHE_MAX_AGE_SECONDS: int(0, 86_400).default(60),
  CORS_ORIGIN: z.string().min(1).default("*"),
  MAX_QUERY_DEPTH: int(2, 100).default(10),
  TRUST_PROXY: z.enum(["true", "false"]).default("false"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export interface Config {
  port: number;
  host: string;
  /** Unset: start an embedded MongoDB-compatible server storing under dataDir. */
  mongodbUri?: string;
  dataDir: string;
  ferretdbBin?: string;
  serverSelectionTimeoutMs: number;
  queryTimeoutMs: number;
  bodyLimitBytes: number;
  /** Below Node's 16 KiB header limit, so that a long GET gets a 414 rather than a 431. */
  maxUrlBytes: number;
  rateLimit: { max: number; windowMs: number };
  cacheMaxAgeSeconds: number;
  /** "*" or a comma-separated list of allowed origins. */
  corsOrigin: string;
  /** Deepest field nesting an operation may have (introspection not counted). */
  maxQueryDepth: number;
  /** Behind a reverse proxy: take the client address from X-Forwarded-For (rate limits per client). */
  trustProxy: boolean;
  logLevel: string;
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
  return {
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    dataDir: resolve(PROJECT_ROOT, e.DATA_DIR),
    ferretdbBin: e.FERRETDB_BIN,
    serverSelectionTimeoutMs: e.MONGODB_SERVER_SELECTION_TIMEOUT_MS,
    queryTimeoutMs: e.QUERY_TIMEOUT_MS,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    maxUrlBytes: e.MAX_URL_BYTES,
    rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
    cacheMaxAgeSeconds: e.CACHE_MAX_AGE_SECONDS,
    corsOrigin: e.CORS_ORIGIN,
    maxQueryDepth: e.MAX_QUERY_DEPTH,
    trustProxy: e.TRUST_PROXY === "true",
    logLevel: e.LOG_LEVEL,
  };
}
