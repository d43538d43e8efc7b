import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { createConnection } from "node:net";
import { startEmbeddedServer } from "../src/db/embedded-server";
import { RESTART_BACKOFF } from "../src/db/supervisor";
import { PROJECT_ROOT } from "../src/project-root";
import { isRunning, startScriptProcess } from "./support/server-process";
import { promisify } from "node:util";


describe("When the owner of an embedded server was killed outright", () => {
  test("then the next start stops the orphan and serves the same data", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-orphan-"));
    const options = { dataDir, databaseName: "orphan", ferretdbBin: process.env.FERRETDB_BIN };
    const orphan = await startEmbeddedServer(options); // never stopped: as after a SIGKILL of its owner
    const orphanPid = JSON.parse(readFileSync(join(dataDir, `${orphan.kind}.pid`), "utf8")).pid;
    const first = await mongoose.createConnection(orphan.uri).asPromise();
    await first.collection("notes").insertOne({ kept: true });
    await first.close();

    const next = await startEmbeddedServer(options);
    try {
      expect(isRunning(orphanPid)).toBe(false);
      const second = await mongoose.createConnection(next.uri).asPromise();
      expect(await second.collection("notes").countDocuments({ kept: true })).toBe(1);
      await second.close();
    } finally {
      await next.stop();
      await orphan.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("When `npm run apikey` runs while `npm start` serves from the embedded database", () => {
  test("then the CLI uses the running server, and the API keeps answering and stays ready", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-shared-"));
    const env = { DATA_DIR: dataDir, ...(process.env.FERRETDB_BIN && { FERRETDB_BIN: process.env.FERRETDB_BIN }) };
    const api = await startScriptProcess(join("src", "main.js"), [], env); // no MONGODB_URI: the embedded server
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, [join(PROJECT_ROOT, "dist", "scripts", "apikey.js"), ...args], { env: { PATH: process.env.PATH, ...env } });
    try {
      const created = await cli("create", "--role", "editor", "--name", "Cli");
      const key = created.stdout.trim().split("\n").at(-1)!;
      expect((await cli("list")).stdout).toContain("Cli");

      const ask = (headers: Record<string, string> = {}) =>
        fetch(api.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: '{"query":"{ statusCode(code: 404) { code history(first: 1) { edges { node { version } } } } }"}' });
      const anonymous = await ask();
      expect(anonymous.status).toBe(200);
      expect(((await anonymous.json()) as any).errors).toBeUndefined();
      // The key the CLI stored is in the API's database.
      expect((await ask({ authorization: `Bearer ${key}` })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500)); // past a readiness check
      expect((await fetch(api.url.replace("/graphql", "/readyz"))).status).toBe(200);
    } finally {
      await api.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("When an embedded server started with restarts exits without being stopped", () => {
  test("then it is started again on its port and files, the driver reconnects by itself, and stop() ends it and the restart to come", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-restarts-"));
    const warnings: Record<string, unknown>[] = [];
    const db = await startEmbeddedServer({
      dataDir,
      databaseName: "restarts",
      ferretdbBin: process.env.FERRETDB_BIN,
      restarts: { warn: (message, details) => void warnings.push({ message, ...details }) },
    });
    const pidInFile = () => (existsSync(join(dataDir, `${db.kind}.pid`)) ? JSON.parse(readFileSync(join(dataDir, `${db.kind}.pid`), "utf8")).pid : undefined);
    const answers = (port: number) =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection({ port, host: "127.0.0.1" });
        socket.once("connect", () => (socket.destroy(), resolve(true)));
        socket.once("error", () => resolve(false));
      });
    const port = Number(new URL(db.uri).port);
    // One connection for the whole test: it must find the restarted server by itself.
    const connection = await mongoose.createConnection(db.uri, { serverSelectionTimeoutMS: 1000 }).asPromise();
    try {
      await connection.collection("notes").insertOne({ kept: true });
      const first = db.pid;
      process.kill(first, "SIGKILL");
      let count: number | undefined;
      for (const deadline = Date.now() + 30_000; count === undefined && Date.now() < deadline; ) {
        count = await connection
          .collection("notes")
          .countDocuments({ kept: true })
          .catch(() => new Promise<undefined>((r) => setTimeout(() => r(undefined), 50)));
      }
      expect(count).toBe(1);
      expect(db.pid).not.toBe(first);
      expect(isRunning(db.pid)).toBe(true);
      expect(pidInFile()).toBe(db.pid); // what the orphan check and `npm run apikey` read
      expect(warnings).toEqual([
        { message: "embedded database exited; restarting it", databasePid: first, code: null, signal: "SIGKILL", restartInMs: RESTART_BACKOFF.firstMs },
        { message: "embedded database restarted", databasePid: db.pid, downForMs: expect.any(Number) },
      ]);

      // Killed again soon after: the delay doubles. Stopped before that restart is due: none comes.
      const second = db.pid;
      process.kill(second, "SIGKILL");
      for (const deadline = Date.now() + 10_000; warnings.length < 3 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(warnings[2]).toMatchObject({ databasePid: second, signal: "SIGKILL", restartInMs: RESTART_BACKOFF.firstMs * 2 });
      await db.stop();
      await new Promise((r) => setTimeout(r, RESTART_BACKOFF.firstMs * 2 + 1000)); // past when it was due
      expect(warnings).toHaveLength(3);
      expect(await answers(port)).toBe(false);
      expect(pidInFile()).toBeUndefined();
    } finally {
      await connection.close();
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
