import { createHash, randomBytes } from "node:crypto";
import mongoose from "mongoose";
import { apiKeyModel } from "../src/auth/api-key.model";
import { uniqueDatabaseUri } from "./support/harness";
import { startServerProcess, type ServerProcess } from "./support/server-process";

/**
 * Bounds beyond the request (issue 18, findings 5–9 but the WebSocket caps): what callers can
 * make the process keep, and the answers that were 500s or inconsistent. The built server in its
 * production configuration, in a process of its own whose memory is sampled throughout, with a
 * normal client asking all along; TRUST_PROXY=1 lets each flood speak from addresses of its own
 * (RFC 5737 documentation ranges), as clients behind one proxy would.
 */
const METRICS_TOKEN = "bounds-memory-test-metrics-token";
const GRAPHQL_RESPONSE = "application/graphql-response+json";
/**
 * With the heap production runs with (src/heap.ts, 384 MiB): finding 6's flood of 1,000-field
 * documents, hundreds of KB of validation garbage each, peaked at 263-302 MiB without it (V8
 * let the old space grow before collecting; one CI run failed at 301.6) and at 180 with it.
 */
const MAX_RSS_MIB = 300;

/** New documents may take the whole event loop, and no delay stops them. */
const NO_SHEDDING = { NEW_DOCUMENT_WORK_MS: "0", SHED_EVENT_LOOP_DELAY_MS: "60000" };
let server: ServerProcess;
let peakRssMiB = 0;
let sampler: NodeJS.Timeout;
const normal: { status: number; at: number }[] = [];
let normalRunning = true;
let normalLoop: Promise<void>;
/** Every status a flood received, to check that the only 5xx are 503 and 504. */
const floodStatuses: number[] = [];

async function send(url: string, init: RequestInit & { from: string }) {
  const res = await fetch(url, { ...init, headers: { accept: GRAPHQL_RESPONSE, "x-forwarded-for": init.from, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  floodStatuses.push(res.status);
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
}

const post = (body: unknown, from: string) =>
  send(server.url, { method: "POST", from, headers: { "content-type": "application/json" }, body: typeof body === "string" ? body : JSON.stringify(body) });

/** Runs `count` requests, `concurrency` at a time. */
async function flood(count: number, concurrency: number, request: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await request(next++);
  }));
}

/**
 * The normal client was answered every time since `since` (waiting, up to 5 s, for its first
 * answer since then: a short test may end before the client's next request does), and memory
 * stayed bounded.
 */
async function expectUnharmed(since: number) {
  for (let waited = 0; waited < 5000 && !normal.some((r) => r.at >= since); waited += 20) await new Promise((r) => setTimeout(r, 20));
  const during = normal.filter((r) => r.at >= since);
  expect(during.length).toBeGreaterThan(0);
  expect(during.filter((r) => r.status !== 200)).toEqual([]);
  expect(peakRssMiB).toBeLessThan(MAX_RSS_MIB);
  expect(floodStatuses.filter((s) => s >= 500 && s !== 503 && s !== 504)).toEqual([]);
}

beforeAll(async () => {
  // Each bound alone: the shedding of new documents under pressure (which would turn part of
  // these floods into 503s) has its own test, shedding.test.ts.
  server = await startServerProcess({ TRUST_PROXY: "1", METRICS_TOKEN, ...NO_SHEDDING });
  sampler = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, server.rssMiB())), 50);
  normalLoop = (async () => {
    while (normalRunning) {
      const res = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": "192.0.2.200" },
        body: JSON.stringify({ query: "{ statusCode(code: 404) { code reasonPhrase } }" }),
      });
      await res.arrayBuffer();
      normal.push({ status: res.status, at: Date.now() });
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
});

afterAll(async () => {
  normalRunning = false;
  await normalLoop;
  clearInterval(sampler);
  await server.stop();
});

