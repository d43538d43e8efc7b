import "reflect-metadata";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { startEmbeddedServer } from "../src/db/embedded-server";

/**
 * Compares query shapes in one run, interleaved, and reports medians as ratios to a baseline
 * measured in the same run: absolute times on shared machines mean little.
 */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = 10;

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-bench-"));
  const db = await startEmbeddedServer({ dataDir, databaseName: "bench", ferretdbBin: process.env.FERRETDB_BIN });
  const app = await startApp(loadConfig({ MONGODB_URI: db.uri, PORT: "0", LOG_LEVEL: "silent" }));
  try {
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
      "page of 60 + related (DataLoader)": `{ statusCodes(first: 60) { nodes { code reasonPhrase related { code reasonPhrase } } } }`,
      "page of 60 + related one by one (N+1)": `{ statusCodes(first: 60) { nodes { code reasonPhrase } } ${relatedCodes
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
