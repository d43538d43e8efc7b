import { performance } from "node:perf_hooks";
import { startServerProcess } from "../test/support/server-process";
import { pin } from "./pin";

/**
 * Normal query latency alone and while one client sends the hostile shapes of
 * test/hostile.test.ts in a loop, phases interleaved (alone, attack, alone, attack). The API
 * runs in a process of its own pinned to core 0; this load generator and the database to
 * core 1, where `taskset` exists.
 */
const PHASE_MS = Number(process.env.BENCH_ATTACK_PHASE_MS ?? 8000);
const NORMAL_CONCURRENCY = 4;
const ATTACK_CONCURRENCY = 2;
const NORMAL = "{ statusCode(code: 404) { code reasonPhrase description } }";

const fragmentFanOut = () => {
  const fragments = ["fragment L0 on StatusCode { code }"];
  for (let level = 1; level <= 6; level += 1) {
    const spreads = Array.from({ length: 4 }, (_, i) => `a${i}: related { ...L${level - 1} } b${i}: related { ...L${level - 1} }`);
    fragments.push(`fragment L${level} on StatusCode { ${spreads.join(" ")} }`);
  }
  return `{ statusCodes(first: 100) { nodes { ...L6 } } } ${fragments.join(" ")}`;
};
const HOSTILE = [
  fragmentFanOut(),
  `{ statusCode(code: 404) { ${"code ".repeat(50_000)} } }`,
  `{ ${"__typename ".repeat(90_000)}}`,
  `{ ${Array.from({ length: 100 }, (_, i) => `p${i}: statusCodes(first: 100) { nodes { code related { code } } }`).join(" ")} }`,
  `{ statusCodes(first: 100) { nodes { code related { code related { code } } } } }`,
  `{ statusCode(code: 404) { ...F0 } } ${Array.from({ length: 40 }, (_, i) => `fragment F${i} on StatusCode { ...F${i + 1} ...F${i + 1} }`).join(" ")} fragment F40 on StatusCode { code }`,
].map((query) => JSON.stringify({ query }));

export async function underAttackSection(databaseUri: string, databasePid: number) {
  // Budgets lifted: the normal clients now get far more done per minute than the default budget allows.
  const api = await startServerProcess({ MONGODB_URI: databaseUri, LOG_LEVEL: "warn", TRUST_PROXY: "1", RATE_LIMIT_BUDGET: "100000000" });
  const { url } = api;
  const pinned = pin(0, api.pid) && pin(1, process.pid) && pin(1, databasePid);
  const rss = () => api.rssMiB();

  // graphql-response+json: a refusal is then a 400, not a 200 with errors.
  const send = async (body: string, from: string) => {
    const headers = { "content-type": "application/json", accept: "application/graphql-response+json", "x-forwarded-for": from };
    const res = await fetch(url, { method: "POST", headers, body });
    await res.arrayBuffer();
    return res.status;
  };
  const normalBody = JSON.stringify({ query: NORMAL });
  const phase = async (attack: boolean) => {
    const deadline = performance.now() + PHASE_MS;
    const latencies: number[] = [];
    let refused = 0;
    let peakRss = rss();
    const normal = async (i: number) => {
      while (performance.now() < deadline) {
        const start = performance.now();
        const status = await send(normalBody, `192.0.2.${i + 1}`);
        if (status !== 200) throw new Error(`normal query answered ${status}`);
        latencies.push(performance.now() - start);
      }
    };
    const attacker = async (i: number) => {
      for (let n = 0; performance.now() < deadline; n += 1) {
        if ((await send(HOSTILE[n % HOSTILE.length], "203.0.113.66")) === 400) refused += 1;
        if (i === 0) peakRss = Math.max(peakRss, rss());
      }
    };
    await Promise.all([
      ...Array.from({ length: NORMAL_CONCURRENCY }, (_, i) => normal(i)),
      ...(attack ? Array.from({ length: ATTACK_CONCURRENCY }, (_, i) => attacker(i)) : []),
    ]);
    return { latencies, refused, peakRss };
  };

  try {
    await phase(false); // warm-up
    const alone: number[] = [];
    const attacked: number[] = [];
    let refused = 0;
    let peakRss = 0;
    for (let round = 0; round < 2; round += 1) {
      alone.push(...(await phase(false)).latencies);
      const a = await phase(true);
      attacked.push(...a.latencies);
      refused += a.refused;
      peakRss = Math.max(peakRss, a.peakRss);
    }
    const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
    console.log(`\nUnder attack: ${NORMAL_CONCURRENCY} normal clients (\`${NORMAL}\`), alone and with ${ATTACK_CONCURRENCY} attackers`);
    console.log(`looping over ${HOSTILE.length} hostile shapes; 2 × ${PHASE_MS / 1000} s per phase, interleaved; ${pinned ? "API on core 0, load and database on core 1" : "not pinned (no taskset)"}.\n`);
    console.log("| case | normal requests | p50 ms | p99 ms | p99 ratio to alone | hostile refused | API peak RSS MiB |");
    console.log("|---|---|---|---|---|---|---|");
    const base = pct(alone, 0.99);
    console.log(`| baseline: normal alone | ${alone.length} | ${pct(alone, 0.5).toFixed(1)} | ${base.toFixed(1)} | 1.00 | — | — |`);
    console.log(
      `| normal under attack | ${attacked.length} | ${pct(attacked, 0.5).toFixed(1)} | ${pct(attacked, 0.99).toFixed(1)} | ${(pct(attacked, 0.99) / base).toFixed(2)} | ${refused} | ${peakRss.toFixed(0)} |`,
    );
  } finally {
    await api.stop();
  }
}
