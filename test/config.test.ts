import { loadConfig } from "../src/config";
import { NO_SERVER_HELP, startEmbeddedServer } from "../src/db/embedded-server";

describe("When the configuration is loaded", () => {
  test("then the defaults are safe and documented", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: "127.0.0.1", queryTimeoutMs: 5000, bodyLimitBytes: 1048576 });
    expect(config.mongodbUri).toBeUndefined();
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
