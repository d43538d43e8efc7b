import { createHash } from "node:crypto";
import { join } from "node:path";
import autocannon from "autocannon";
import { type ServerProcess, startScriptProcess, startServerProcess } from "../test/support/server-process";
import { pin } from "./pin";

/**
 * Reads under load (autocannon, 50 connections), against baselines started in the same run:
 * raw node:http with a fixed body (the ceiling), a bare Apollo Server on Fastify answering from
 * memory, and a bare Apollo + mongoose reading the same database (for single lookups only: a page
 * with related entries, 22 commands each, keeps FerretDB busy for a minute after the load stops,
 * which would skew every case after it). Every server runs in its own
 * process pinned to core 0; autocannon and the database share core 1. Each case runs
 * BENCH_LOAD_RUNS times (default 2), interleaved; the table shows the mean req/s and the worst p99.
 */
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 2);
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const CONNECTIONS = 50;

const ONE = "{ statusCode(code: 404) { code reasonPhrase description } }";
const BY_VARIABLE = "query One($c: Int!) { statusCode(code: $c) { code reasonPhrase description } }";
const PAGE = "{ statusCodes(first: 20) { totalCount nodes { code reasonPhrase related { code reasonPhrase } } } }";

type Request = { method: "GET" | "POST"; path: string; headers?: Record<string, string>; body?: string };
interface Case {
  name: string;
  server: string;
  requests: () => Request[];
  /** The case whose req/s this one is compared with, and the target ratio. */
  against?: string;
  target?: number;
}
interface Outcome {
  rps: number[];
  p50: number[];
  p99: number[];
  non2xx: number;
  rss: number;
}

const post = (query: string, variables?: object): Request => ({
  method: "POST",
  path: "/graphql",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query, variables }),
});
const get = (params: Record<string, string>, headers: Record<string, string> = {}): Request => ({
  method: "GET",
  path: `/graphql?${new URLSearchParams(params)}`,
  headers,
});

