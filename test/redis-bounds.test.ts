import { createHash } from "node:crypto";
import { Redis } from "ioredis";
import { startTestApp, type TestApp } from "./support/harness";
import { startRedis, type RedisProcess } from "./support/redis-server";

/**
 * Persisted queries are registered by anyone, each under a new key. With Redis they live in
 * Redis, so Redis's own maxmemory with an evicting policy is what bounds them; the API says
 * so when it finds a Redis without one.
 */
const WARNING = /Redis has no maxmemory/;
const sha = (query: string) => createHash("sha256").update(query).digest("hex");
const persisted = (query: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } } });

async function until(check: () => boolean, ms = 3000) {
  for (const start = Date.now(); !check() && Date.now() - start < ms; ) await new Promise((r) => setTimeout(r, 20));
}

describe("When the API shares a Redis that has no maxmemory", () => {
  let redis: RedisProcess;
  let t: TestApp;
  beforeAll(async () => {
    redis = await startRedis();
    t = await startTestApp({ REDIS_URL: redis.url });
  });
  afterAll(async () => {
    await t.stop();
    await redis.stop();
  });

  test("then it warns that persisted queries can fill it", async () => {
    await until(() => t.logs.some((l) => WARNING.test(String(l.msg))));
    expect(t.logs.find((l) => WARNING.test(String(l.msg)))).toMatchObject({ level: 40, maxmemory: "0" });
  });
});

describe("When anonymous clients flood a bounded Redis with distinct persisted queries", () => {
  const MAXMEMORY = 3 * 1024 * 1024;
  let redis: RedisProcess;
  let t: TestApp;
  let inspect: Redis;
  beforeAll(async () => {
    redis = await startRedis(["--maxmemory", String(MAXMEMORY), "--maxmemory-policy", "allkeys-lru"]);
    t = await startTestApp({ REDIS_URL: redis.url, RATE_LIMIT_BUDGET: "1000000" });
    inspect = new Redis(redis.url);
  });
  afterAll(async () => {
    inspect.disconnect();
    await t.stop();
    await redis.stop();
  });

  test("then Redis stays within its bound by dropping the oldest, every registration succeeds, and the newest are served by hash", async () => {
    // 1,200 documents of ~4 KiB (a comment makes each distinct): about 5 MiB, over the 3 MiB bound.
    const queries = Array.from({ length: 1200 }, (_, i) => `{ __typename } # ${i} ${"x".repeat(4000)}`);
    const statuses: number[] = [];
    for (let i = 0; i < queries.length; i += 25) {
      // Redis's LRU is approximate, by sampling, on a clock of 1 s: keys written in the same
      // second are equals to it. The first 100 are written 2.5 s before the rest, so that they
      // are older for Redis too.
      if (i === 100) await new Promise((r) => setTimeout(r, 2500));
      const batch = queries.slice(i, i + 25).map((query) =>
        fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, ...persisted(query) }) }),
      );
      for (const res of await Promise.all(batch)) statuses.push(res.status);
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const memory = await inspect.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(memory)![1]);
    expect(used).toBeLessThanOrEqual(MAXMEMORY * 1.05);
    expect(await inspect.dbsize()).toBeLessThan(queries.length); // the oldest went

    // In Redis (asked of Redis itself: the API's response cache would answer a hash it has seen
    // whatever Redis holds): the oldest went first, most of the first 100 evicted, most of the
    // last 100 there. Sampled, so counted, not key by key.
    const stored = async (query: string) => (await inspect.keys(`*${sha(query)}`)).length;
    const storedOf = async (some: string[]) => (await Promise.all(some.map(stored))).reduce((a, b) => a + b, 0);
    const firstKept = await storedOf(queries.slice(0, 100));
    const lastKept = await storedOf(queries.slice(-100));
    console.log(`redis-bounds: Redis kept ${firstKept} of the first 100 documents and ${lastKept} of the last 100`);
    expect(firstKept).toBeLessThan(50);
    expect(lastKept).toBeGreaterThan(50);
    expect(lastKept).toBeGreaterThan(firstKept);
    // A replica that never answered it is served by hash from Redis.
    const other = await startTestApp({ MONGODB_URI: t.uri, REDIS_URL: redis.url });
    try {
      // The newest document Redis still holds.
      const held = await Promise.all(queries.slice(-100).map(async (query) => ((await stored(query)) ? query : undefined)));
      const last = held.filter((query) => query !== undefined).at(-1)!;
      const res = await fetch(other.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(persisted(last)) });
      expect(await res.json()).toEqual({ data: { __typename: "Query" }, extensions: { cost: { requestedQueryCost: expect.any(Number) } } });
    } finally {
      await other.app.stop();
    }
    expect(t.logs.some((l) => WARNING.test(String(l.msg)))).toBe(false);
  }, 60_000);
});
