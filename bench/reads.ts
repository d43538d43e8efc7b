import { createHash } from "node:crypto";
import { join } from "node:path";
import { type ServerProcess, startScriptProcess, startServerProcess } from "../test/support/server-process";
import { CONNECTIONS, load, probe, type Request, statusCounts } from "./load";
import { pin } from "./pin";

/**
 * Reads under load (autocannon, 50 connections), against baselines started in the same run:
 * raw node:http with a fixed body (the ceiling), bare Fastify with the same body, mercurius +
 * graphql-jit and a bare Apollo Server on Fastify both executing every query from memory, and a
 * bare Apollo + mongoose reading the same database (for single lookups only: a page with related
 * entries, 22 commands each, keeps FerretDB busy for a minute after the load stops, which would
 * skew every case after it). Every server runs in its own process pinned to core 0; autocannon
 * and the database share core 1. Each case runs BENCH_LOAD_RUNS times (default 2) for
 * BENCH_LOAD_SECONDS (default 5), interleaved; the table shows the mean req/s and the worst p99.
 * Each case is probed before it is measured and its status codes counted while it is (load.ts):
 * a case answered with anything but what it expects stops the bench. Then mixed load for
 * BENCH_MIXED_PERIODS (3) × BENCH_MIXED_SECONDS (60), with StatusGraph's RSS after each period.
 */
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 2);
const MIXED_SECONDS = Number(process.env.BENCH_MIXED_SECONDS ?? 60);
const MIXED_PERIODS = Number(process.env.BENCH_MIXED_PERIODS ?? 3);

const ONE = "{ statusCode(code: 404) { code reasonPhrase description } }";
const BY_VARIABLE = "query One($c: Int!) { statusCode(code: $c) { code reasonPhrase description } }";
const PAGE = "{ statusCodes(first: 20) { totalCount nodes { code reasonPhrase related { code reasonPhrase } } } }";

/** A comparison with another case in the same run: req/s at least, or p99 at most, `target` × its. */
type Target = { against: string; of: "rps" | "p99"; target?: number };
interface Case {
  name: string;
  server: string;
  requests: () => Request[];
  targets?: Target[];
}
interface Outcome {
  rps: number[];
  p50: number[];
  p99: number[];
  statuses: Map<string, number>;
  rss: number;
}

const post = (query: string, variables?: object): Request => ({
  method: "POST",
  path: "/graphql",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ query, variables }),
  expect: 200,
});
/** QUERY (draft-ietf-httpbis-safe-method-w-body): a POST's body, cached like a GET. */
const query = (text: string, variables?: object, headers: Record<string, string> = {}, expect: Request["expect"] = 200): Request => ({
  method: "QUERY",
  path: "/graphql",
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ query: text, variables }),
  expect,
});
const get = (params: Record<string, string>, headers: Record<string, string> = {}, expect: Request["expect"] = 200): Request => ({
  method: "GET",
  path: `/graphql?${new URLSearchParams(params)}`,
  headers,
  expect,
});

const RAW = "raw node:http, fixed body (ceiling)";
const SAME_BYTES = "raw node:http, the bytes of a StatusGraph hit (headers and body)";
const SAME_304 = "raw node:http, the bytes of a StatusGraph 304";
const FASTIFY = "bare Fastify, fixed body (the framework alone)";
const MERCURIUS_ONE = "mercurius + graphql-jit from memory, GET `statusCode(code: 404)` (executed every time)";
const APOLLO_BY_CODE = "bare Apollo from memory, POST `statusCode(code: $c)`, all codes";
const MERCURIUS_BY_CODE = "mercurius + graphql-jit from memory, POST `statusCode(code: $c)`, all codes";
const APOLLO_PAGE = "bare Apollo from memory, POST page of 20 + related + totalCount";
const MERCURIUS_PAGE = "mercurius + graphql-jit from memory, POST page of 20 + related + totalCount";

