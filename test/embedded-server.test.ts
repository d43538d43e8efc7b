import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mongoose from "mongoose";
import { startEmbeddedServer } from "../src/db/embedded-server";

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
    const orphanPid = Number(readFileSync(join(dataDir, `${orphan.kind}.pid`), "utf8"));
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
