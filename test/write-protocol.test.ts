import { MongoClient } from "mongodb";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { connectDatabase } from "../src/db/connect";
import { clientWithKey, createKey, postJson, startTestApp, type TestApp, uniqueDatabaseUri } from "./support/harness";
import { startServerProcess } from "./support/server-process";
import { loadSeedEntries } from "../src/catalogue/seed/catalogue-seed";

/**
 * The write protocol under stalls, clock skew and crashes, over HTTP against real servers on
 * one database. Each test records what the API acknowledged and checks afterwards that entry
 * and history agree: history versions contiguous, the newest equal to the entry's version,
 * and the entry's content equal to that revision's snapshot.
 */
const TEST_ENV = { NODE_ENV: "test", LOG_LEVEL: "silent" };

async function withDatabase<T>(uri: string, body: (db: ReturnType<MongoClient["db"]>) => Promise<T>): Promise<T> {
  const client = await MongoClient.connect(uri);
  try {
    return await body(client.db());
  } finally {
    await client.close();
  }
}

/** Entry and history of one code agree, and the history has no gap. */
async function expectConsistent(uri: string, code: number) {
  return withDatabase(uri, async (db) => {
    const entry = await db.collection("status_codes").findOne({ code });
    const revisions = await db.collection("status_code_revisions").find({ code }).sort({ version: 1 }).toArray();
    expect(revisions.map((r) => r.version)).toEqual(revisions.map((_, i) => i + 1));
    const newest = revisions.at(-1)!;
    expect(entry!.version).toBe(newest.version);
    expect(entry!.description).toBe(newest.snapshot.description);
    return { entry: entry!, revisions };
  });
}

async function keyFor(uri: string, role: "editor" | "admin" = "admin") {
  const connection = await connectDatabase(uri, { serverSelectionTimeoutMs: 2000 });
  try {
    return (await new ApiKeyService(apiKeyModel(connection)).create(`${role}-key`, role)).key;
  } finally {
    await connection.close();
  }
}

const update = (code: number, expectedVersion: number, description: string) =>
  `mutation { updateStatusCode(code: ${code}, expectedVersion: ${expectedVersion}, patch: { description: "${description}" }) { version description } }`;

