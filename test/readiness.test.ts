import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningApp, startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { type EmbeddedServer, startEmbeddedServer } from "../src/db/embedded-server";
import { waitForStatus } from "./support/harness";
import { ApiKeyService } from "../src/auth/api-key.service";
import { apiKeyModel } from "../src/auth/api-key.model";

/**
 * A database whose disk is full: its own FerretDB on a 24 MiB tmpfs (the tests run as root, as
 * CI does), filled with a file once the API is up.
 */
let mountPoint: string;
let db: EmbeddedServer;
let app: RunningApp;

beforeAll(async () => {
  mountPoint = mkdtempSync(join(tmpdir(), "statusgraph-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=24m", "tmpfs", mountPoint]);
  db = await startEmbeddedServer({ dataDir: join(mountPoint, "db"), databaseName: "statusgraph", ferretdbBin: process.env.FERRETDB_BIN });
  app = await startApp(loadConfig({ MONGODB_URI: db.uri, PORT: "0", LOG_LEVEL: "silent" }));
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await db?.stop();
  execFileSync("umount", [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

describe("When the database's disk fills up", () => {
  test("then /readyz turns 503 'database refuses writes', writes get 503, and all is well again once there is room", async () => {
    const readyz = app.url.replace("/graphql", "/readyz");
    expect(await waitForStatus(readyz, 200)).toBe(200);
    const { key } = await new ApiKeyService(apiKeyModel(app.connection)).create("curator", "admin");
    const filler = join(mountPoint, "filler");
    try {
      execFileSync("dd", ["if=/dev/zero", `of=${filler}`, "bs=1M", "count=64"], { stdio: "ignore" });
    } catch {
      // dd stops at "No space left on device": that is the point.
    }
    expect(await waitForStatus(readyz, 503, 10_000)).toBe(503);
    const report = await fetch(readyz);
    // The status and Retry-After are the error table's SERVICE_UNAVAILABLE.
    expect(report.headers.get("retry-after")).toBe("5");
    expect(await report.json()).toMatchObject({ status: "database refuses writes", catalogue: { stale: false } });
    // Reads still work: only writes are refused.
    const res = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ statusCode(code: 404) { code } }" }) });
    expect(((await res.json()) as any).data.statusCode.code).toBe(404);
    const write = await fetch(app.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}` },
      body: JSON.stringify({ query: 'mutation { updateStatusCode(code: 418, expectedVersion: 1, patch: { description: "No room." }) { version } }' }),
    });
    // The database's own "disk is full" error, over HTTP: 503 with Retry-After, not a 500.
    expect(write.status).toBe(503);
    expect(write.headers.get("retry-after")).toBe("5");
    expect(((await write.json()) as any).errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });
    rmSync(filler);
    expect(await waitForStatus(readyz, 200, 10_000)).toBe(200);
  }, 60_000);
});
