import type { KeyValueCache, KeyValueCacheSetOptions } from "@apollo/utils.keyvaluecache";
import { Redis } from "ioredis";

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

  get up(): boolean {
    return this.redis.status === "ready";
  }

  /** Tells every replica that the catalogue changed (they poll at once instead of at their next poll). */
  announceCatalogueChange(): void {
    if (this.up) void this.redis.publish(CHANNEL, String(process.pid)).catch(() => {});
  }

  onCatalogueChange(listener: () => void): void {
    void this.subscriber.subscribe(CHANNEL).catch(() => {});
    this.subscriber.on("message", (channel) => channel === CHANNEL && listener());
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
