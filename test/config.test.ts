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

  test("then docs/configuration.md's table lists every variable it reads, and no other", () => {
    const doc = readFileSync(join(PROJECT_ROOT, "docs", "configuration.md"), "utf8");
    const listed = [...doc.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
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

describe("When the OpenTelemetry variables are read", () => {
  test("then tracing is off unless an OTLP endpoint is set, and off again when the SDK or the exporter is disabled", () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_SERVICE_NAME: "x", OTEL_TRACES_SAMPLER: "always_on" }).tracing).toBeUndefined();
    const endpoint = "http://collector:4318";
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SDK_DISABLED: "true" }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_EXPORTER: "none" }).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: `${endpoint}/` }).tracing).toMatchObject({
      tracesUrl: "http://collector:4318/v1/traces",
      serviceName: "statusgraph",
      sampler: "parentbased_always_on",
      ratio: 1,
    });
  });

  test("then the traces endpoint is used as it is, and the resource attributes name the replica", () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://ignored:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://collector/custom/traces",
      OTEL_RESOURCE_ATTRIBUTES: "service.instance.id=replica%20a,deployment.environment=prod",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.1",
    }).tracing;
    expect(tracing).toMatchObject({ tracesUrl: "https://collector/custom/traces", instanceId: "replica a", sampler: "parentbased_traceidratio", ratio: 0.1 });
    expect(tracing?.resourceAttributes).toEqual({ "service.instance.id": "replica a", "deployment.environment": "prod" });
  });

  test("then a bad sampler, ratio or endpoint stops the start, named", () => {
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER: "sometimes" })).toThrow(/OTEL_TRACES_SAMPLER/);
    expect(() => loadConfig({ OTEL_TRACES_SAMPLER_ARG: "1.5" })).toThrow(/OTEL_TRACES_SAMPLER_ARG/);
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "collector:4318" })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(() => loadConfig({ OTEL_RESOURCE_ATTRIBUTES: "no-equals-sign" })).toThrow(/OTEL_RESOURCE_ATTRIBUTES/);
  });
});