test("operation names of 1 MB leave metrics scrapes small: sent without a key, a name is no label (finding 5; from a key holder, longer than 64 characters, it is `other`: metrics.test.ts)", async () => {
  const since = Date.now();
  await flood(100, 4, async (i) => {
    const name = `N${i}_${"x".repeat(1_000_000)}`;
    const res = await post({ query: `query ${name} { __typename }` }, "198.51.100.5");
    expect(res.status).toBe(200);
  });
  const scrape = await fetch(server.url.replace("/graphql", "/metrics"), { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  const text = await scrape.text();
  expect(scrape.status).toBe(200);
  expect(text.length).toBeLessThan(100_000); // 100 MB before
  expect(text).toMatch(/statusgraph_requests_total\{route="\/graphql",operation="\(anonymous caller\)",outcome="success",code=""\} 100/);
  await expectUnharmed(since);
});

test("distinct documents do not grow memory: parsed documents are bounded in bytes and kept on their second sight (finding 6)", async () => {
  const since = Date.now();
  // 1,000 selections each (within every limit): the parsed form of one is about 400 KB, so a few
  // hundred show what 20,000 rounds of one-field documents show, in seconds. From 30 addresses,
  // so that no budget runs out (each costs about 1,000 units).
  // Twelve names repeated, not one: graphql-js compares each pair of fields of the same name.
  const fields = `statusCode(code: 404) { ${"id code reasonPhrase class popularity registryStatus cacheableByDefault bodyAllowed source version createdAt updatedAt ".repeat(83)} }`;
  await flood(600, 10, async (i) => {
    const res = await post({ query: `query Op_${randomBytes(8).toString("hex")} { ${fields} }` }, `198.51.100.${100 + (i % 30)}`);
    expect([res.status, res.status === 200 ? "" : res.text]).toEqual([200, ""]);
  });
  // A document that comes again is still answered (now from the store).
  const again = `query Again { ${fields} }`;
  for (let i = 0; i < 3; i += 1) expect((await post({ query: again }, "198.51.100.99")).status).toBe(200);
  console.log(`finding 6: ${Date.now() - since} ms, peak RSS ${peakRssMiB.toFixed(0)} MiB, now ${server.rssMiB().toFixed(0)} MiB`);
  await expectUnharmed(since);
}, 90_000);

test("variables nested 4,000 deep are BAD_USER_INPUT, never a 500 or a logged stack (finding 7)", async () => {
  const since = Date.now();
  const deep = `${"[".repeat(4000)}${"]".repeat(4000)}`;
  const query = "query Deep($v: StatusCodeFilter) { statusCodes(filter: $v, first: 1) { totalCount } }";
  const plain = `{"query":${JSON.stringify(query)},"variables":{"v":${deep}}}`;
  // A persisted query's variables are part of the response cache's key: walked there first.
  const hash = createHash("sha256").update(query).digest("hex");
  const persisted = `{"query":${JSON.stringify(query)},"extensions":{"persistedQuery":{"version":1,"sha256Hash":"${hash}"}},"variables":{"v":${deep}}}`;
  for (const body of [plain, persisted]) {
    expect(body.length).toBeLessThan(8500); // an 8 KB body
    for (let i = 0; i < 10; i += 1) {
      const res = await post(body, "198.51.100.7");
      expect(res.status).toBe(422);
      expect(res.json().errors[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", httpStatus: 422, maxVariableDepth: 32 });
    }
  }
  // Ordinary nesting still works.
  const ok = await post({ query, variables: { v: { class: ["CLIENT_ERROR"], codeRange: { from: 400 } } } }, "198.51.100.7");
  expect(ok.status).toBe(200);
  expect(server.output()).not.toMatch(/RangeError|Maximum call stack/);
  await expectUnharmed(since);
});

test("HEAD /graphql answers as GET would, and every 405 of /graphql carries the same Allow (finding 9)", async () => {
  const since = Date.now();
  const get = `${server.url}?query=${encodeURIComponent("{ statusCode(code: 404) { code } }")}`;
  const [asGet, asHead] = [await send(get, { method: "GET", from: "198.51.100.9" }), await send(get, { method: "HEAD", from: "198.51.100.9" })];
  expect(asGet.status).toBe(200);
  expect(asHead.status).toBe(200);
  expect(asHead.text).toBe("");
  for (const header of ["etag", "content-type", "content-length", "cache-control"]) expect(asHead.headers.get(header)).toBe(asGet.headers.get(header));
  // The playground page, to a browser.
  const page = await send(server.url, { method: "HEAD", from: "198.51.100.9", headers: { accept: "text/html" } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/^text\/html/);

  const mutation = `${server.url}?query=${encodeURIComponent('mutation { retireStatusCode(code: 404, expectedVersion: 1, reason: "x") { code } }')}`;
  const refusals = [
    await send(server.url, { method: "PUT", from: "198.51.100.9" }),
    await send(server.url, { method: "DELETE", from: "198.51.100.9" }),
    await send(server.url, { method: "PATCH", from: "198.51.100.9" }),
    await send(mutation, { method: "GET", from: "198.51.100.9" }),
    await send(mutation, { method: "HEAD", from: "198.51.100.9" }),
  ];
  expect(refusals.map((r) => [r.status, r.headers.get("allow")])).toEqual(refusals.map(() => [405, "GET, HEAD, POST, QUERY"]));
  await expectUnharmed(since);
});

test("FerretDB's 'interrupted (9)', a statement cut off by QUERY_TIMEOUT_MS, is GATEWAY_TIMEOUT like MaxTimeMSExpired (finding 8)", async () => {
  // A server of its own whose reads time out at 15 ms, over 50,000 API keys: FerretDB finds a
  // key by its hash with a scan (it uses only the _id index), and 20 clients sending unknown
  // keys (never cached) keep it busy enough that some scans are cut off half-way (SQLite's
  // SQLITE_INTERRUPT) and the rest before they start (MaxTimeMSExpired).
  const uri = uniqueDatabaseUri();
  const slow = await startServerProcess({ MONGODB_URI: uri, TRUST_PROXY: "1", QUERY_TIMEOUT_MS: "15", AUTH_FAILURE_LIMIT: "1000000", ...NO_SHEDDING });
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    const filler = Array.from({ length: 50_000 }, (_, i) => ({ _id: `filler-${i}`, name: "filler", role: "reader", hash: `h${i}`, prefix: "sg_fill", createdAt: new Date(), revokedAt: null }));
    await apiKeyModel(connection).insertMany(filler);
    const codes = new Map<string, number>();
    const deadline = Date.now() + 20_000;
    while (!/interrupted \(9\)/.test(slow.output()) && Date.now() < deadline) {
      await flood(200, 20, async (i) => {
        const headers = { "content-type": "application/json", authorization: `Bearer sg_${randomBytes(12).toString("hex")}` };
        const res = await send(slow.url, { method: "POST", from: `198.51.100.${20 + (i % 20)}`, headers, body: JSON.stringify({ query: "{ __typename }" }) });
        for (const e of res.json().errors ?? []) codes.set(e.extensions.code, (codes.get(e.extensions.code) ?? 0) + 1);
      });
    }
    // The real error happened (the log has the full error of every 5xx), and was a timeout.
    expect(slow.output()).toMatch(/interrupted \(9\)/);
    expect(codes.get("GATEWAY_TIMEOUT")).toBeGreaterThan(0);
    // The keys found in time were refused as unknown, as always.
    expect([...codes.keys()].filter((c) => c !== "GATEWAY_TIMEOUT" && c !== "UNAUTHENTICATED")).toEqual([]);
  } finally {
    await connection.close();
    await slow.stop();
  }
}, 60_000);
