import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { type EmbeddedServer, freePort, startEmbeddedServer } from "../src/db/embedded-server";
import { clientWithKey, createKey, postJson, startTestApp, type TestApp, waitForStatus } from "./support/harness";

/** A database of its own that the test stops and starts again on the same address. */
let dataDir: string;
let db: EmbeddedServer;
let t: TestApp;
let port: number;
const startDb = async () => (db = await startEmbeddedServer({ dataDir, databaseName: "outage", ferretdbBin: process.env.FERRETDB_BIN, port }));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "statusgraph-outage-"));
  port = await freePort(); // fixed from here on, so the restarted server is where the app expects it
  await startDb();
  t = await startTestApp({ MONGODB_URI: db.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: "500" });
});
afterAll(async () => {
  await t.app.stop();
  await db.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("When the database is down as a write arrives, and comes back", () => {
  test("then the request fails with SERVICE_UNAVAILABLE before any GraphQL (the key cannot be checked), changes nothing, and succeeds after the restart without restarting the API", async () => {
    const { key } = await createKey(t, "admin");
    const admin = clientWithKey(t, key);
    const mutation = `mutation { updateStatusCode(code: 508, expectedVersion: 1, patch: { description: "After the outage." }) { version description } }`;
    const state = async () => {
      const entry = await t.app.connection.collection("status_codes").findOne({ code: 508 });
      const revisions = await t.app.connection.collection("status_code_revisions").countDocuments({ code: 508 });
      return { version: entry!.version, description: entry!.description, revisions };
    };
    const before = await state();

    await db.stop();
    // Checking the key needs the database, so the request fails before GraphQL runs.
    const failed = await postJson(t.url, { query: mutation }, { authorization: `Bearer ${key}` });
    expect(failed.status).toBe(503);
    expect(failed.headers.get("retry-after")).toBe("5");
    expect(failed.body.errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });
    expect(await waitForStatus(t.url.replace("/graphql", "/readyz"), 503)).toBe(503);
    // A WebSocket connection with that key: told to retry later, without the database's words.
    const closed = await new Promise<{ code: number; reason: string }>((resolve) => {
      const socket = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws");
      socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: { authorization: `Bearer ${key}` } })));
      socket.on("close", (code, reason) => resolve({ code, reason: reason.toString() }));
    });
    expect(closed).toEqual({ code: 1013, reason: "Service unavailable; retry" });

    await startDb();
    expect(await state()).toEqual(before);
    expect(await waitForStatus(t.url.replace("/graphql", "/readyz"), 200)).toBe(200);
    const retried = await admin(mutation);
    expect(retried.errors).toBeUndefined();
    expect(retried.data.updateStatusCode).toEqual({ version: 2, description: "After the outage." });
    expect(await state()).toEqual({ version: 2, description: "After the outage.", revisions: before.revisions + 1 });
  });
});

describe("When the database goes down in the middle of a write", () => {
  test("then the writer gets SERVICE_UNAVAILABLE, and the write it had claimed is finished once the database is back", async () => {
    // This app pauses between claiming a version and applying it; the database stops in that pause.
    const paused = await startTestApp({ MONGODB_URI: db.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: "500", STATUSGRAPH_FAULTS: "pauseBeforeApplyMs=1500", LOG_LEVEL: "silent" });
    try {
      const { key } = await createKey(t, "admin");
      const write = postJson(
        paused.url,
        { query: `mutation { updateStatusCode(code: 506, expectedVersion: 1, patch: { description: "Claimed before the outage." }) { version } }` },
        { authorization: `Bearer ${key}`, accept: "application/graphql-response+json" },
      );
      await new Promise((r) => setTimeout(r, 500)); // claimed, now pausing
      await db.stop("SIGKILL"); // a crash: a graceful stop would let open connections finish
      const failed = await write;
      expect(failed.status).toBe(503);
      expect(failed.body.errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });

      await startDb();
      expect(await waitForStatus(t.url.replace("/graphql", "/readyz"), 200)).toBe(200);
      // The next writer of the entry finishes the claimed write first, and is told so.
      const next = await clientWithKey(t, key)(`mutation { updateStatusCode(code: 506, expectedVersion: 1, patch: { description: "Too late." }) { version } }`);
      expect(next.errors?.[0].extensions).toMatchObject({ code: "PRECONDITION_FAILED", currentVersion: 2 });
      const entry = await t.gql<any>(`{ statusCode(code: 506) { version description history { edges { node { version } } } } }`);
      expect(entry.data.statusCode).toEqual({
        version: 2,
        description: "Claimed before the outage.",
        history: { edges: [{ node: { version: 2 } }, { node: { version: 1 } }] },
      });
    } finally {
      await paused.app.stop();
    }
  });
});
