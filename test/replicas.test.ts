import { createHash } from "node:crypto";
import { createKeyAt, uniqueDatabaseUri } from "./support/harness";
import { startRedis, type RedisProcess } from "./support/redis-server";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { type ServerProcess, startServerProcess } from "./support/server-process";

/**
 * Three API processes on one database and one Redis (REDIS_URL), as several replicas behind a
 * load balancer: budgets and persisted queries are shared, a write reaches every replica at
 * once, and losing Redis loses nothing but the sharing.
 */
let redis: RedisProcess;
let replicas: ServerProcess[];
const uri = uniqueDatabaseUri();
const BUDGET = 100;

beforeAll(async () => {
  redis = await startRedis();
  const env = { MONGODB_URI: uri, REDIS_URL: redis.url, RATE_LIMIT_BUDGET: String(BUDGET), CATALOGUE_POLL_MS: "60000", CATALOGUE_STALE_AFTER_MS: "300000", LOG_LEVEL: "warn" };
  replicas = [await startServerProcess(env)]; // the first seeds; the others find it done
  replicas.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
}, 60_000);
afterAll(async () => {
  await Promise.all(replicas.map((r) => r.stop()));
  await redis.stop();
});

const post = (r: ServerProcess, body: object, headers: Record<string, string> = {}) =>
  fetch(r.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const json = async (res: Promise<Response>): Promise<any> => (await res).json();

describe("When one client's requests are spread over three replicas", () => {
  test("then they spend one budget: the request past it is refused whichever replica gets it", async () => {
    // 45 units each (1 on arrival + a cost of 44): two fit in the budget of 100, the third does not.
    const costly = { query: "{ statusCodes(first: 20) { nodes { code } } }" };
    const from = { "x-forwarded-for": "198.51.100.7" }; // not trusted (TRUST_PROXY unset): the socket address counts
    const statuses = [];
    for (const r of replicas) statuses.push((await post(r, costly, from)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe("When a client registers a persisted query with one replica", () => {
  test("then another replica serves it by hash alone", async () => {
    const query = "query Shared { statusCode(code: 503) { reasonPhrase } }";
    const extensions = { persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") } };
    const key = await createKeyAt(uri, "Pat");
    const auth = { authorization: `Bearer ${key}` }; // a key's own budget: the address budget is spent above
    expect((await post(replicas[0], { query, extensions }, auth)).status).toBe(200);
    const byHash = await (await post(replicas[2], { extensions }, auth)).json();
    expect(byHash).toEqual({ data: { statusCode: { reasonPhrase: "Service Unavailable" } }, extensions: { cost: { requestedQueryCost: 2 } } });
  });
});

describe("When an entry is written through one replica", () => {
  test("then subscribers on the other two hear of it, once", async () => {
    const key = await createKeyAt(uri, "Sam", "admin");
    const heard: { replica: number; version: number; at: number }[] = [];
    const clients = [0, 2].map((i) => {
      // With the key: subscribing spends from a budget, and this address's is spent above.
      const connectionParams = { authorization: `Bearer ${key}` };
      const client = createClient({ url: replicas[i].url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams });
      client.subscribe(
        { query: "subscription { statusCodeChanged(codes: [508]) { version } }" },
        { next: (r) => void heard.push({ replica: i, version: (r.data as any).statusCodeChanged.version, at: Date.now() }), error: () => {}, complete: () => {} },
      );
      return client;
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const auth = { authorization: `Bearer ${key}` };
      const v = (await json(post(replicas[1], { query: "{ statusCode(code: 508) { version } }" }, auth))).data.statusCode.version;
      await post(replicas[1], { query: `mutation { updateStatusCode(code: 508, expectedVersion: ${v}, patch: { description: "Looped." }) { version } }` }, auth);
      for (let waited = 0; heard.length < 2 && waited < 15_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300)); // and no second one
      expect(heard.map(({ replica, version }) => ({ replica, version })).sort((x, y) => x.replica - y.replica)).toEqual([
        { replica: 0, version: v + 1 },
        { replica: 2, version: v + 1 },
      ]);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });

  test("then the others serve it before their own poll (a minute away) could have told them", async () => {
    const key = await createKeyAt(uri, "Ada", "admin");
    const auth = { authorization: `Bearer ${key}` };
    const read = { query: "{ statusCode(code: 507) { version description } }" };
    const before = (await json(post(replicas[1], read, auth))).data.statusCode;
    const written = await post(replicas[1], { query: `mutation { updateStatusCode(code: 507, expectedVersion: ${before.version}, patch: { description: "Full." }) { version } }` }, auth);
    expect(((await written.json()) as any).errors).toBeUndefined();
    const wrote = Date.now();
    for (const r of [replicas[0], replicas[2]]) {
      while ((await json(post(r, read, auth))).data.statusCode.version !== before.version + 1) {
        // Well inside the minute of the poll: only the change signal over Redis can have told them.
        if (Date.now() - wrote > 15_000) throw new Error(`replica ${r.url} did not see the write`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  });
});

describe("When Redis goes away", () => {
  test("then every replica still answers, and /readyz says the budgets are per process now", async () => {
    await redis.stop();
    const key = await createKeyAt(uri, "Lee");
    for (const r of replicas) {
      const res = await post(r, { query: "{ statusCode(code: 418) { code } }" }, { authorization: `Bearer ${key}` });
      expect(res.status).toBe(200);
      const ready = await (await fetch(r.url.replace("/graphql", "/readyz"))).json();
      expect(ready).toMatchObject({ status: "ready", redis: "unavailable: rate budgets per process" });
    }
  });
});
