import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_VARIABLES, loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/project-root";
import { NO_SERVER_HELP, startEmbeddedServer } from "../src/db/embedded-server";

describe("When the configuration is loaded", () => {
  test("then the defaults are safe and documented", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: "127.0.0.1", queryTimeoutMs: 5000, bodyLimitBytes: 1048576 });
    expect(config.mongodbUri).toBeUndefined();
  });

  test("then the README's configuration table lists every variable it reads, and no other", () => {
    const readme = readFileSync(join(PROJECT_ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## Playground"));
    const listed = [...section.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
    expect([...listed].sort()).toEqual([...CONFIG_VARIABLES].sort());
  });

  test("then HEALTH_DATABASE_DOWN_AFTER_MS is a minute unless set, and refused below a second", () => {
    expect(loadConfig({}).health.databaseDownAfterMs).toBe(60_000);
    expect(loadConfig({ HEALTH_DATABASE_DOWN_AFTER_MS: "5000" }).health.databaseDownAfterMs).toBe(5000);
    expect(() => loadConfig({ HEALTH_DATABASE_DOWN_AFTER_MS: "10" })).toThrow(/HEALTH_DATABASE_DOWN_AFTER_MS/);
  });

  test("then every invalid variable is named at once", () => {
    expect(() => loadConfig({ PORT: "http", MONGODB_URI: "postgres://x", QUERY_TIMEOUT_MS: "0" })).toThrow(
      /PORT[\s\S]*MONGODB_URI[\s\S]*QUERY_TIMEOUT_MS/,
    );
  });
});

describe("When no database server can be found", () => {
  test("then the error names the three ways to fix it", async () => {
    await expect(
      startEmbeddedServer({ dataDir: "/tmp/unused", databaseName: "x", ferretdbBin: "/nonexistent/ferretdb" }),
    ).rejects.toThrow(NO_SERVER_HELP);
    expect(NO_SERVER_HELP).toMatch(/MONGODB_URI[\s\S]*mongod[\s\S]*FERRETDB_BIN/);
  });
});
