import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import { Redis } from "ioredis";
import type { StatusCodeRecord } from "../catalogue/status-code.model";
import { TRACE_CONTEXT_FIELD, tracing } from "../tracing";

const CHANNEL = "statusgraph:catalogue";
/** Persisted queries expire unless used again: Redis must not grow with every document ever sent. */
const APQ_TTL_SECONDS = 24 * 3600;

/**
 * What several replicas share through Redis (REDIS_URL): rate budgets, the persisted-query
 * cache, and a signal that the catalogue changed. Redis is never the system of record: when it
 * is unreachable, budgets fall back to each process's own, a persisted query unknown here is
 * asked for again (APQ's retry), and the catalogue's own revision poll still runs.
 */
export class SharedState {
  /** Commands fail at once while disconnected (no offline queue): callers fall back. */
  readonly redis: Redis;
  private readonly subscriber: Redis;

  constructor(url: string) {
    const options = { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1000, retryStrategy: () => 500 };
    this.redis = new Redis(url, options);
    this.subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
    // ioredis reports and retries on its own; without a listener an error would be thrown.
    for (const client of [this.redis, this.subscriber]) client.on("error", () => {});
  }

  /** How many subscribers a delivery reaches (for its span); set by the app. */
  deliveredTo: () => number = () => 0;

  get up(): boolean {
    return this.redis.status === "ready";
  }

  /**
   * Tells every replica about an entry this one wrote, whole, so each applies it at once and
   * its subscribers get every version in order. Fire and forget: the revision poll is the
   * fallback when a message is lost.
   */
  announceCatalogueChange(entry: StatusCodeRecord): void {
    if (!this.up) return;
    const send = (traceContext?: Record<string, string>) =>
      void this.redis.publish(CHANNEL, JSON.stringify(traceContext ? { ...entry, [TRACE_CONTEXT_FIELD]: traceContext } : entry)).catch(() => {});
    // Traced: the write's trace context travels with the entry, and each delivery links to it.
    if (tracing) tracing.publish(CHANNEL, entry, send);
    else send();
  }

  onCatalogueChange(listener: (entry: StatusCodeRecord) => void): void {
    void this.subscriber.subscribe(CHANNEL).catch(() => {});
    this.subscriber.on("message", (channel, message) => {
      if (channel !== CHANNEL) return;
      try {
        const { [TRACE_CONTEXT_FIELD]: traceContext, ...json } = JSON.parse(message);
        const entry = reviveEntry(json);
        if (tracing) tracing.deliver(CHANNEL, traceContext, entry, this.deliveredTo(), () => listener(entry));
        else listener(entry);
      } catch {
        // a malformed message: the poll brings the truth
      }
    });
  }

  /**
   * Persisted queries are registered by anonymous clients, each a new key: only Redis's own
   * `maxmemory` with an evicting policy keeps that bounded (as Apollo's in-memory cache is
   * bounded by size). Calls `warn` on every connection to a Redis that would instead grow
   * without limit or refuse writes when full. A managed Redis may refuse CONFIG: then silent.
   */
  warnWhenUnbounded(warn: (message: string, details: { maxmemory: string; policy: string }) => void): void {
    const check = async () => {
      try {
        const [, maxmemory] = (await this.redis.config("GET", "maxmemory")) as string[];
        const [, policy] = (await this.redis.config("GET", "maxmemory-policy")) as string[];
        if (maxmemory === "0" || policy === "noeviction") {
          warn("Redis has no maxmemory with an evicting policy: persisted queries can fill it (see docs/operations.md, Redis)", { maxmemory, policy });
        }
      } catch {
        // CONFIG refused (managed Redis) or Redis gone: nothing to say
      }
    };
    this.redis.on("ready", () => void check());
    if (this.up) void check();
  }

  /** Apollo's persisted-query cache, in Redis. */
  persistedQueries(): KeyValueCache<string> {
    const key = (k: string) => `statusgraph:apq:${k}`;
    return {
      get: async (k) => (await this.redis.get(key(k))) ?? undefined,
      set: async (k, value, options?: KeyValueCacheSetOptions) => {
        await this.redis.set(key(k), value, "EX", options?.ttl ?? APQ_TTL_SECONDS);
      },
      delete: async (k) => (await this.redis.del(key(k))) > 0,
    };
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    this.subscriber.disconnect();
  }
}

/** Dates travel as ISO strings in JSON. */
function reviveEntry(json: StatusCodeRecord): StatusCodeRecord {
  if (!Number.isInteger(json.code) || !Number.isInteger(json.version)) throw new Error("not an entry");
  return {
    ...json,
    createdAt: new Date(json.createdAt),
    updatedAt: new Date(json.updatedAt),
    retired: json.retired ? { ...json.retired, at: new Date(json.retired.at) } : null,
  };
}
