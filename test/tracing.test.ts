import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createKeyAt, uniqueDatabaseUri } from "./support/harness";
import { eventually, type JaegerProcess, type JaegerSpan, type JaegerTrace, parentOf, processTag, startJaeger, tag } from "./support/jaeger";
import { type NginxProcess, startNginx } from "./support/nginx";
import { startRedis, type RedisProcess } from "./support/redis-server";
import { type ServerProcess, startServerProcess } from "./support/server-process";

/**
 * Traces read back from a real Jaeger (v1.75.0, built into .cache/ as FerretDB is): two
 * replicas on one database and one Redis export OTLP over HTTP to it, and each test reads its
 * trace through Jaeger's query API, by the trace id of the traceparent it sent. Spans and
 * attributes are asserted, never timings.
 */
let jaeger: JaegerProcess;
let redis: RedisProcess;
let a: ServerProcess;
let b: ServerProcess;
let adminKey: string;
const uri = uniqueDatabaseUri();
const service = `statusgraph-test-${randomUUID().slice(0, 8)}`;
// Replica A trusts one document (policy open: anything else runs too): its name is bounded.
const LISTED = "query Teapot { statusCode(code: 418) { code } }";
const LISTED_HASH = createHash("sha256").update(LISTED).digest("hex");
const manifest = join(mkdtempSync(join(tmpdir(), "tracing-trusted-")), "persisted-documents.json");
writeFileSync(manifest, JSON.stringify({ [`sha256:${LISTED_HASH}`]: LISTED }));

