import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EmbeddedServer, freePort, startEmbeddedServer } from "../src/db/embedded-server";
import { findOnPath } from "../src/db/find-executable";
import { createKeyAt, postJson, waitForStatus } from "./support/harness";
import { isRunning, type ServerProcess, startScriptProcess, startServerProcess } from "./support/server-process";

/**
 * Faults that heal, each over real HTTP against the built server in a process of its own and a
 * real FerretDB: the API's embedded database killed, a database that stays down, and SQLite's
 * lock held by another process.
 */
const ferretdbBin: Record<string, string> = process.env.FERRETDB_BIN ? { FERRETDB_BIN: process.env.FERRETDB_BIN } : {};

/** Polls until `check` gives a value (not undefined) or the deadline passes; then the last value. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The embedded server's pid file under DATA_DIR: the process that serves now, and its port. */
function embeddedOf(dataDir: string): { pid: number; port: number } {
  const file = ["ferretdb", "mongod"].map((kind) => join(dataDir, `${kind}.pid`)).find(existsSync)!;
  return JSON.parse(readFileSync(file, "utf8"));
}

/** Log lines of a server process (pino's JSON) with this message. */
const logged = (server: ServerProcess, msg: string) =>
  server
    .output()
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line.msg === msg);

const mutate = (url: string, key: string, query: string) =>
  postJson(url, { query }, { authorization: `Bearer ${key}`, accept: "application/graphql-response+json" });
const create = (code: number) =>
  `mutation { createStatusCode(input: { code: ${code}, reasonPhrase: "Healing", description: "Created before the fault.", specification: { document: "Tests", url: "https://example.com/heal" } }) { code version } }`;
const update = (code: number, description: string) =>
  `mutation { updateStatusCode(code: ${code}, expectedVersion: 1, patch: { description: "${description}" }) { version description } }`;
const entryAndHistory = (code: number) => `{ statusCode(code: ${code}) { version description history { edges { node { version } } } } }`;

describe("When the API's embedded database is killed (SIGKILL)", () => {
  let dataDir: string;
  let api: ServerProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "statusgraph-heal-"));
    api = await startScriptProcess(join("src", "main.js"), [], { DATA_DIR: dataDir, ...ferretdbBin }); // no MONGODB_URI: its own database
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("then it is restarted on its port and files: writes work again and /readyz is 200 without restarting the API, and the exit and restart are logged", async () => {
    const killed = embeddedOf(dataDir);
    const key = await createKeyAt(`mongodb://127.0.0.1:${killed.port}/statusgraph`, "healer", "editor");
    expect((await mutate(api.url, key, create(493))).body.data.createStatusCode).toEqual({ code: 493, version: 1 });

    process.kill(killed.pid, "SIGKILL");
    const since = Date.now();
    // Retried as a client would on SERVICE_UNAVAILABLE, until it goes through: a 503 before
    // GraphQL ran, or the mutation's field error inside a 294 (its data is { updateStatusCode: null }).
    // A write in flight at the very moment of the kill may also fail as INTERNAL_SERVER_ERROR
    // (two fresh-clone CI runs met it 10 ms after the SIGKILL; its driver error is printed below
    // when it happens, to be classified): retried too, and safely, since the write names the
    // version it replaces, so a first attempt that did apply would make the retry fail.
    let refusals = 0;
    let internal = 0;
    const saved = await until(async () => {
      const res = await mutate(api.url, key, update(493, "Written after the crash."));
      const code = res.body.errors?.[0]?.extensions?.code;
      if (code === "INTERNAL_SERVER_ERROR") return void internal++;
      const unavailable = res.status === 503 || code === "SERVICE_UNAVAILABLE";
      return unavailable ? void refusals++ : res;
    });
    if (internal > 0) console.log(`healing.test: ${internal} × INTERNAL_SERVER_ERROR right after the kill; the server logged: ${JSON.stringify(logged(api, "request failed").map((l) => l.err))}`);
    const down = logged(api, "embedded database restarted")[0]?.downForMs;
    console.log(`healing.test: a write went through ${Date.now() - since} ms after the embedded database was SIGKILLed (${refusals} × 503 before; down ${down} ms from exit to serving again)`);
    // What came back, when it was not the saved write: a CI run once got a 294 here, its error unseen.
    if (saved?.status !== 200) console.log(`healing.test: the write after the crash got ${saved?.status} ${JSON.stringify(saved?.body)}`);
    expect(saved?.status).toBe(200);
    expect(saved?.body.errors).toBeUndefined();
    expect(saved?.body.data).toEqual({ updateStatusCode: { version: 2, description: "Written after the crash." } });
    expect(await waitForStatus(api.url.replace("/graphql", "/readyz"), 200, 30_000)).toBe(200);
    // The client told "saved" finds its write, in the entry and its history.
    const found = await postJson(api.url, { query: entryAndHistory(493) });
    expect(found.body.data.statusCode).toEqual({ version: 2, description: "Written after the crash.", history: { edges: [{ node: { version: 2 } }, { node: { version: 1 } }] } });

    // The same API process, a new database process on the same port.
    expect(isRunning(api.pid)).toBe(true);
    const restarted = embeddedOf(dataDir);
    expect(restarted.port).toBe(killed.port);
    expect(restarted.pid).not.toBe(killed.pid);
    expect(isRunning(restarted.pid)).toBe(true);
    expect(logged(api, "embedded database exited; restarting it")).toEqual([
      expect.objectContaining({ level: 40, databasePid: killed.pid, code: null, signal: "SIGKILL", restartInMs: expect.any(Number) }),
    ]);
    expect(logged(api, "embedded database restarted")).toEqual([expect.objectContaining({ level: 40, databasePid: restarted.pid })]);

    // Stopping the API stops the database it restarted.
    await api.stop();
    expect(isRunning(restarted.pid)).toBe(false);
  }, 90_000);
});

