import { startTestApp, type TestApp } from "./support/harness";

const TOKEN = "metrics-token-for-tests-0123456789";

describe("When an operator scrapes /metrics", () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_BUDGET: "300" })));
  afterAll(() => t.stop());
  const scrape = (token?: string) => fetch(new URL("/metrics", t.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  test("then, with the token, it gets requests by operation, outcome and error code, latency, database commands, staleness, cache and refusals, in Prometheus' format", async () => {
    await t.gql(`query Teapot { statusCode(code: 418) { code } }`);
    await t.gql(`query Missing { statusCode(code: 299) { code } }`);
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

  test("then without the token, or with another, it gets 401 and no figures", async () => {
    for (const res of [await scrape(), await scrape("not-the-token")]) {
      expect(res.status).toBe(401);
      expect(await res.text()).not.toContain("statusgraph_");
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
});