beforeAll(async () => {
  [jaeger, redis] = await Promise.all([startJaeger(), startRedis()]);
  const env = (replica: string) => ({
    MONGODB_URI: uri,
    REDIS_URL: redis.url,
    CATALOGUE_POLL_MS: "5000", // the change reaches the other replica through Redis, not the poll
    LOG_LEVEL: "info",
    OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpEndpoint,
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${replica}`,
    OTEL_BSP_SCHEDULE_DELAY: "100",
  });
  a = await startServerProcess({ ...env("replica-a"), TRUSTED_DOCUMENTS: manifest }); // the first seeds; the other finds it done
  b = await startServerProcess(env("replica-b"));
  adminKey = await createKeyAt(uri, "Tracer", "admin");
}, 600_000); // the first run builds Jaeger (npm run jaeger:build does it ahead)
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await Promise.all([redis?.stop(), jaeger?.stop()]);
});

/** A client's traceparent: a new trace, sampled, whose root span is the client's. */
function traceparent(): { header: string; traceId: string; spanId: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { header: `00-${traceId}-${spanId}-01`, traceId, spanId };
}

/** The trace, once Jaeger holds spans matching `ready`. */
async function traceOf(traceId: string, ready: (trace: JaegerTrace) => boolean, what: string): Promise<JaegerTrace> {
  let last: JaegerTrace | undefined;
  return eventually(async () => {
    last = await jaeger.trace(traceId);
    return last && ready(last) ? last : undefined;
  }, what).catch((error: Error) => {
    throw new Error(`${error.message}; the trace so far:\n${last ? outline(last) : "(none)"}`);
  });
}

/** One line per span: name, kind, replica, parent and links, tags. */
function outline(trace: JaegerTrace): string {
  return trace.spans
    .map((s) => {
      const refs = s.references.map((r) => `${r.refType}:${trace.spans.find((p) => p.spanID === r.spanID)?.operationName ?? r.spanID}`).join(" ");
      const tags = s.tags.filter((t) => !t.key.startsWith("otel.scope")).map((t) => `${t.key}=${t.value}`).join(" ");
      return `  ${s.operationName} [${processTag(trace, s, "service.instance.id")}] ${refs} | ${tags}`;
    })
    .join("\n");
}

const named = (trace: JaegerTrace, name: string) => trace.spans.filter((s) => s.operationName === name);
const one = (trace: JaegerTrace, name: string): JaegerSpan => {
  const spans = named(trace, name);
  if (spans.length !== 1) throw new Error(`${spans.length} spans named ${name} in ${trace.spans.map((s) => s.operationName).join(", ")}`);
  return spans[0];
};
const server = (trace: JaegerTrace) => trace.spans.find((s) => tag(s, "span.kind") === "server")!;
const childrenOf = (trace: JaegerTrace, span: JaegerSpan) => trace.spans.filter((s) => parentOf(trace, s) === span).map((s) => s.operationName).sort();
const HASH = /^sha256:[0-9a-f]{64}$/;

describe("When tracing is on and a client sends a traceparent", () => {
  const query = "query Phrase { statusCode(code: 418) { reasonPhrase } }";
  const get = (tp: string, headers: Record<string, string> = {}) =>
    fetch(`${a.url}?query=${encodeURIComponent(query)}`, { headers: { traceparent: tp, ...headers } });

  test("then a query that runs is one server span, child of the client's, with admission, cache miss, limits, parse, validate and execute under it, and no span per resolver", async () => {
    const tp = traceparent();
    expect((await get(tp.header)).status).toBe(200);
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "graphql.execute") && t.spans.some((s) => tag(s, "span.kind") === "server"), "the miss");
    const root = server(trace);
    expect(root.references).toEqual([expect.objectContaining({ refType: "CHILD_OF", spanID: tp.spanId })]);
    // Anonymous and unlisted: the name is the caller's to choose, so it is left out.
    expect(root.operationName).toBe("query");
    expect(tag(root, "graphql.operation.name")).toBeUndefined();
    expect(tag(root, "graphql.operation.type")).toBe("query");
    expect(tag(root, "graphql.document.hash")).toMatch(HASH);
    expect(tag(root, "statusgraph.cache.status")).toBe("miss");
    expect(tag(root, "statusgraph.cost")).toEqual(expect.any(Number));
    expect(tag(root, "statusgraph.budget.remaining")).toEqual(expect.any(Number));
    expect(tag(root, "http.response.status_code")).toBe(200);
    expect(tag(root, "statusgraph.replica.id")).toBe("replica-a");
    expect(processTag(trace, root, "service.instance.id")).toBe("replica-a");
    expect(tag(root, "error.type")).toBeUndefined();
    expect(childrenOf(trace, root)).toEqual(expect.arrayContaining(["admission", "document limits", "graphql.execute", "graphql.parse", "graphql.validate", "response cache"]));
    expect(tag(one(trace, "response cache"), "statusgraph.cache.status")).toBe("miss");
    // Nothing but these phases, and database or Redis commands: no resolver spans.
    const phases = new Set(["admission", "response cache", "document limits", "graphql.parse", "graphql.validate", "graphql.execute"]);
    for (const span of trace.spans.filter((s) => s !== root)) {
      expect(phases.has(span.operationName) || tag(span, "db.system") !== undefined || tag(span, "db.system.name") !== undefined).toBe(true);
    }
  });

  test("then a cache hit, answered before Fastify, is a server span with the hit, the document hash and the request id", async () => {
    await get(traceparent().header); // stored (if the test above has not already)
    const tp = traceparent();
    const response = await get(tp.header);
    expect(response.status).toBe(200);
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "response cache"), "the hit");
    const root = server(trace);
    expect(tag(root, "statusgraph.cache.status")).toBe("hit");
    expect(tag(root, "graphql.operation.type")).toBe("query");
    expect(tag(root, "graphql.document.hash")).toMatch(HASH);
    expect(tag(root, "statusgraph.request.id")).toBe(response.headers.get("x-request-id"));
    expect(tag(root, "http.response.status_code")).toBe(200);
    expect(tag(one(trace, "response cache"), "statusgraph.cache.status")).toBe("hit");
    expect(named(trace, "graphql.execute")).toHaveLength(0); // nothing ran

    // And a matching If-None-Match: a 304 from the same path.
    const tp304 = traceparent();
    const notModified = await get(tp304.header, { "if-none-match": response.headers.get("etag")! });
    expect(notModified.status).toBe(304);
    const revalidated = await traceOf(tp304.traceId, (t) => t.spans.some((s) => s.operationName === "response cache"), "the 304");
    expect(tag(server(revalidated), "statusgraph.cache.status")).toBe("304");
    expect(tag(server(revalidated), "http.response.status_code")).toBe(304);
  });

  test("then a refusal by the fast path (a bad key on a GET) is traced as the pipeline's are", async () => {
    const tp = traceparent();
    const response = await get(tp.header, { authorization: "Bearer sg_not_a_key" });
    expect(response.status).toBe(401);
    const { requestId } = ((await response.json()) as any).errors[0].extensions;
    expect(response.headers.get("x-request-id")).toBe(requestId);
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "admission"), "the fast path's refusal");
    const root = server(trace);
    expect(tag(root, "error.type")).toBe("UNAUTHENTICATED");
    expect(tag(root, "statusgraph.request.id")).toBe(requestId);
    expect(tag(root, "http.response.status_code")).toBe(401);
    expect(tag(one(trace, "admission"), "error.type")).toBe("UNAUTHENTICATED");
  });

  test("then a key holder's operation is named, and its database commands are spans of its trace", async () => {
    const tp = traceparent();
    const response = await fetch(a.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${adminKey}`, traceparent: tp.header },
      body: JSON.stringify({ query: "query History { statusCode(code: 404) { code history(first: 2) { edges { node { version } } } } }" }),
    });
    expect(response.status).toBe(200);
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "graphql.execute"), "a named query");
    const root = server(trace);
    expect(root.operationName).toBe("query History");
    expect(tag(root, "graphql.operation.name")).toBe("History");
    const database = trace.spans.filter((s) => tag(s, "db.system") === "mongodb" || tag(s, "db.system.name") === "mongodb");
    // The key's lookup (under admission) and the history's read (under the request).
    expect(database.map((s) => s.operationName)).toEqual(expect.arrayContaining(["find api_keys", "find status_code_revisions"]));
    expect(parentOf(trace, database.find((s) => s.operationName === "find api_keys")!)?.operationName).toBe("admission");
  });

  test("then an anonymous caller's trusted document is named, with its id", async () => {
    const tp = traceparent();
    const response = await fetch(a.url, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: tp.header },
      body: JSON.stringify({ documentId: `sha256:${LISTED_HASH}` }),
    });
    expect(response.status).toBe(200);
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "graphql.execute"), "a trusted document");
    const root = server(trace);
    expect(root.operationName).toBe("query Teapot");
    expect(tag(root, "graphql.operation.name")).toBe("Teapot");
    expect(tag(root, "graphql.document.hash")).toBe(`sha256:${LISTED_HASH}`);
    expect(tag(root, "graphql.document.id")).toBe(`sha256:${LISTED_HASH}`);
  });

  test("then a refused request's trace has the admission span with the refusal's code, and the request id of its error body", async () => {
    const tp = traceparent();
    const response = await fetch(a.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sg_not_a_key", traceparent: tp.header },
      body: JSON.stringify({ query }),
    });
    expect(response.status).toBe(401);
    const { requestId } = ((await response.json()) as any).errors[0].extensions;
    const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => s.operationName === "admission"), "the refusal");
    const root = server(trace);
    expect(tag(root, "error.type")).toBe("UNAUTHENTICATED");
    expect(tag(root, "http.response.status_code")).toBe(401);
    expect(tag(root, "statusgraph.request.id")).toBe(requestId);
    // Whoever holds only the error body finds the trace by its requestId.
    const found = await jaeger.traces(service, { "statusgraph.request.id": requestId });
    expect(found.map((t) => t.traceID)).toEqual([tp.traceId]);
    const admission = one(trace, "admission");
    expect(tag(admission, "error.type")).toBe("UNAUTHENTICATED");
    expect(tag(admission, "otel.status_code")).toBe("ERROR");
    expect(named(trace, "graphql.parse")).toHaveLength(0);
    // The failed-authentication count is kept in Redis: its commands are spans under admission.
    const redisSpans = trace.spans.filter((s) => tag(s, "db.system") === "redis" || tag(s, "db.system.name") === "redis");
    expect(redisSpans.length).toBeGreaterThan(0);

    // And the server's log lines of that request carry its trace and span ids.
    await eventually(async () => (a.output().includes(tp.traceId) ? true : undefined), "a log line with the trace id");
    const lines = a
      .output()
      .split("\n")
      .filter((line) => line.includes(requestId))
      .map((line) => JSON.parse(line));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.trace_id).toBe(tp.traceId);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
  });
});

