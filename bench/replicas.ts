import { createClient as createSseClient } from "graphql-sse";
import { createClient } from "graphql-ws";
import mongoose from "mongoose";
import WebSocket from "ws";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { startNginx } from "../test/support/nginx";
import { startRedis } from "../test/support/redis-server";
import { type ServerProcess, startServerProcess } from "../test/support/server-process";
import { load, probe, statusCounts } from "./load";

/**
 * Several replicas on one database and one Redis: subscription fan-out (1,000 subscribers
 * spread over three replicas, writes through one of them, over graphql-ws and over SSE) and read throughput of three
 * replicas behind nginx (deploy/nginx.conf, as test/support/nginx.ts renders it) relative to one
 * behind the same nginx. On this 2-core machine three replicas share two cores with the
 * database, nginx and the load generator: the ratio shows what replicas cost here, not what they
 * gain on more cores.
 */
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const WRITES = Number(process.env.BENCH_FANOUT_WRITES ?? 20);
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);

export async function replicasSection(databaseUri: string) {
  const redis = await startRedis();
  const env = {
    MONGODB_URI: databaseUri,
    REDIS_URL: redis.url,
    RATE_LIMIT_BUDGET: "1000000000",
    RATE_LIMIT_KEY_BUDGET: "1000000000",
    MAX_CONNECTIONS_PER_ADDRESS: "1000",
    MAX_SUBSCRIPTIONS_PER_CONNECTION: "10",
    TRUST_PROXY: "1", // nginx in front, as deployed: its connections are a proxy's, not capped per address
    LOG_LEVEL: "warn",
  };
  const replicas: ServerProcess[] = [await startServerProcess(env)];
  replicas.push(await startServerProcess(env), await startServerProcess(env));
  try {
    // --- fan-out: the same subscribers and writes over graphql-ws, then over SSE ------------
    const connection = await mongoose.createConnection(databaseUri).asPromise();
    const { key } = await new ApiKeyService(apiKeyModel(connection)).create("bench", "admin");
    await connection.close();
    const rows = [await fanOut(replicas, key, "graphql-ws"), await fanOut(replicas, key, "sse")];
    console.log(`\nSubscription fan-out: ${SUBSCRIBERS} subscribers over ${replicas.length} replicas, ${WRITES} writes through replica 1, Redis signal.\n`);
    console.log("| transport | events expected | delivered | duplicates or out of order | events/s | delivery p50 ms | delivery p99 ms |");
    console.log("|---|---|---|---|---|---|---|");
    for (const r of rows) console.log(`| ${r.transport} | ${r.expected} | ${r.delivered} | ${r.disordered} | ${r.rate.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`);

    // --- throughput: three replicas against one, behind the same nginx ----------------------
    const requests = [200, 301, 404, 418, 429, 500, 503].map((c) => ({
      method: "POST" as const,
      path: "/graphql",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "query One($c: Int!) { statusCode(code: $c) { code reasonPhrase } }", variables: { c } }),
      expect: 200 as const,
    }));
    const rates: Record<string, number[]> = { one: [], three: [] };
    const answered: Record<string, string[]> = { one: [], three: [] };
    for (let run = 0; run < 2; run += 1) {
      for (const [name, upstreams] of [["one", [replicas[0].url]], ["three", replicas.map((r) => r.url)]] as const) {
        // As Debian's nginx.conf runs it: one worker per core.
        const proxy = await startNginx(upstreams.map((u) => new URL(u).host), { workers: "auto" });
        const label = `${name === "one" ? "one replica" : "three replicas"}, POST lookups`;
        await probe(label, proxy.url, requests);
        const result = await load(label, proxy.url, requests, SECONDS);
        rates[name].push(result.requests.average);
        answered[name].push(statusCounts(result));
        await proxy.stop();
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`\nThree replicas behind nginx (deploy/nginx.conf) against one behind it, POST lookups, 50 connections, 2 × ${SECONDS} s each:\n`);
    console.log("| case | req/s | ratio | statuses per run |");
    console.log("|---|---|---|---|");
    console.log(`| one replica (baseline) | ${mean(rates.one).toFixed(0)} | 1.00 | ${answered.one.join("; ")} |`);
    console.log(`| three replicas | ${mean(rates.three).toFixed(0)} | ${(mean(rates.three) / mean(rates.one)).toFixed(2)} | ${answered.three.join("; ")} |`);
  } finally {
    await Promise.all(replicas.map((r) => r.stop()));
    await redis.stop();
  }
}

const CHANGES = "subscription { statusCodeChanged(codes: [418]) { version } }";

/**
 * SUBSCRIBERS subscriptions spread over the replicas, then WRITES through the first: over
 * graphql-ws 10 subscriptions share a socket; over SSE (distinct connections) each is its own
 * HTTP response. Each subscriber must see every version once, in order.
 */
async function fanOut(replicas: ServerProcess[], key: string, transport: "graphql-ws" | "sse") {
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let disordered = 0;
  const stops: (() => void | Promise<void>)[] = [];
  const onEvent = (last: { version: number }) => (r: { data?: unknown }) => {
    const version = (r.data as { statusCodeChanged: { version: number } }).statusCodeChanged.version;
    if (version <= last.version) disordered += 1;
    last.version = version;
    latencies.push(performance.now() - sentAt.get(version)!);
    delivered += 1;
  };
  const sink = { error: () => {}, complete: () => {} };
  if (transport === "graphql-ws") {
    const perConnection = 10;
    for (let c = 0; c < SUBSCRIBERS / perConnection; c += 1) {
      const client = createClient({ url: replicas[c % replicas.length].url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0 });
      stops.push(() => client.dispose());
      for (let s = 0; s < perConnection; s += 1) client.subscribe({ query: CHANGES }, { next: onEvent({ version: 0 }), ...sink });
    }
  } else {
    const clients = replicas.map((r) => createSseClient({ url: r.url, retryAttempts: 0 }));
    for (const client of clients) stops.push(() => client.dispose());
    for (let s = 0; s < SUBSCRIBERS; s += 1) stops.push(clients[s % clients.length].subscribe({ query: CHANGES }, { next: onEvent({ version: 0 }), ...sink }));
  }
  try {
    await new Promise((r) => setTimeout(r, 2000)); // every subscription registered
    const post = (body: object) =>
      fetch(replicas[0].url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<any>,
      );
    let version = (await post({ query: "{ statusCode(code: 418) { version } }" })).data.statusCode.version;
    const started = performance.now();
    for (let i = 0; i < WRITES; i += 1) {
      sentAt.set(version + 1, performance.now());
      const res = await post({ query: `mutation { updateStatusCode(code: 418, expectedVersion: ${version}, patch: { description: "Write ${i}." }) { version } }` });
      version = res.data.updateStatusCode.version;
    }
    const expected = WRITES * SUBSCRIBERS;
    while (delivered < expected && performance.now() - started < 30_000) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 500)); // nothing more may come
    const sorted = [...latencies].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
    return { transport, expected, delivered, disordered, rate: delivered / elapsed, p50: pct(0.5), p99: pct(0.99) };
  } finally {
    await Promise.all(stops.map((stop) => stop()));
  }
}
