import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/db/embedded-server";
import { isExecutable } from "../../src/db/find-executable";
import { buildJaeger, JAEGER_CACHE_BIN } from "../../src/tracing/jaeger-build";

/** A span as Jaeger's query API (/api/traces) returns it. */
export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: { refType: "CHILD_OF" | "FOLLOWS_FROM"; traceID: string; spanID: string }[];
  tags: { key: string; type: string; value: unknown }[];
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: { key: string; value: unknown }[] }>;
}

export interface JaegerProcess {
  /** What OTEL_EXPORTER_OTLP_ENDPOINT is set to (OTLP over HTTP). */
  otlpEndpoint: string;
  /** The query API and UI. */
  queryUrl: string;
  traces(service: string, tags?: Record<string, string | number>): Promise<JaegerTrace[]>;
  trace(traceId: string): Promise<JaegerTrace | undefined>;
  output(): string;
  stop(): Promise<void>;
}

/**
 * Jaeger v1.75.0 (cmd/jaeger, built into .cache/ by `npm run jaeger:build`, or here on first
 * use) with in-memory storage: OTLP over HTTP on one free port, the query API on another, and
 * nothing else listening (no gRPC receivers, no metrics endpoint, no sampling server).
 */
export async function startJaeger(): Promise<JaegerProcess> {
  if (!isExecutable(JAEGER_CACHE_BIN)) buildJaeger();
  const [otlp, query, queryGrpc] = [await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "jaeger-"));
  const configFile = join(dir, "config.yaml");
  writeFileSync(
    configFile,
    `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${query}
    grpc:
      endpoint: 127.0.0.1:${queryGrpc}
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  const child: ChildProcess = spawn(JAEGER_CACHE_BIN, ["--config", configFile], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const queryUrl = `http://127.0.0.1:${query}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`jaeger exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`jaeger did not start:\n${output}`);
    const up = await fetch(`${queryUrl}/api/services`).then((r) => r.ok, () => false);
    if (up && (await canPost(`http://127.0.0.1:${otlp}/v1/traces`))) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const get = async (path: string) => {
    const response = await fetch(`${queryUrl}${path}`);
    if (response.status === 404) return { data: [] };
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { data: JaegerTrace[] };
  };
  return {
    otlpEndpoint: `http://127.0.0.1:${otlp}`,
    queryUrl,
    async traces(service, tags) {
      const search = new URLSearchParams({ service, limit: "1000", lookback: "1h" });
      if (tags) search.set("tags", JSON.stringify(Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]))));
      return (await get(`/api/traces?${search}`)).data;
    },
    async trace(traceId) {
      return (await get(`/api/traces/${traceId}`)).data[0];
    },
    output: () => output,
    async stop() {
      // In memory only, nothing to keep: its graceful stop takes seconds, so it is killed.
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The OTLP receiver answers (an empty protobuf request is a valid, empty export). */
async function canPost(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: "POST", headers: { "content-type": "application/x-protobuf" }, body: new Uint8Array() });
    return response.ok;
  } catch {
    return false;
  }
}

/** The value of a span's tag (attribute), or undefined. */
export function tag(span: JaegerSpan, key: string): unknown {
  return span.tags.find((t) => t.key === key)?.value;
}

/** The span's parent in the same trace: its CHILD_OF reference, else (as Jaeger's UI draws it) its first FOLLOWS_FROM. */
export function parentOf(trace: JaegerTrace, span: JaegerSpan): JaegerSpan | undefined {
  const ref = span.references.find((r) => r.refType === "CHILD_OF") ?? span.references[0];
  return ref && trace.spans.find((s) => s.spanID === ref.spanID);
}

/** The value of a tag of the process (resource) that sent the span. */
export function processTag(trace: JaegerTrace, span: JaegerSpan, key: string): unknown {
  return trace.processes[span.processID]?.tags.find((t) => t.key === key)?.value;
}

/** Polls until `find` returns something (Jaeger stores what it receives within moments). */
export async function eventually<T>(find: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not found in Jaeger within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
