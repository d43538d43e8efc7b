import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { clientWithKey, createKey, postJson, startTestApp, type TestApp } from "./support/harness";

const TOKEN = "metrics-token-for-tests-0123456789";
const scrapeText = async (t: TestApp) => (await fetch(new URL("/metrics", t.url), { headers: { authorization: `Bearer ${TOKEN}` } })).text();
/** The requests counted under that operation label, by outcome "success" and no error code. */
const succeeded = (text: string, operation: string) => {
  const series = `statusgraph_requests_total{route="/graphql",operation="${operation}",outcome="success",code=""} `;
  return Number(text.split("\n").find((line) => line.startsWith(series))?.slice(series.length) ?? 0);
};

describe("When an operator scrapes /metrics", () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_BUDGET: "300" })));
  afterAll(() => t.stop());
  const scrape = (token?: string) => fetch(new URL("/metrics", t.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test("then, with the token, it gets requests by operation, outcome and error code, latency, database commands, staleness, cache and refusals, in Prometheus' format", async () => {
    // A key holder's operations are counted by name (see below for callers without a key).
    const asKeyHolder = clientWithKey(t, (await createKey(t, "reader")).key);
    await asKeyHolder(`query Teapot { statusCode(code: 418) { code } }`);
    await asKeyHolder(`query Missing { statusCode(code: 299) { code } }`);
    const get = `${t.url}?query=${encodeURIComponent("{ statusCode(code: 404) { code } }")}`;
    await fetch(get);
    await fetch(get); // a response-cache hit
    await t.gql(`{ statusCode(code: 404) { history { edges { node { version } } } } }`); // a database read
    let refused = 0;
    for (let i = 0; i < 100 && !refused; i += 1) {
      // A different document each time: a repeated one would be a response-cache hit (1 unit).
      const costly = JSON.stringify({ query: `{ statusCodes(first: 20) { nodes { code } } } # ${i}` });
      const res = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json" }, body: costly });
      if (res.status === 429) refused += 1;
    }
    expect(refused).toBe(1);

    const res = await scrape(TOKEN);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();
    const value = (pattern: RegExp) => Number(new RegExp(`^${pattern.source} (\\S+)$`, "m").exec(text)?.[1] ?? NaN);
    expect(value(/statusgraph_requests_total\{route="\/graphql",operation="Teapot",outcome="success",code=""\}/)).toBe(1);
    expect(value(/statusgraph_requests_total\{route="\/graphql",operation="Missing",outcome="success",code="NOT_FOUND"\}/)).toBe(1);
    expect(value(/statusgraph_rate_limit_refusals_total/)).toBe(1);
    expect(value(/statusgraph_response_cache_hits_total/)).toBeGreaterThanOrEqual(1);
    expect(value(/statusgraph_request_duration_seconds_count\{route="\/graphql"\}/)).toBeGreaterThanOrEqual(6);
    expect(value(/statusgraph_db_command_duration_seconds_count\{command="find",outcome="ok"\}/)).toBeGreaterThanOrEqual(1);
    expect(value(/statusgraph_catalogue_staleness_seconds/)).toBeLessThan(5);
    expect(value(/process_resident_memory_bytes/)).toBeGreaterThan(0);
  });

  test("then a stream the server ends (its key revoked) is counted once, as one that its client closes", async () => {
    const { id, key } = await createKey(t, "reader", "stream watcher");
    const query = "subscription Watched { statusCodeChanged(codes: [418]) { code } }";
    const requestId = "revoked-stream-1";
    const res = await fetch(t.url, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${key}`, "x-request-id": requestId }, body: JSON.stringify({ query }) });
    expect(res.status).toBe(200);
    const body = res.text(); // resolves once the server has ended the stream
    await new Promise((r) => setTimeout(r, 200));
    expect(await new ApiKeyService(apiKeyModel(t.app.connection)).revoke(id)).toBe(true);
    expect(await body).toMatch(/UNAUTHENTICATED/);
    // Both ways of counting it had their chance: the stream's end, and Fastify's hook on the response's finish.
    await new Promise((r) => setTimeout(r, 300));
    expect(succeeded(await scrapeText(t), "Watched")).toBe(1);
    // Logged once too, by the stream. Fastify's own listeners of the response's end (its hook and
    // its "request completed" line) were let go when the stream began: they kept its request,
    // reply and logger for as long as the stream lived (http-subscriptions.ts, releaseFastify).
    const lines = t.logs.filter((l) => l.reqId === requestId);
    expect(lines.filter((l) => l.msg === "stream ended")).toHaveLength(1);
    expect(lines.filter((l) => l.msg === "request completed")).toHaveLength(0);
    expect(lines.some((l) => l.msg === "incoming request")).toBe(true); // Fastify did log this request
  });

  test("then without the token, or with another, it gets 401 and no figures", async () => {
    for (const res of [await scrape(), await scrape("not-the-token")]) {
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="statusgraph-metrics"');
      const text = await res.text();
      expect(text).not.toContain("statusgraph_");
      // The API's one error format, with the table's code and status.
      expect(JSON.parse(text).errors[0].extensions).toMatchObject({ code: "UNAUTHENTICATED", httpStatus: 401 });
    }
  });

  test("then with no METRICS_TOKEN configured there is no /metrics at all", async () => {
    const plain = await startTestApp();
    try {
      expect((await fetch(new URL("/metrics", plain.url))).status).toBe(404);
    } finally {
      await plain.stop();
    }
  });

  describe("and clients name their operations (labels kept for the life of the process)", () => {
    test("then 120 names sent without a key take no label: a key holder's operation is still counted by its name, and the junk only as (anonymous caller)", async () => {
      const app = await startTestApp({ METRICS_TOKEN: TOKEN, LOG_LEVEL: "silent" });
      try {
        for (let i = 0; i < 120; i += 1) expect((await postJson(app.url, { query: `query Junk${i} { __typename }` })).status).toBe(200);
        const key = (await createKey(app, "reader")).key;
        expect((await clientWithKey(app, key)(`query StatusBoard { statusCode(code: 418) { code } }`)).data).toEqual({ statusCode: { code: 418 } });
        // Twice over GET: the second is a response-cache hit, answered by the fast path.
        const url = `${app.url}?query=${encodeURIComponent("query StatusPage { statusCode(code: 404) { code } }")}`;
        for (let i = 0; i < 2; i += 1) expect((await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);

        let text = await scrapeText(app);
        expect(succeeded(text, "StatusBoard")).toBe(1);
        expect(succeeded(text, "StatusPage")).toBe(2);
        expect(succeeded(text, "(anonymous caller)")).toBe(120);
        expect(text).not.toMatch(/operation="(Junk|other)/);

        // Key holders' names are still bounded: 100 distinct ones (2 taken above), at most 64 characters.
        const asKeyHolder = clientWithKey(app, key);
        for (let i = 0; i < 100; i += 1) await asKeyHolder(`query Keyed${i} { __typename }`);
        await asKeyHolder(`query ${"L".repeat(65)} { __typename }`);
        text = await scrapeText(app);
        expect(succeeded(text, "Keyed97")).toBe(1);
        expect(succeeded(text, "Keyed98")).toBe(0);
        expect(succeeded(text, "other")).toBe(3);
      } finally {
        await app.stop();
      }
    });

    test("then with TRUSTED_DOCUMENTS a listed document is counted by its name, whoever runs it and however (by hash, in full, from the cache, as a stream), and an unlisted one without a key as (anonymous caller)", async () => {
      const listed = "query Teapot { statusCode(code: 418) { code } }";
      const listedStream = "subscription Changes { statusCodeChanged(codes: [418]) { code } }";
      const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
      const hash = sha256(listed);
      const manifest = join(mkdtempSync(join(tmpdir(), "metrics-trusted-")), "persisted-documents.json");
      writeFileSync(manifest, JSON.stringify({ [`sha256:${hash}`]: listed, [`sha256:${sha256(listedStream)}`]: listedStream }));
      const app = await startTestApp({ METRICS_TOKEN: TOKEN, TRUSTED_DOCUMENTS: manifest, LOG_LEVEL: "silent" });
      try {
        // By hash over GET, three times: run once, then answered from the cache (the fast path).
        const byHash = `${app.url}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }))}`;
        for (let i = 0; i < 3; i += 1) expect((await fetch(byHash)).status).toBe(200);
        expect((await postJson(app.url, { query: listed })).body.data).toEqual({ statusCode: { code: 418 } });
        expect((await postJson(app.url, { query: "query Unlisted { __typename }" })).status).toBe(200);
        // Subscriptions over SSE, counted when their streams end.
        for (const query of [listedStream, "subscription UnlistedStream { statusCodeChanged(codes: [418]) { code } }"]) {
          const stream = new AbortController();
          const res = await fetch(app.url, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" }, body: JSON.stringify({ query }), signal: stream.signal });
          expect(res.status).toBe(200);
          stream.abort();
        }

        let text = "";
        for (let waited = 0; waited < 3000 && succeeded(text, "Changes") + succeeded(text, "(anonymous caller)") < 3; waited += 50) {
          text = await scrapeText(app);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(succeeded(text, "Teapot")).toBe(4);
        expect(succeeded(text, "Changes")).toBe(1);
        expect(succeeded(text, "(anonymous caller)")).toBe(2);
        expect(text).not.toMatch(/operation="Unlisted/);
      } finally {
        await app.stop();
      }
    });
  });
});

describe("When a refusal that says \"come back later\" is held (REFUSAL_HOLD_MS)", () => {
  // A budget of 3 units an address: the anonymous caller's third or fourth request is refused 429.
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_BUDGET: "3", REFUSAL_HOLD_MS: "2000" })));
  afterAll(() => t.stop());

  test("then it is sent whole once held, after later requests of others, and counted and logged once", async () => {
    const ask = (id: string) =>
      fetch(t.url, { method: "POST", headers: { "content-type": "application/json", "x-request-id": id }, body: JSON.stringify({ query: "{ statusCode(code: 404) { code } }" }) });
    let refusedId: string | undefined;
    let held: Promise<Response> | undefined;
    for (let i = 0; !held && i < 10; i += 1) {
      const res = await ask(`before-${i}`);
      await res.arrayBuffer();
      if (res.status === 429) {
        // Its budget is spent: the next one is refused too, and held.
        refusedId = `held-${i}`;
        held = ask(refusedId);
      }
    }
    expect(held).toBeDefined();
    // Another caller (a key: a budget of its own) is answered while the refusal waits.
    const other = await clientWithKey(t, (await createKey(t, "reader")).key)(`{ statusCode(code: 418) { code } }`);
    expect(other.status).toBe(200);
    const logsBefore = t.logs.filter((l) => l.reqId === refusedId && l.msg === "request completed").length;
    expect(logsBefore).toBe(0); // still held

    const res = await held!;
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(0);
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("x-ratelimit-remaining")).toBe("0"); // the budget's headers, set before it was held
    const body = (await res.json()) as { errors: { extensions: Record<string, unknown> }[] };
    expect(body.errors[0].extensions).toMatchObject({ code: "RATE_LIMITED", httpStatus: 429, requestId: refusedId });

    // Logged once and counted once among the 429s, held or not.
    await new Promise((r) => setTimeout(r, 100));
    const lines = t.logs.filter((l) => l.reqId === refusedId && l.msg === "request completed");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ res: { statusCode: 429 } });
    const refusals = t.logs.filter((l) => l.msg === "request completed" && (l.res as { statusCode: number }).statusCode === 429).length;
    const counted = [...(await scrapeText(t)).matchAll(/^statusgraph_requests_total\{[^}]*code="RATE_LIMITED"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(counted).toBe(refusals);
  }, 30_000);
});