describe("When a write on one replica is delivered by the other", () => {
  test("then its trace holds the mutation, its database commands, the publish over Redis, and each replica's delivery linked to it", async () => {
    const auth = { "content-type": "application/json", authorization: `Bearer ${adminKey}` };
    const read = await fetch(a.url, { method: "POST", headers: auth, body: JSON.stringify({ query: "{ statusCode(code: 508) { version } }" }) });
    const version = ((await read.json()) as any).data.statusCode.version;
    const tp = traceparent();
    const write = await fetch(a.url, {
      method: "POST",
      headers: { ...auth, traceparent: tp.header },
      body: JSON.stringify({ query: `mutation Loop { updateStatusCode(code: 508, expectedVersion: ${version}, patch: { description: "Traced." }) { version } }` }),
    });
    expect(((await write.json()) as any).data.updateStatusCode.version).toBe(version + 1);

    const trace = await traceOf(tp.traceId, (t) => named(t, "catalogue delivery").length >= 2 && named(t, "catalogue publish").length === 1, "the write and its deliveries");
    const root = server(trace);
    expect(root.operationName).toBe("mutation Loop");
    expect(tag(root, "graphql.operation.type")).toBe("mutation");
    expect(trace.spans.some((s) => tag(s, "db.system") === "mongodb" || tag(s, "db.system.name") === "mongodb")).toBe(true);
    const publish = one(trace, "catalogue publish");
    expect(tag(publish, "span.kind")).toBe("producer");
    expect(tag(publish, "statusgraph.catalogue.code")).toBe(508);
    expect(tag(publish, "statusgraph.catalogue.version")).toBe(version + 1);
    expect(processTag(trace, publish, "service.instance.id")).toBe("replica-a");
    // The message itself went through ioredis: its PUBLISH is a span under the producer.
    expect(trace.spans.some((s) => parentOf(trace, s) === publish && /publish/i.test(s.operationName))).toBe(true);
    const deliveries = named(trace, "catalogue delivery");
    expect(deliveries.map((d) => processTag(trace, d, "service.instance.id")).sort()).toEqual(["replica-a", "replica-b"]);
    for (const delivery of deliveries) {
      expect(tag(delivery, "span.kind")).toBe("consumer");
      expect(tag(delivery, "statusgraph.catalogue.version")).toBe(version + 1);
      // A child of the publish and linked to it: Jaeger shows the one reference, as FOLLOWS_FROM.
      expect(delivery.references).toEqual([expect.objectContaining({ refType: "FOLLOWS_FROM", spanID: publish.spanID })]);
      expect(parentOf(trace, delivery)).toBe(publish);
    }
  });
});

