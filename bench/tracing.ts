import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { join, relative, resolve } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";
import { type ServerProcess, startScriptProcess, startServerProcess } from "../test/support/server-process";
import { load, probe, type Request } from "./load";
import { pin } from "./pin";

/**
 * What tracing costs (BENCH_ONLY=tracing): the same StatusGraph three times, tracing off (no
 * OTLP endpoint: no SDK loaded), on with a parent-based 10 % ratio sampler, and on for every
 * request, each exporting to a sink in this process that answers every OTLP POST at once (the
 * SDK's cost, not a collector's). Cache hits (GET, answered before Fastify) and POST lookups
 * that run, interleaved, BENCH_LOAD_RUNS (4) × BENCH_LOAD_SECONDS (5) per case, the order of
 * the variants rotated from run to run; each server pinned to core 0, the load and the database
 * on core 1. With BENCH_TRACING_BASELINE set to the built dist/src/main.js of another checkout
 * (the commit before tracing, say), that server is measured too, as "baseline": tracing off
 * against the code without it.
 */
const SECONDS = Number(process.env.BENCH_LOAD_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_LOAD_RUNS ?? 4);
const ONE = "{ statusCode(code: 404) { code reasonPhrase description } }";
const BY_VARIABLE = "query One($c: Int!) { statusCode(code: $c) { code reasonPhrase description } }";

/** CPU seconds (user + system) a process has used: /proc/<pid>/stat, in clock ticks of 10 ms. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function tracingSection(databaseUri: string, databasePid: number) {
  let exported = 0;
  const sink = createServer((request, response) => {
    request.on("data", (chunk: Buffer) => (exported += chunk.length));
    request.on("end", () => response.writeHead(200, { "content-type": "application/x-protobuf" }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as { port: number }).port}`;
  const common = { MONGODB_URI: databaseUri, RATE_LIMIT_BUDGET: "1000000000", LOG_LEVEL: "warn" };
  const variants: Record<string, Record<string, string>> = {
    "tracing off": {},
    // The SDK loaded and every request sampled out: what is paid before any span is kept.
    "tracing on, always_off": { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: "always_off" },
    "tracing on, parentbased_traceidratio 0.1": { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: "parentbased_traceidratio", OTEL_TRACES_SAMPLER_ARG: "0.1" },
    "tracing on, every request": { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint },
  };
  const servers: Record<string, ServerProcess> = {};
  try {
    const baseline = process.env.BENCH_TRACING_BASELINE;
    if (baseline) servers.baseline = await startScriptProcess(relative(join(PROJECT_ROOT, "dist"), resolve(baseline)), [], common);
    for (const [name, env] of Object.entries(variants)) servers[name] = await startServerProcess({ ...common, ...env });
    const url = servers["tracing off"].url;
    const codes: number[] = (
      (await (await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ statusCodes(first: 100) { nodes { code } } }" }) })).json()) as any
    ).data.statusCodes.nodes.map((n: { code: number }) => n.code);
    const cases: Record<string, () => Request[]> = {
      "GET `statusCode(code: 404)` (response cache)": () => [{ method: "GET", path: `/graphql?${new URLSearchParams({ query: ONE })}`, expect: 200 }],
      "POST `statusCode(code: $c)`, all codes": () =>
        codes.map((c) => ({ method: "POST", path: "/graphql", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: BY_VARIABLE, variables: { c } }), expect: 200 })),
    };
    const pinned = pin(1, process.pid) && pin(1, databasePid);
    const rps = new Map<string, number[]>();
    // CPU time per request: what the server spent, whatever else the shared machine was doing.
    const cpu = new Map<string, { seconds: number; requests: number }>();
    for (const [server, s] of Object.entries(servers)) {
      for (const [name, requests] of Object.entries(cases)) {
        await probe(`${server}: ${name}`, s.url, requests());
        await load(`${server}: ${name} (warm-up)`, s.url, requests(), 1);
      }
    }
    for (let run = 0; run < RUNS; run += 1) {
      // Each run in another order: no variant is always the first (or last) one measured.
      const entries = Object.entries(servers);
      const order = [...entries.slice(run % entries.length), ...entries.slice(0, run % entries.length)];
      for (const [name, requests] of Object.entries(cases)) {
        for (const [server, s] of order) {
          pin(0, s.pid);
          const before = cpuSeconds(s.pid);
          const result = await load(`${server}: ${name}`, s.url, requests(), SECONDS).catch((error: Error) => {
            throw new Error(`${error.message}\nthe server's last output:\n${s.output().slice(-3000)}`);
          });
          const key = `${name}|${server}`;
          rps.set(key, [...(rps.get(key) ?? []), result.requests.average]);
          const spent = cpu.get(key) ?? { seconds: 0, requests: 0 };
          cpu.set(key, { seconds: spent.seconds + cpuSeconds(s.pid) - before, requests: spent.requests + result.requests.total });
        }
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`\nTracing: ${RUNS} × ${SECONDS} s per case, interleaved; ${pinned ? "each server on core 0, load and database on core 1" : "not pinned (no taskset)"}; ${(exported / 1024 / 1024).toFixed(1)} MiB of OTLP exported.\n`);
    console.log("| case | " + Object.keys(servers).join(" | ") + " |");
    console.log("|---|" + Object.keys(servers).map(() => "---|").join(""));
    const perRequest = (key: string) => (cpu.get(key)!.seconds / cpu.get(key)!.requests) * 1e6;
    for (const name of Object.keys(cases)) {
      const off = mean(rps.get(`${name}|tracing off`)!);
      const offCpu = perRequest(`${name}|tracing off`);
      const cells = Object.keys(servers).map((server) => {
        const r = mean(rps.get(`${name}|${server}`)!);
        const c = perRequest(`${name}|${server}`);
        return server === "tracing off"
          ? `${r.toFixed(0)} req/s, ${c.toFixed(0)} µs CPU/req`
          : `${r.toFixed(0)} req/s (${(r / off).toFixed(2)} ×), ${c.toFixed(0)} µs CPU/req (+${(c - offCpu).toFixed(0)})`;
      });
      console.log(`| ${name} | ${cells.join(" | ")} |`);
    }
  } finally {
    await Promise.all(Object.values(servers).map((s) => s.stop()));
    sink.close();
  }
}
