import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { connectDatabase } from "../src/db/connect";
import { type EmbeddedServer, freePort, startEmbeddedServer } from "../src/db/embedded-server";
import { type ServerProcess, startServerProcess } from "../test/support/server-process";

/**
 * The write path, measured two ways:
 * - cost: updateStatusCode over HTTP against a bare mongoose updateOne + history insert loop on
 *   the same database, both with 10 concurrent writers, interleaved;
 * - soak: 3 API processes on one database, 20 curators doing read-modify-write cycles with
 *   retries, once without faults and once with the database SIGKILLed and restarted twice;
 *   then every acknowledged write is looked up in history, and entry and history compared.
 */
const COST_MS = Number(process.env.BENCH_WRITE_MS ?? 5000);
const CURATORS = 20;
// 50 cycles keep `npm run bench` within minutes on FerretDB; BENCH_SOAK_CYCLES=200 is the full soak.
const CYCLES = Number(process.env.BENCH_SOAK_CYCLES ?? 50);
const SOAK_CODES = [200, 201, 202, 203, 204, 205, 206, 207, 208, 226];
const COST_CODES = [300, 301, 302, 303, 304, 305, 307, 308, 400, 401];
const BARE_CODES = [500, 501, 502, 503, 504, 505, 506, 507, 508, 510];

/** An API process on that database, with the budgets lifted: the bench is its only client. */
const startApi = (uri: string) =>
  startServerProcess({ MONGODB_URI: uri, LOG_LEVEL: "silent", RATE_LIMIT_KEY_BUDGET: "1000000000", MONGODB_SERVER_SELECTION_TIMEOUT_MS: "1000" });

async function adminKey(uri: string) {
  const connection = await connectDatabase(uri, { serverSelectionTimeoutMs: 2000 });
  try {
    return (await new ApiKeyService(apiKeyModel(connection)).create("bench", "admin")).key;
  } finally {
    await connection.close();
  }
}

type Gql = { status: number; body?: { data?: any; errors?: { extensions: { code: string; httpStatus?: number; currentVersion?: number } }[] } };

async function gql(url: string, key: string, query: string): Promise<Gql> {
  try {
    const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${key}` }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as Gql["body"] };
  } catch {
    return { status: 0 }; // the API or the database went away mid-request
  }
}

export async function writesSection() {
  const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-bench-writes-"));
  const port = await freePort();
  let db: EmbeddedServer = await startEmbeddedServer({ dataDir, databaseName: "writes", ferretdbBin: process.env.FERRETDB_BIN, port });
  const apis: ServerProcess[] = [];
  try {
    apis.push(await startApi(db.uri));
    const key = await adminKey(db.uri);
    await costCase(db.uri, apis[0].url, key);
    apis.push(await startApi(db.uri), await startApi(db.uri));
    const calm = await soak(apis, key, async () => {});
    const faulty = await soak(apis, key, async (elapsedShare) => {
      if (elapsedShare === 1 || elapsedShare === 2) {
        await db.stop("SIGKILL");
        await new Promise((r) => setTimeout(r, 1000));
        db = await startEmbeddedServer({ dataDir, databaseName: "writes", ferretdbBin: process.env.FERRETDB_BIN, port });
      }
    });
    const { lost, mismatches } = await verify(db.uri, [...calm.acknowledged, ...faulty.acknowledged]);
    console.log(`\nSoak: 3 API processes, ${CURATORS} curators × ${CYCLES} read-modify-write cycles on ${SOAK_CODES.length} entries (retry on 412, 503, 504 and dropped connections):\n`);
    console.log("| run | acknowledged writes | writes/s | ratio to no faults | 412 retries | 5xx by status | dropped |");
    console.log("|---|---|---|---|---|---|---|");
    for (const [name, r] of [["no faults", calm], ["database SIGKILLed and restarted twice", faulty]] as const) {
      const rate = r.acknowledged.length / r.seconds;
      console.log(`| ${name} | ${r.acknowledged.length} | ${rate.toFixed(0)} | ${(rate / (calm.acknowledged.length / calm.seconds)).toFixed(2)} | ${r.conflicts} | ${JSON.stringify(r.fiveXX)} | ${r.dropped} |`);
    }
    console.log(`\nLost acknowledged writes: ${lost}. Entry/history mismatches: ${mismatches}.`);
  } finally {
    for (const api of apis) await api.stop();
    await db.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** updateStatusCode against the bare loop it is built from, 10 writers each, alternating. */
async function costCase(uri: string, url: string, key: string) {
  // The baseline updates the same collection the API does (other entries), so both pay the
  // same storage costs (FerretDB scans a collection for any filter but _id); its history
  // inserts go to a collection of their own, which the API's recovery must not read.
  const connection = await connectDatabase(uri, { serverSelectionTimeoutMs: 2000 });
  const entries = connection.collection("status_codes");
  const history = connection.collection("bench_history");
  const versions = new Map<number, number>();
  let bareWrites = 0;
  const bare = async (deadline: number, worker: number) => {
    let n = 0;
    const code = BARE_CODES[worker];
    for (; performance.now() < deadline; n += 1) {
      const version = (bareWrites += 1);
      await entries.updateOne({ code }, { $set: { description: `bare ${version}` }, $inc: { version: 1 } });
      await history.insertOne({ code, version, at: new Date(), snapshot: { description: `bare ${version}` } });
    }
    return n;
  };
  const api = async (deadline: number, worker: number) => {
    const code = COST_CODES[worker]; // each writer its own entry: this measures cost, not contention
    let n = 0;
    for (; performance.now() < deadline; n += 1) {
      const version = versions.get(code) ?? (await gql(url, key, `{ statusCode(code: ${code}) { version } }`)).body!.data.statusCode.version;
      const res = await gql(url, key, `mutation { updateStatusCode(code: ${code}, expectedVersion: ${version}, patch: { description: "api ${n}" }) { version } }`);
      versions.set(code, res.body!.data.updateStatusCode.version);
    }
    return n;
  };
  const rates: Record<string, number[]> = { bare: [], api: [] };
  for (let round = 0; round < 2; round += 1) {
    for (const [name, fn] of [["bare", bare], ["api", api]] as const) {
      const start = performance.now();
      const counts = await Promise.all(Array.from({ length: 10 }, (_, w) => fn(start + COST_MS, w)));
      rates[name].push(counts.reduce((a, b) => a + b, 0) / ((performance.now() - start) / 1000));
    }
  }
  await connection.close();
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\nWrite cost: 10 concurrent writers, 2 × ${COST_MS / 1000} s each, alternating:\n`);
  console.log("| case | writes/s | ratio to baseline |");
  console.log("|---|---|---|");
  console.log(`| baseline: bare updateOne + history insert on the same collections | ${mean(rates.bare).toFixed(0)} | 1.00 |`);
  console.log(`| updateStatusCode over HTTP (claim, apply, check, revision bump) | ${mean(rates.api).toFixed(0)} | ${(mean(rates.api) / mean(rates.bare)).toFixed(2)} |`);
}