describe("When the write goes through nginx (deploy/nginx.conf) in front of both replicas", () => {
  let nginx: NginxProcess;
  beforeAll(async () => {
    nginx = await startNginx([a, b].map((r) => new URL(r.url).host.replace("localhost", "127.0.0.1")));
  });
  afterAll(async () => nginx?.stop());

  test("then it reads as one story: the replica that served it, its publish, and both replicas' deliveries", async () => {
    const auth = { "content-type": "application/json", authorization: `Bearer ${adminKey}` };
    const read = await fetch(nginx.url, { method: "POST", headers: auth, body: JSON.stringify({ query: "{ statusCode(code: 226) { version } }" }) });
    const version = ((await read.json()) as any).data.statusCode.version;
    const tp = traceparent();
    const write = await fetch(nginx.url, {
      method: "POST",
      headers: { ...auth, traceparent: tp.header },
      body: JSON.stringify({ query: `mutation Proxied { updateStatusCode(code: 226, expectedVersion: ${version}, patch: { description: "Through nginx." }) { version } }` }),
    });
    expect(write.status).toBe(200);
    const trace = await traceOf(tp.traceId, (t) => named(t, "catalogue delivery").length >= 2, "the proxied write");
    const root = server(trace);
    expect(root.references).toEqual([expect.objectContaining({ refType: "CHILD_OF", spanID: tp.spanId })]); // nginx passed the traceparent on
    const served = processTag(trace, root, "service.instance.id");
    expect(["replica-a", "replica-b"]).toContain(served);
    expect(processTag(trace, one(trace, "catalogue publish"), "service.instance.id")).toBe(served);
    expect(named(trace, "catalogue delivery").map((d) => processTag(trace, d, "service.instance.id")).sort()).toEqual(["replica-a", "replica-b"]);
  });
});

