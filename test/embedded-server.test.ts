import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { startEmbeddedServer } from "../src/db/embedded-server";
import { PROJECT_ROOT } from "../src/project-root";
import { startScriptProcess } from "./support/server-process";
import { promisify } from "node:util";

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

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
