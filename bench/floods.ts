import { execFile } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { PROJECT_ROOT } from "../src/project-root";
import { createKeyAt } from "../test/support/harness";
import { startServerProcess } from "../test/support/server-process";
import { pin } from "./pin";

/**
 * The floods of test/floods.test.ts and test/bounds-memory.test.ts at bench scale: a normal
 * client's p99 alone and during each flood, and the API's peak RSS. The API runs in a process of
 * its own on core 0 (production config, deadlines shortened so a trickle ends within the
 * phase); the attackers run in a process of their own (test/support/flood.js) on core 1 with
 * this load generator and the database, so their work is never the normal client's.
 */
const PHASE_MS = Number(process.env.BENCH_FLOOD_PHASE_MS ?? 8000);
const NORMAL = JSON.stringify({ query: "{ statusCode(code: 404) { code reasonPhrase } }" });
const FLOOD = join(PROJECT_ROOT, "test", "support", "flood.js");
const addresses = (from: number, n: number) => Array.from({ length: n }, (_, i) => `127.0.0.${from + i}`);

export async function underFloodsSection(databaseUri: string, databasePid: number) {
  const api = await startServerProcess({
    MONGODB_URI: databaseUri,
    LOG_LEVEL: "warn",
    RATE_LIMIT_BUDGET: "1000", // per attacking address: refused subscribes run out of it
    RATE_LIMIT_KEY_BUDGET: "1000000000", // the normal client's and the history readers' keys
    REQUEST_HEADERS_TIMEOUT_MS: "2000",
    REQUEST_TIMEOUT_MS: "4000",
  });
  const port = Number(new URL(api.url).port);
  const normalKey = await createKeyAt(databaseUri, "bench normal client", "reader");
  const readerKeys = await Promise.all(Array.from({ length: 6 }, (_, i) => createKeyAt(databaseUri, `bench reader ${i}`, "reader")));
  const pinned = pin(0, api.pid) && pin(1, process.pid) && pin(1, databasePid);
  const page = `{ statusCodes(first: 60) { edges { node { code history(first: 5) { edges { node { version } } } } } } }`;
  const floods: Record<string, { mode: string; options: Record<string, unknown>; summary: (r: any) => string }> = {
    "slow headers and bodies, 4 addresses × 90 connections": {
      mode: "trickle",
      options: { port, addresses: addresses(2, 4), perAddress: 90 },
      summary: (r: { status: number }[]) => `${r.filter((e) => e.status === 503).length} × 503 at once, ${r.filter((e) => e.status === 408).length} × 408 at the deadline`,
    },
    "refused subscribes, 3 sockets × 3,000 messages": {
      mode: "subscribes",
      options: { port, addresses: addresses(20, 3), messages: 3000 },
      summary: (r: { codes: Record<string, number>; close: number }[]) => r.map((s) => `${JSON.stringify(s.codes)} then ${s.close}`).join("; "),
    },
    "distinct documents, 8 addresses": {
      mode: "distinct",
      options: { port, addresses: addresses(30, 8), ms: PHASE_MS },
      summary: (r: { answers: number; statuses: object }) => `${r.answers} documents, statuses ${JSON.stringify(r.statuses)}`,
    },
    "history pages of 60, 6 keys": {
      mode: "history",
      options: { port, addresses: addresses(40, 6), keys: readerKeys, query: page, ms: PHASE_MS },
      summary: (r: { answers: number; statuses: object; withErrors: number }) => `${r.answers} pages, statuses ${JSON.stringify(r.statuses)}, ${r.withErrors} with errors`,
    },
  };

  const normal = async (until: () => boolean) => {
    const latencies: number[] = [];
    let peakRss = api.rssMiB();
    while (!until()) {
      const start = performance.now();
      const res = await fetch(api.url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${normalKey}` }, body: NORMAL });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the normal client was answered ${res.status}`);
      latencies.push(performance.now() - start);
      peakRss = Math.max(peakRss, api.rssMiB());
    }
    return { latencies, peakRss };
  };
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
  try {
    const deadline = (ms: number) => {
      const end = performance.now() + ms;
      return () => performance.now() >= end;
    };
    await normal(deadline(2000)); // warm-up
    const alone = await normal(deadline(PHASE_MS));
    const base = pct(alone.latencies, 0.99);
    const rows: string[] = [];
    for (const [name, flood] of Object.entries(floods)) {
      let done = false;
      const attack = new Promise<unknown>((resolve, reject) =>
        execFile(process.execPath, [FLOOD, flood.mode, JSON.stringify(flood.options)], { maxBuffer: 1 << 22 }, (error, stdout, stderr) =>
          error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout)),
        ),
      ).finally(() => (done = true));
      const during = await normal(() => done);
      const result = await attack;
      rows.push(`| ${name} | ${during.latencies.length} | ${pct(during.latencies, 0.99).toFixed(1)} | ${(pct(during.latencies, 0.99) / base).toFixed(2)} | ${during.peakRss.toFixed(0)} | ${flood.summary(result)} |`);
    }
    console.log(`\nUnder floods: one normal client (a key, \`statusCode(code: 404)\`) alone, then during each flood from attackers in a process of their own; ${pinned ? "API on core 0, load, attackers and database on core 1" : "not pinned (no taskset)"}.\n`);
    console.log("| flood | normal requests | normal p99 ms | p99 ratio to alone | API peak RSS MiB | what the attackers got |");
    console.log("|---|---|---|---|---|---|");
    console.log(`| none (baseline) | ${alone.latencies.length} | ${base.toFixed(1)} | 1.00 | ${alone.peakRss.toFixed(0)} | — |`);
    for (const row of rows) console.log(row);
  } finally {
    await api.stop();
  }
}
