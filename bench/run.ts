import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { startEmbeddedServer } from "../src/db/embedded-server";
import { readsSection } from "./reads";
import { replicasSection } from "./replicas";
import { underAttackSection } from "./under-attack";
import { underFloodsSection } from "./floods";
import { writesSection } from "./writes";
import { tracingSection } from "./tracing";
import { bombsSection } from "./bombs";

/**
 * Compares query shapes in one run, interleaved, and reports medians as ratios to a baseline
 * measured in the same run: absolute times on shared machines mean little.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = 10;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-bench-"));
  const db = await startEmbeddedServer({ dataDir, databaseName: "bench", ferretdbBin: process.env.FERRETDB_BIN });
  // Fastify logs each request's server-side responseTime at info level: the health section reads it.
  const logs: LogLine[] = [];
  // The N+1 case is, on purpose, the shape the limits refuse (95 root aliases): lift them here.
  const unlimited = { RATE_LIMIT_BUDGET: "1000000000", MAX_ALIASES: "10000", MAX_ROOT_FIELDS: "1000", MAX_QUERY_COST: "10000000" };
  const app = await startApp(loadConfig({ MONGODB_URI: db.uri, PORT: "0", LOG_LEVEL: "info", ...unlimited }), {
    logStream: { write: (line) => void logs.push(JSON.parse(line)) },
  });
  try {
    const dbBase = db.uri.replace(/\/bench$/, "");
    if (process.env.BENCH_ONLY === "load") return await readsSection(`${dbBase}/reads`, db.pid);
    if (process.env.BENCH_ONLY === "replicas") return await replicasSection(`${dbBase}/replicas`);
    if (process.env.BENCH_ONLY === "floods") return await underFloodsSection(`${dbBase}/floods`, db.pid);
    if (process.env.BENCH_ONLY === "tracing") return await tracingSection(`${dbBase}/tracing`, db.pid);
    if (process.env.BENCH_ONLY === "bombs") return await bombsSection(`${dbBase}/bombs`, db.pid);
    const post = async (query: string) => {
      const res = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { data: any; errors?: unknown };
      if (body.errors) throw new Error(JSON.stringify(body.errors));
      return body.data;
    };
    const page = await post(`{ statusCodes(first: 60) { nodes { code related { code } } } }`);
    const relatedCodes: number[] = page.statusCodes.nodes.flatMap((n: any) => n.related.map((r: any) => r.code));

    const cases: Record<string, string> = {
      "baseline: page of 60": `{ statusCodes(first: 60) { nodes { code reasonPhrase } } }`,
      "page of 60 + related (from the read model)": `{ statusCodes(first: 60) { nodes { code reasonPhrase related { code reasonPhrase } } } }`,
      "page of 60 + related one by one (N+1 shape)": `{ statusCodes(first: 60) { nodes { code reasonPhrase } } ${relatedCodes
        .map((c, i) => `r${i}: statusCode(code: ${c}) { code reasonPhrase }`)
        .join(" ")} }`,
    };

    const roundTrips: Record<string, number> = {};
    const client = app.connection.getClient();
    for (const [name, query] of Object.entries(cases)) {
      let n = 0;
      const count = () => (n += 1);
      client.on("commandStarted", count);
      await post(query);
      client.off("commandStarted", count);
      roundTrips[name] = n;
    }

    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let round = 0; round < WARMUP + ROUNDS; round += 1) {
      for (const [name, query] of Object.entries(cases)) {
        const start = performance.now();
        await post(query);
        if (round >= WARMUP) samples[name].push(performance.now() - start);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const base = median(Object.values(samples)[0]);
    console.log(`${ROUNDS} interleaved rounds after ${WARMUP} warm-up, database: ${db.kind}\n`);
    console.log("| case | db round trips | median ms | ratio to baseline |");
    console.log("|---|---|---|---|");
    for (const [name, xs] of Object.entries(samples)) {
      console.log(`| ${name} | ${roundTrips[name]} | ${median(xs).toFixed(2)} | ${(median(xs) / base).toFixed(2)} |`);
    }
    console.log(`\n${relatedCodes.length} related entries on the page.`);

    await healthSection(app.url, logs);
    await readsSection(`${dbBase}/reads`, db.pid);
    await underAttackSection(`${dbBase}/attack`, db.pid);
    await bombsSection(`${dbBase}/bombs`, db.pid);
    await underFloodsSection(`${dbBase}/floods`, db.pid);
    await replicasSection(`${dbBase}/replicas`);
    if (process.env.BENCH_ONLY !== "reads") await writesSection();
  } finally {
    await app.stop();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * /healthz and /readyz against a baseline of a bare Node HTTP server in this process: the
 * round-trip ratio shows the framework's overhead, and Fastify's responseTime the server work.
 */
type LogLine = { reqId?: string; responseTime?: number; req?: { url: string } };

async function healthSection(url: string, logs: LogLine[]) {
  const { createServer } = await import("node:http");
  const bare = createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => bare.listen(0, "127.0.0.1", resolve));
  const bareUrl = `http://127.0.0.1:${(bare.address() as { port: number }).port}/`;
  const targets: Record<string, string> = {
    "baseline: bare node:http": bareUrl,
    "/healthz": url.replace("/graphql", "/healthz"),
    "/readyz": url.replace("/graphql", "/readyz"),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
  const rounds = ROUNDS * 10;
  logs.length = 0;
  for (let round = 0; round < WARMUP + rounds; round += 1) {
    for (const [name, target] of Object.entries(targets)) {
      const start = performance.now();
      await (await fetch(target)).text();
      if (round >= WARMUP) samples[name].push(performance.now() - start);
    }
  }
  bare.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // "incoming request" lines carry the url, "request completed" lines the time; reqId joins them.
  const urlOf = new Map(logs.filter((l) => l.req).map((l) => [l.reqId, l.req!.url]));
  const serverMs = (path: string) =>
    median(logs.filter((l) => l.responseTime !== undefined && urlOf.get(l.reqId) === path).map((l) => l.responseTime!));
  const base = median(Object.values(samples)[0]);
  console.log(`\nHealth endpoints, ${rounds} interleaved rounds:\n`);
  console.log("| case | median round trip ms | ratio to baseline | median server ms (Fastify responseTime) |");
  console.log("|---|---|---|---|");
  for (const [name, xs] of Object.entries(samples)) {
    const server = name.startsWith("/") ? serverMs(name).toFixed(3) : "n/a";
    console.log(`| ${name} | ${median(xs).toFixed(3)} | ${(median(xs) / base).toFixed(2)} | ${server} |`);
  }
}