describe("When the database stays down past HEALTH_DATABASE_DOWN_AFTER_MS", () => {
  // A FerretDB the test starts and kills itself: nothing restarts it (the API did not start it).
  let dataDir: string;
  let port: number;
  let db: EmbeddedServer;
  let api: ServerProcess;
  const startDb = async () => (db = await startEmbeddedServer({ dataDir, databaseName: "statusgraph", ferretdbBin: process.env.FERRETDB_BIN, port }));
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "statusgraph-down-"));
    port = await freePort();
    await startDb();
    api = await startServerProcess({ MONGODB_URI: db.uri, HEALTH_DATABASE_DOWN_AFTER_MS: "5000", MONGODB_SERVER_SELECTION_TIMEOUT_MS: "500" });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("then /healthz turns 503 SERVICE_UNAVAILABLE with Retry-After (a liveness probe restarts the API), and 200 again once the database is back", async () => {
    const healthz = api.url.replace("/graphql", "/healthz");
    const readyz = api.url.replace("/graphql", "/readyz");
    expect((await fetch(healthz)).status).toBe(200);

    await db.stop("SIGKILL");
    expect(await waitForStatus(readyz, 503, 30_000)).toBe(503);
    // Down, but for less than HEALTH_DATABASE_DOWN_AFTER_MS: not ready, still alive.
    expect((await fetch(healthz)).status).toBe(200);

    expect(await waitForStatus(healthz, 503, 30_000)).toBe(503);
    const unhealthy = await fetch(healthz);
    expect(unhealthy.status).toBe(503);
    expect(unhealthy.headers.get("retry-after")).toBe("5");
    expect(unhealthy.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await unhealthy.json()) as any;
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].message).toMatch(/^The database has been unavailable for \d+ s$/);
    expect(body.errors[0].extensions).toEqual({
      code: "SERVICE_UNAVAILABLE",
      httpStatus: 503,
      requestId: unhealthy.headers.get("x-request-id"),
      databaseDownForMs: expect.any(Number),
    });
    expect(body.errors[0].extensions.databaseDownForMs).toBeGreaterThanOrEqual(5000);

    await startDb();
    expect(await waitForStatus(healthz, 200, 30_000)).toBe(200);
    expect(await waitForStatus(readyz, 200, 30_000)).toBe(200);
  }, 90_000);
});

/** Another process (Python's sqlite3) holding SQLite's exclusive lock on a database file until released. */
async function holdExclusiveLock(file: string): Promise<{ release(): Promise<void> }> {
  const script = [
    "import sqlite3, sys",
    "c = sqlite3.connect(sys.argv[1], isolation_level=None)",
    'c.execute("BEGIN EXCLUSIVE")',
    'print("locked", flush=True)',
    "sys.stdin.readline()",
    'c.execute("COMMIT")',
  ].join("\n");
  const holder: ChildProcess = spawn("python3", ["-c", script, file], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise((resolve) => holder.once("exit", resolve));
  await new Promise<void>((resolve, reject) => {
    holder.stdout!.once("data", () => resolve());
    holder.once("exit", (code) => reject(new Error(`python3 could not lock ${file} (exit ${code})`)));
  });
  return {
    async release() {
      holder.stdin!.end("\n");
      await exited;
    },
  };
}

// The lock is SQLite's: only FerretDB has it (an embedded mongod, when on PATH, has none).
(findOnPath("mongod") ? describe.skip : describe)("When another process holds SQLite's lock on the database file as a write arrives", () => {
  let dataDir: string;
  let db: EmbeddedServer;
  let api: ServerProcess;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "statusgraph-locked-"));
    db = await startEmbeddedServer({ dataDir, databaseName: "statusgraph", ferretdbBin: process.env.FERRETDB_BIN });
    api = await startServerProcess({ MONGODB_URI: db.uri });
  }, 60_000);
  afterAll(async () => {
    await api?.stop();
    await db?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test("then the write gets 503 SERVICE_UNAVAILABLE with Retry-After, not a masked 500; released, the same write succeeds and is found", async () => {
    const key = await createKeyAt(db.uri, "locked-out", "editor");
    expect((await mutate(api.url, key, create(492))).body.data.createStatusCode).toEqual({ code: 492, version: 1 });

    const lock = await holdExclusiveLock(join(db.dataPath, "statusgraph.sqlite"));
    let refused: Awaited<ReturnType<typeof mutate>>;
    try {
      // FerretDB waits out SQLite's busy timeout, then gives up on the write.
      refused = await mutate(api.url, key, update(492, "Written once the lock was gone."));
    } finally {
      await lock.release();
    }
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.body.errors[0]).toMatchObject({
      message: "The database is unavailable; retry later",
      extensions: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
    });
    expect(api.output()).not.toMatch(/INTERNAL_SERVER_ERROR/);

    // Nothing of it was written: the same write, expecting the same version, goes through.
    const saved = await mutate(api.url, key, update(492, "Written once the lock was gone."));
    expect(saved.status).toBe(200);
    expect(saved.body.errors).toBeUndefined();
    expect(saved.body.data).toEqual({ updateStatusCode: { version: 2, description: "Written once the lock was gone." } });
    const found = await postJson(api.url, { query: entryAndHistory(492) });
    expect(found.body.data.statusCode).toEqual({ version: 2, description: "Written once the lock was gone.", history: { edges: [{ node: { version: 2 } }, { node: { version: 1 } }] } });
  }, 120_000);
});