export async function readsSection(databaseUri: string, databasePid: number) {
  const servers: Record<string, ServerProcess> = {};
  try {
    servers.statusgraph = await startServerProcess({ MONGODB_URI: databaseUri, RATE_LIMIT_BUDGET: "1000000000", LOG_LEVEL: "warn" });
    const sg = servers.statusgraph.url;
    const oneUrl = `${sg}?query=${encodeURIComponent(ONE)}`;
    const first = await fetch(oneUrl);
    const body = await first.text();
    const etag = first.headers.get("etag")!;
    const codes: number[] = ((await (await fetch(sg, post("{ statusCodes(first: 100) { nodes { code } } }") as RequestInit)).json()) as any).data.statusCodes.nodes.map(
      (n: { code: number }) => n.code,
    );
    const apq = { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(ONE).digest("hex") } }) };
    await fetch(`${sg}?${new URLSearchParams({ query: ONE, ...apq })}`); // registers the hash, as an APQ link's retry does

    servers.raw = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["node"], { BODY: body });
    servers.fastify = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["fastify"], { BODY: body });
    servers.memory = await startScriptProcess(join("bench", "servers", "bare-apollo.js"), ["memory"]);
    servers.mongoose = await startScriptProcess(join("bench", "servers", "bare-apollo.js"), ["mongoose"], { MONGODB_URI: databaseUri });
    const pinned = Object.values(servers).every((s) => pin(0, s.pid)) && pin(1, process.pid) && pin(1, databasePid);

    const varying = (query: string) => () => codes.map((c) => post(query, { c }));
    const cases: Case[] = [
      { name: "raw node:http, fixed body (ceiling)", server: "raw", requests: () => [get({ query: ONE })] },
      { name: "bare Fastify, fixed body (the framework alone)", server: "fastify", requests: () => [get({ query: ONE })], against: "raw node:http, fixed body (ceiling)" },
      { name: "StatusGraph GET `statusCode(code: 404)` (response cache)", server: "statusgraph", requests: () => [get({ query: ONE })], against: "raw node:http, fixed body (ceiling)", target: 0.65 },
      { name: "StatusGraph GET persisted query, hash only (response cache)", server: "statusgraph", requests: () => [get(apq)], against: "raw node:http, fixed body (ceiling)", target: 0.65 },
      { name: "StatusGraph GET + If-None-Match (304)", server: "statusgraph", requests: () => [get({ query: ONE }, { "if-none-match": etag })], against: "raw node:http, fixed body (ceiling)", target: 0.8 },
      { name: "bare Apollo from memory, POST `statusCode(code: $c)`, all codes", server: "memory", requests: varying(BY_VARIABLE) },
      { name: "StatusGraph POST `statusCode(code: $c)`, all codes (no response cache)", server: "statusgraph", requests: varying(BY_VARIABLE), against: "bare Apollo from memory, POST `statusCode(code: $c)`, all codes", target: 0.9 },
      { name: "bare Apollo + mongoose, POST `statusCode(code: $c)`, all codes", server: "mongoose", requests: varying(BY_VARIABLE), against: "bare Apollo from memory, POST `statusCode(code: $c)`, all codes" },
      { name: "bare Apollo from memory, POST page of 20 + related + totalCount", server: "memory", requests: () => [post(PAGE)] },
      { name: "StatusGraph POST page of 20 + related + totalCount", server: "statusgraph", requests: () => [post(PAGE)], against: "bare Apollo from memory, POST page of 20 + related + totalCount", target: 0.9 },
    ];

    // Every case must be answering what it claims to measure: no errors in its first response.
    for (const c of cases) {
      const [r] = c.requests();
      const res = await fetch(`${new URL(servers[c.server].url).origin}${r.path}`, { method: r.method, headers: r.headers, body: r.body });
      const text = await res.text();
      if (![200, 304].includes(res.status) || text.includes('"errors"')) throw new Error(`${c.name}: ${res.status} ${text.slice(0, 300)}`);
    }
    const outcomes = new Map<string, Outcome>(cases.map((c) => [c.name, { rps: [], p50: [], p99: [], non2xx: 0, rss: 0 }]));
    // The database-bound baseline goes last in each run, and the database is let drain after
    // it: FerretDB (on the load generator's core) works off its backlog long after the load stops.
    const order = [...cases.filter((c) => c.server !== "mongoose"), ...cases.filter((c) => c.server === "mongoose")];
    for (const c of order) {
      await load(servers[c.server].url, c.requests(), 1); // warm-up
      if (c.server === "mongoose") await drain(servers.mongoose.url);
    }
    for (let run = 0; run < RUNS; run += 1) {
      for (const c of order) {
        const result = await load(servers[c.server].url, c.requests(), SECONDS);
        if (c.server === "mongoose") await drain(servers.mongoose.url);
        const o = outcomes.get(c.name)!;
        o.rps.push(result.requests.average);
        o.p50.push(result.latency.p50);
        o.p99.push(result.latency.p99);
        o.non2xx += result.non2xx;
        o.rss = Math.max(o.rss, servers[c.server].rssMiB());
      }
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`\nReads under load: autocannon, ${CONNECTIONS} connections, ${RUNS} × ${SECONDS} s per case, interleaved; ${pinned ? "servers on core 0, load and database on core 1" : "not pinned (no taskset)"}.\n`);
    console.log("| case | req/s | p50 ms | p99 ms (worst run) | non-2xx | server RSS MiB | ratio | target |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const c of cases) {
      const o = outcomes.get(c.name)!;
      const ratio = c.against ? mean(o.rps) / mean(outcomes.get(c.against)!.rps) : undefined;
      const vs = c.against ? ` × ${c.against.split(",")[0]}` : "";
      const target = c.target ? `≥ ${c.target} ${ratio! >= c.target ? "met" : "missed"}` : "—";
      console.log(
        `| ${c.name} | ${mean(o.rps).toFixed(0)} | ${mean(o.p50).toFixed(1)} | ${Math.max(...o.p99).toFixed(1)} | ${o.non2xx} | ${o.rss.toFixed(0)} | ${ratio ? ratio.toFixed(2) + vs : "baseline"} | ${target} |`,
      );
    }

    // Mixed load for two periods: memory must settle in the first and stay flat in the second.
    const mixed = [get({ query: ONE }), get(apq), get({ query: ONE }, { "if-none-match": etag }), ...varying(BY_VARIABLE)().slice(0, 20), post(PAGE)];
    const rss: number[] = [];
    for (let period = 0; period < 2; period += 1) {
      const result = await load(sg, mixed, MIXED_SECONDS);
      rss.push(servers.statusgraph.rssMiB());
      console.log(`\nMixed load, period ${period + 1} (${MIXED_SECONDS} s): ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}, StatusGraph RSS ${rss[period].toFixed(0)} MiB`);
    }
    console.log(`RSS after the second period: ${rss[1].toFixed(0)} MiB (target ≤ 150), change over it ${(rss[1] - rss[0]).toFixed(1)} MiB.`);
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
  }
}

/** Waits until the database answers a single read quickly again (at most 60 s). */
async function drain(url: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const start = Date.now();
    await (await fetch(url, post(ONE) as RequestInit)).arrayBuffer();
    if (Date.now() - start < 50) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function load(url: string, requests: Request[], seconds: number) {
  const origin = new URL(url).origin;
  return autocannon({ url: origin, connections: CONNECTIONS, duration: seconds, requests });
}