describe("When a client subscribes", () => {
  const subscription = "subscription Changes { statusCodeChanged(codes: [451]) { version } }";

  test("then an SSE stream is one server span for the stream's life, and what it delivers is a delivery span of the write's trace", async () => {
    const tp = traceparent();
    const controller = new AbortController();
    const stream = await fetch(b.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${adminKey}`, traceparent: tp.header },
      body: JSON.stringify({ query: subscription }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = "";
    const received = (async () => {
      while (!text.includes("statusCodeChanged")) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    })();

    const auth = { "content-type": "application/json", authorization: `Bearer ${adminKey}` };
    const read = await fetch(a.url, { method: "POST", headers: auth, body: JSON.stringify({ query: "{ statusCode(code: 451) { version } }" }) });
    const version = ((await read.json()) as any).data.statusCode.version;
    const write = traceparent();
    await fetch(a.url, {
      method: "POST",
      headers: { ...auth, traceparent: write.header },
      body: JSON.stringify({ query: `mutation { updateStatusCode(code: 451, expectedVersion: ${version}, patch: { description: "Streamed." }) { version } }` }),
    });
    await received;
    expect(text).toContain(`"version":${version + 1}`);
    controller.abort(); // the stream's span ends with the stream
    await reader.cancel().catch(() => {});

    const streamed = await traceOf(tp.traceId, (t) => t.spans.some((s) => tag(s, "span.kind") === "server"), "the stream");
    const root = server(streamed);
    expect(root.operationName).toBe("subscription Changes");
    expect(tag(root, "graphql.operation.type")).toBe("subscription");
    expect(tag(root, "http.response.status_code")).toBe(200);
    expect(tag(root, "statusgraph.replica.id")).toBe("replica-b");
    expect(root.references).toEqual([expect.objectContaining({ refType: "CHILD_OF", spanID: tp.spanId })]);
    // The write's trace shows replica B delivering it (to the stream among its subscribers).
    const written = await traceOf(write.traceId, (t) => named(t, "catalogue delivery").length >= 2, "the write's deliveries");
    const delivery = named(written, "catalogue delivery").find((d) => processTag(written, d, "service.instance.id") === "replica-b")!;
    expect(tag(delivery, "statusgraph.subscribers")).toBeGreaterThanOrEqual(1);
  });

  test("then a graphql-ws subscribe is a server span parented by the traceparent in its extensions, and a refused one carries the code", async () => {
    const tp = traceparent();
    const refused = traceparent();
    const client = createClient({ url: b.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { authorization: `Bearer ${adminKey}` } });
    try {
      const errors: unknown[] = [];
      client.subscribe({ query: subscription, extensions: { traceparent: tp.header } }, { next: () => {}, error: () => {}, complete: () => {} });
      client.subscribe(
        { query: "subscription { statusCodeChanged { entry { related { related { related { related { related { related { related { related { related { code } } } } } } } } } } } }", extensions: { traceparent: refused.header } },
        { next: () => {}, error: (e) => void errors.push(e), complete: () => {} },
      );
      const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => tag(s, "span.kind") === "server"), "the subscribe");
      const root = server(trace);
      expect(root.operationName).toBe("subscription Changes");
      expect(tag(root, "graphql.operation.type")).toBe("subscription");
      expect(tag(root, "graphql.document.hash")).toMatch(HASH);
      expect(root.references).toEqual([expect.objectContaining({ refType: "CHILD_OF", spanID: tp.spanId })]);
      const deep = await traceOf(refused.traceId, (t) => t.spans.some((s) => tag(s, "span.kind") === "server"), "the refused subscribe");
      expect(tag(server(deep), "error.type")).toBe("QUERY_TOO_DEEP");
    } finally {
      await client.dispose();
    }
  });

  test("then a traceparent in graphql-ws connection_init parents the connection's subscribes", async () => {
    const tp = traceparent();
    const client = createClient({ url: b.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: { traceparent: tp.header } });
    try {
      client.subscribe({ query: subscription }, { next: () => {}, error: () => {}, complete: () => {} });
      const trace = await traceOf(tp.traceId, (t) => t.spans.some((s) => tag(s, "span.kind") === "server"), "the subscribe");
      const root = server(trace);
      // Without a key the operation's name is the caller's to choose: type and hash only.
      expect(root.operationName).toBe("subscription");
      expect(tag(root, "graphql.operation.name")).toBeUndefined();
      expect(root.references).toEqual([expect.objectContaining({ refType: "CHILD_OF", spanID: tp.spanId })]);
    } finally {
      await client.dispose();
    }
  });
});