describe("When a writer stalls between claiming a version and applying it", () => {
  test("then a second writer of that version is refused with the true current version, and the stalled write is the one kept", async () => {
    const stalled = await startTestApp({ ...TEST_ENV, STATUSGRAPH_FAULTS: "pauseBeforeApplyMs=800" });
    const other = await startTestApp({ ...TEST_ENV, MONGODB_URI: stalled.uri });
    try {
      const { key } = await createKey(stalled, "admin");
      const a = clientWithKey(stalled, key);
      const b = clientWithKey(other, key);
      const first = a(update(418, 1, "Written by A."));
      await new Promise((r) => setTimeout(r, 200)); // A has claimed version 2 and is stalled
      const second = await b(update(418, 1, "Written by B."));
      expect(second.errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_FAILED", currentVersion: 2 });
      // What B was told is true at once: the entry is at version 2, with A's text.
      expect((await other.gql<any>("{ statusCode(code: 418) { version description } }")).data.statusCode).toEqual({ version: 2, description: "Written by A." });
      expect((await first).data.updateStatusCode).toEqual({ version: 2, description: "Written by A." });
      const { revisions } = await expectConsistent(stalled.uri, 418);
      expect(revisions.map((r) => r.snapshot.description)).toEqual([expect.any(String), "Written by A."]);
    } finally {
      await other.app.stop();
      await stalled.stop();
    }
  });
});

describe("When two API processes whose clocks are 60 s apart race on one entry", () => {
  test("then each race has exactly one winner, and entry and history agree", async () => {
    const uri = uniqueDatabaseUri();
    const env = { ...TEST_ENV, MONGODB_URI: uri, RATE_LIMIT_BUDGET: "1000000" };
    // libfaketime (Debian's faketime package) preloaded into the server itself, as the faketime
    // command does (which would leave node as its child). Monotonic time is left alone, so that
    // timers work; Date.now() is 60 s ahead.
    const libfaketime = { LD_PRELOAD: "/usr/$LIB/faketime/libfaketime.so.1", FAKETIME: "+60s", FAKETIME_DONT_FAKE_MONOTONIC: "1" };
    const fast = await startServerProcess({ ...env, ...libfaketime });
    const normal = await startServerProcess(env);
    try {
      const key = await keyFor(uri);
      const send = (url: string, query: string) => postJson(url, { query }, { authorization: `Bearer ${key}` });
      const skew = await send(fast.url, "{ statusCode(code: 200) { updatedAt } }");
      expect(skew.body.errors).toBeUndefined();
      let version = 1;
      for (let race = 0; race < 10; race += 1) {
        const results = await Promise.all([
          send(fast.url, update(202, version, `Fast ${race}.`)),
          send(normal.url, update(202, version, `Normal ${race}.`)),
        ]);
        const won = results.filter((r) => r.body.data?.updateStatusCode);
        const lost = results.filter((r) => r.body.errors?.[0].extensions.code === "PRECONDITION_FAILED");
        expect([won.length, lost.length]).toEqual([1, 1]);
        version += 1;
        expect(won[0].body.data.updateStatusCode.version).toBe(version);
        expect(lost[0].body.errors[0].extensions.currentVersion).toBe(version);
        const { entry } = await expectConsistent(uri, 202);
        expect(entry.description).toBe(won[0].body.data.updateStatusCode.description);
      }
      // The skew was real: the fast process stamped its revisions a minute ahead.
      const { revisions } = await expectConsistent(uri, 202);
      const fastOnes = revisions.filter((r) => r.snapshot.description.startsWith("Fast"));
      expect(fastOnes.length).toBeGreaterThan(0);
      for (const r of fastOnes) expect(r.at.getTime()).toBeGreaterThan(Date.now() + 30_000);
    } finally {
      await Promise.all([fast.stop(), normal.stop()]);
    }
  }, 60_000);
});

describe("When the API is killed (SIGKILL) between claiming a version and applying it", () => {
  test("then an immediate restart finishes the write: the entry has it and history agrees", async () => {
    const uri = uniqueDatabaseUri();
    const first = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri });
    const key = await keyFor(uri);
    await first.stop();
    const doomed = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri, STATUSGRAPH_FAULTS: "killBeforeApply" });
    await expect(postJson(doomed.url, { query: update(451, 1, "Survives the crash.") }, { authorization: `Bearer ${key}` })).rejects.toThrow();
    expect(await doomed.exited).toBe("SIGKILL");
    const restarted = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri });
    try {
      const res = await postJson(restarted.url, { query: "{ statusCode(code: 451) { version description history { edges { node { version } } } } }" });
      expect(res.body.data.statusCode).toEqual({
        version: 2,
        description: "Survives the crash.",
        history: { edges: [{ node: { version: 2 } }, { node: { version: 1 } }] },
      });
      await expectConsistent(uri, 451);
    } finally {
      await restarted.stop();
    }
  }, 60_000);

  test("then a crash during the first seeding leaves a complete catalogue after an immediate restart", async () => {
    const uri = uniqueDatabaseUri();
    await expect(startServerProcess({ ...TEST_ENV, MONGODB_URI: uri, STATUSGRAPH_FAULTS: "killAfterSeedClaims" })).rejects.toThrow(/exited/);
    const entriesAfterCrash = await withDatabase(uri, (db) => db.collection("status_codes").countDocuments());
    const restarted = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri });
    try {
      const res = await postJson(restarted.url, { query: "{ statusCodes { totalCount } statusCode(code: 404) { version reasonPhrase } }" });
      expect(entriesAfterCrash).toBe(0); // the crash struck after the claims, before any entry
      expect(res.body.data).toEqual({ statusCodes: { totalCount: loadSeedEntries().length }, statusCode: { version: 1, reasonPhrase: "Not Found" } });
      for (const code of [100, 404, 511]) await expectConsistent(uri, code);
    } finally {
      await restarted.stop();
    }
  }, 60_000);
});