interface SoakResult {
  acknowledged: { code: number; version: number; description: string }[];
  conflicts: number;
  fiveXX: Record<number, number>;
  dropped: number;
  seconds: number;
}

/** CURATORS × CYCLES read-modify-write cycles spread over the replicas; `fault(k)` runs at each third. */
async function soak(apis: ServerProcess[], key: string, fault: (third: number) => Promise<void>): Promise<SoakResult> {
  const result: SoakResult = { acknowledged: [], conflicts: 0, fiveXX: {}, dropped: 0, seconds: 0 };
  const total = CURATORS * CYCLES;
  let done = 0;
  let nextFault = 1;
  let faulting: Promise<void> = Promise.resolve();
  const start = performance.now();
  const curator = async (c: number) => {
    for (let cycle = 0; cycle < CYCLES; cycle += 1) {
      const code = SOAK_CODES[(c + cycle) % SOAK_CODES.length];
      const description = `curator ${c} cycle ${cycle} ${Math.random().toString(36).slice(2, 8)}`;
      for (let attempt = 0; ; attempt += 1) {
        const api = apis[(c + attempt) % apis.length].url;
        const read = await gql(api, key, `{ statusCode(code: ${code}) { version } }`);
        const version = read.body?.data?.statusCode?.version;
        if (version === undefined) {
          count(result, read.status);
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const res = await gql(api, key, `mutation { updateStatusCode(code: ${code}, expectedVersion: ${version}, patch: { description: "${description}" }) { version description } }`);
        const written = res.body?.data?.updateStatusCode;
        if (written) {
          result.acknowledged.push({ code, version: written.version, description: written.description });
          break;
        }
        if (res.body?.errors?.[0].extensions.code === "PRECONDITION_FAILED") result.conflicts += 1;
        else {
          // A field error travels in a 294 (GraphQL over HTTP 2026): counted by its own status.
          count(result, res.body?.errors?.[0]?.extensions?.httpStatus ?? res.status);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      done += 1;
      if (done >= (nextFault * total) / 3 && nextFault < 3) {
        const third = nextFault++;
        faulting = faulting.then(() => fault(third));
      }
    }
  };
  await Promise.all(Array.from({ length: CURATORS }, (_, c) => curator(c)));
  await faulting;
  result.seconds = (performance.now() - start) / 1000;
  return result;
}

function count(result: SoakResult, status: number) {
  if (status === 0) result.dropped += 1;
  else if (status >= 500) result.fiveXX[status] = (result.fiveXX[status] ?? 0) + 1;
}

/** Every acknowledged write is in history at its version with its text; entries agree with history. */
async function verify(uri: string, acknowledged: SoakResult["acknowledged"]) {
  const connection = await connectDatabase(uri, { serverSelectionTimeoutMs: 5000 });
  try {
    const revisions = await connection.collection("status_code_revisions").find({ code: { $in: SOAK_CODES } }).toArray();
    const byKey = new Map(revisions.map((r) => [`${r.code}:${r.version}`, r]));
    const lost = acknowledged.filter((a) => byKey.get(`${a.code}:${a.version}`)?.snapshot.description !== a.description).length;
    let mismatches = 0;
    for (const code of SOAK_CODES) {
      const entry = await connection.collection("status_codes").findOne({ code });
      const versions = revisions.filter((r) => r.code === code).map((r) => r.version).sort((a, b) => a - b);
      const contiguous = versions.every((v, i) => v === i + 1);
      const newest = byKey.get(`${code}:${versions.at(-1)}`);
      if (!contiguous || entry?.version !== newest?.version || entry?.description !== newest?.snapshot.description) mismatches += 1;
    }
    return { lost, mismatches };
  } finally {
    await connection.close();
  }
}