export async function readsSection(databaseUri: string, databasePid: number) {
  const servers: Record<string, ServerProcess> = {};
  try {
    servers.statusgraph = await startServerProcess({ MONGODB_URI: databaseUri, RATE_LIMIT_BUDGET: "1000000000", LOG_LEVEL: "warn" });
    const sg = servers.statusgraph.url;
    const first = await fetch(`${sg}?query=${encodeURIComponent(ONE)}`);
    const body = await first.text();
    // Taken from a fetch (Accept: */*) and sent by autocannon (no Accept): one representation, one tag.
    const etag = first.headers.get("etag")!;
    const codes: number[] = ((await (await fetch(sg, post("{ statusCodes(first: 100) { nodes { code } } }") as RequestInit)).json()) as any).data.statusCodes.nodes.map(
      (n: { code: number }) => n.code,
    );
    const apq = { extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: createHash("sha256").update(ONE).digest("hex") } }) };
    await fetch(`${sg}?${new URLSearchParams({ query: ONE, ...apq })}`); // registers the hash, as an APQ link's retry does

    servers.raw = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["node"], { BODY: body });
    servers.fastify = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["fastify"], { BODY: body });
    // The limit for the hit's own response on this runtime: its headers and body, byte for byte.
    const hitHeaders = JSON.stringify([...first.headers]);
    servers.sameBytes = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["node"], { BODY: body, HEADERS: hitHeaders });
    const notModified = await fetch(`${sg}?query=${encodeURIComponent(ONE)}`, { headers: { "if-none-match": etag } });
    servers.same304 = await startScriptProcess(join("bench", "servers", "raw-http.js"), ["node"], { HEADERS: JSON.stringify([...notModified.headers]), STATUS: "304" });
    servers.memory = await startScriptProcess(join("bench", "servers", "bare-apollo.js"), ["memory"]);
    servers.mercurius = await startScriptProcess(join("bench", "servers", "mercurius-jit.js"));
    servers.mongoose = await startScriptProcess(join("bench", "servers", "bare-apollo.js"), ["mongoose"], { MONGODB_URI: databaseUri });
    const pinned = Object.values(servers).every((s) => pin(0, s.pid)) && pin(1, process.pid) && pin(1, databasePid);

    const varying = (query: string) => () => codes.map((c) => post(query, { c }));
    const rps = (against: string, target?: number): Target => ({ against, of: "rps", target });
    const cases: Case[] = [
      { name: RAW, server: "raw", requests: () => [get({ query: ONE })] },
      { name: SAME_BYTES, server: "sameBytes", requests: () => [get({ query: ONE })], targets: [rps(RAW)] },
      { name: SAME_304, server: "same304", requests: () => [get({ query: ONE }, {}, 304)], targets: [rps(RAW)] },
      { name: FASTIFY, server: "fastify", requests: () => [get({ query: ONE })], targets: [rps(RAW)] },
      { name: MERCURIUS_ONE, server: "mercurius", requests: () => [get({ query: ONE })], targets: [rps(RAW)] },
      {
        name: "StatusGraph GET `statusCode(code: 404)` (response cache)",
        server: "statusgraph",
        requests: () => [get({ query: ONE })],
        targets: [rps(SAME_BYTES, 0.8), rps(MERCURIUS_ONE, 1.2), { against: FASTIFY, of: "p99", target: 2 }],
      },
      { name: "StatusGraph GET persisted query, hash only (response cache)", server: "statusgraph", requests: () => [get(apq)], targets: [rps(SAME_BYTES, 0.8)] },
      { name: "StatusGraph GET + If-None-Match (304)", server: "statusgraph", requests: () => [get({ query: ONE }, { "if-none-match": etag }, 304)], targets: [rps(SAME_304, 0.8)] },
      { name: APOLLO_BY_CODE, server: "memory", requests: varying(BY_VARIABLE) },
      { name: MERCURIUS_BY_CODE, server: "mercurius", requests: varying(BY_VARIABLE), targets: [rps(APOLLO_BY_CODE)] },
      { name: "StatusGraph POST `statusCode(code: $c)`, all codes", server: "statusgraph", requests: varying(BY_VARIABLE), targets: [rps(MERCURIUS_BY_CODE, 1.0), rps(APOLLO_BY_CODE)] },
      {
        name: "StatusGraph QUERY `statusCode(code: $c)`, all codes (response cache, as a GET)",
        server: "statusgraph",
        requests: () => codes.map((c) => query(BY_VARIABLE, { c })),
        targets: [rps("StatusGraph POST `statusCode(code: $c)`, all codes"), rps(MERCURIUS_BY_CODE)],
      },
      { name: "bare Apollo + mongoose, POST `statusCode(code: $c)`, all codes", server: "mongoose", requests: varying(BY_VARIABLE), targets: [rps(APOLLO_BY_CODE)] },
      { name: APOLLO_PAGE, server: "memory", requests: () => [post(PAGE)] },
      { name: MERCURIUS_PAGE, server: "mercurius", requests: () => [post(PAGE)], targets: [rps(APOLLO_PAGE)] },
      { name: "StatusGraph POST page of 20 + related + totalCount", server: "statusgraph", requests: () => [post(PAGE)], targets: [rps(APOLLO_PAGE, 1.0), rps(MERCURIUS_PAGE)] },
    ];

    // Every case must be answering what it claims to measure, each of its requests checked.
    for (const c of cases) await probe(c.name, servers[c.server].url, c.requests());
    const outcomes = new Map<string, Outcome>(cases.map((c) => [c.name, { rps: [], p50: [], p99: [], statuses: new Map(), rss: 0 }]));
    // The database-bound baseline goes last in each run, and the database is let drain after
    // it: FerretDB (on the load generator's core) works off its backlog long after the load stops.
    const order = [...cases.filter((c) => c.server !== "mongoose"), ...cases.filter((c) => c.server === "mongoose")];
    for (const c of order) {
      await load(`${c.name} (warm-up)`, servers[c.server].url, c.requests(), 1);
      if (c.server === "mongoose") await drain(servers.mongoose.url);
    }
    for (let run = 0; run < RUNS; run += 1) {
      for (const c of order) {
        const result = await load(c.name, servers[c.server].url, c.requests(), SECONDS);
        if (c.server === "mongoose") await drain(servers.mongoose.url);
        const o = outcomes.get(c.name)!;
        o.rps.push(result.requests.average);
        o.p50.push(result.latency.p50);
        o.p99.push(result.latency.p99);
        for (const [status, s] of Object.entries(result.statusCodeStats ?? {})) o.statuses.set(status, (o.statuses.get(status) ?? 0) + (s.count ?? 0));
        o.rss = Math.max(o.rss, servers[c.server].rssMiB());
      }
    }

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const short = (name: string) => name.split(/,| GET| POST/)[0];
    console.log(
      `\nReads under load: autocannon, ${CONNECTIONS} connections, ${RUNS} × ${SECONDS} s per case, interleaved; ${pinned ? "servers on core 0, load and database on core 1" : "not pinned (no taskset)"}. Every answer of every case had the status the case expects (else the bench stops).\n`,
    );
    console.log("| case | req/s | p50 ms | p99 ms (worst run) | statuses | server RSS MiB | ratios | targets |");
    console.log("|---|---|---|---|---|---|---|---|");
    for (const c of cases) {
      const o = outcomes.get(c.name)!;
      const ratios: string[] = [];
      const targets: string[] = [];
      for (const t of c.targets ?? []) {
        const other = outcomes.get(t.against)!;
        const ratio = t.of === "rps" ? mean(o.rps) / mean(other.rps) : Math.max(...o.p99) / Math.max(...other.p99);
        const label = `${t.of === "p99" ? "p99 " : ""}${ratio.toFixed(2)} × ${short(t.against)}`;
        ratios.push(label);
        if (t.target !== undefined) {
          const met = t.of === "rps" ? ratio >= t.target : ratio <= t.target;
          targets.push(`${t.of === "rps" ? "≥" : "p99 ≤"} ${t.target} × ${short(t.against)} ${met ? "met" : "missed"}`);
        }
      }
      const statuses = [...o.statuses].map(([s, n]) => `${s}: ${n}`).join(", ");
      console.log(
        `| ${c.name} | ${mean(o.rps).toFixed(0)} | ${mean(o.p50).toFixed(1)} | ${Math.max(...o.p99).toFixed(1)} | ${statuses} | ${o.rss.toFixed(0)} | ${ratios.join("; ") || "baseline"} | ${targets.join("; ") || "—"} |`,
      );
    }

    // Mixed load in periods: memory must settle in the first and stay flat after it.
    const mixed = [get({ query: ONE }), get(apq), get({ query: ONE }, { "if-none-match": etag }, 304), ...varying(BY_VARIABLE)().slice(0, 20), post(PAGE)];
    await probe("mixed load", sg, mixed);
    const rss: number[] = [];
    for (let period = 0; period < MIXED_PERIODS; period += 1) {
      const result = await load(`mixed load, period ${period + 1}`, sg, mixed, MIXED_SECONDS);
      rss.push(servers.statusgraph.rssMiB());
      console.log(
        `\nMixed load, period ${period + 1} (${MIXED_SECONDS} s): ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, statuses ${statusCounts(result)}, StatusGraph RSS ${rss[period].toFixed(0)} MiB`,
      );
    }
    const last = rss[rss.length - 1];
    const growth = rss.length > 1 ? `, change over the last period ${(last - rss[rss.length - 2]).toFixed(1)} MiB (target ≤ 10)` : "";
    console.log(`RSS after ${MIXED_PERIODS} periods: ${last.toFixed(0)} MiB (target ≤ 160)${growth}.`);
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