describe("When the API gets SIGTERM during a burst of writes", () => {
  test("then every write it acknowledged is there after a restart, and no request got a 5xx but 503", async () => {
    const uri = uniqueDatabaseUri();
    const server = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri, RATE_LIMIT_BUDGET: "1000000" });
    const key = await keyFor(uri, "editor");
    const spec = `specification: { document: "vendor", url: "https://example.com/" }`;
    const writes = Array.from({ length: 40 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, i * 10));
      const query = `mutation { createStatusCode(input: { code: ${250 + i}, reasonPhrase: "Burst ${i}", description: "Written in a burst.", ${spec} }) { code version } }`;
      try {
        const res = await postJson(server.url, { query }, { authorization: `Bearer ${key}` });
        return { i, status: res.status, code: res.body.errors?.[0].extensions.code, acknowledged: res.body.data?.createStatusCode?.version === 1 };
      } catch {
        return { i, status: 0, acknowledged: false }; // refused: the server had stopped listening
      }
    });
    await new Promise((r) => setTimeout(r, 150));
    process.kill(server.pid, "SIGTERM");
    const results = await Promise.all(writes);
    expect(await server.exited).toBe(0);
    // Requests that arrive while it drains are told to come back: 503 SERVICE_UNAVAILABLE.
    const failed = results.filter((r) => r.status >= 500);
    console.log(`SIGTERM burst: ${results.filter((r) => r.acknowledged).length} acknowledged, ${failed.length} × 503, ${results.filter((r) => r.status === 0).length} refused`);
    expect(failed.filter((r) => r.status !== 503 || r.code !== "SERVICE_UNAVAILABLE")).toEqual([]);
    const acknowledged = results.filter((r) => r.acknowledged).map((r) => r.i);
    expect(acknowledged.length).toBeGreaterThan(0);

    const restarted = await startServerProcess({ ...TEST_ENV, MONGODB_URI: uri });
    try {
      const res = await postJson(restarted.url, { query: "{ statusCodes(first: 100, filter: { codeRange: { from: 250, to: 289 } }) { nodes { code reasonPhrase } } }" });
      const stored = new Map(res.body.data.statusCodes.nodes.map((n: any) => [n.code, n.reasonPhrase]));
      for (const i of acknowledged) expect(stored.get(250 + i)).toBe(`Burst ${i}`);
      for (const code of stored.keys()) await expectConsistent(uri, code as number);
    } finally {
      await restarted.stop();
    }
  }, 60_000);
});

describe("When a write stopped after its claim and nobody has finished it yet", () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp(TEST_ENV)));
  afterAll(() => t.stop());
  // What a crash right after the claim leaves: a revision (the whole new state) ahead of its entry.
  const claim = async (code: number, version: number, description: string) => {
    const revisions = t.app.connection.collection("status_code_revisions");
    const previous = await revisions.findOne({ code, version: version - 1 });
    const snapshot = { ...(previous?.snapshot ?? {}), description };
    await revisions.insertOne({ _id: `${code}:${version}` as never, code, version, action: "UPDATE", at: new Date(), by: "Crashed", changes: [], snapshot, entryFields: {} });
  };

  test("then an update with the version just read gets 412 naming the newer version, and reads show it at once", async () => {
    const { key } = await createKey(t, "admin");
    const admin = clientWithKey(t, key);
    await claim(505, 2, "Finished by the next writer.");
    const res = await admin(update(505, 1, "Too late."));
    expect(res.errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_FAILED", currentVersion: 2 });
    expect((await t.gql<any>("{ statusCode(code: 505) { version description } }")).data.statusCode).toEqual({ version: 2, description: "Finished by the next writer." });
  });

  test("then a create of a code whose creation was claimed gets 409 and the entry exists at once", async () => {
    const { key } = await createKey(t, "editor");
    const editor = clientWithKey(t, key);
    const spec = `specification: { document: "vendor", url: "https://example.com/" }`;
    const create = (phrase: string) =>
      editor(`mutation { createStatusCode(input: { code: 470, reasonPhrase: "${phrase}", description: "Vendor code.", ${spec} }) { code reasonPhrase } }`);
    const revisions = t.app.connection.collection("status_code_revisions");
    await revisions.insertOne({
      _id: "470:1" as never, code: 470, version: 1, action: "CREATE", at: new Date(), by: "Crashed", changes: [], entryFields: { class: "CLIENT_ERROR", source: "CUSTOM", seed: null },
      snapshot: { reasonPhrase: "First", formerNames: [], description: "Vendor code.", popularity: "OTHER", registryStatus: "UNREGISTERED", specification: { document: "vendor", section: null, url: "https://example.com/" }, cacheableByDefault: false, bodyAllowed: true, typicalHeaders: [], relatedCodes: [], retired: null },
    });
    expect((await create("Second")).errors?.[0].extensions).toMatchObject({ code: "CONFLICT", httpStatus: 409 });
    expect((await t.gql<any>("{ statusCode(code: 470) { code reasonPhrase version } }")).data.statusCode).toEqual({ code: 470, reasonPhrase: "First", version: 1 });
  });
});
