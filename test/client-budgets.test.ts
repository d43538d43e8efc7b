import { join } from "node:path";
import { budgetedFetch } from "../examples/src/budget";
import * as example from "../examples/src/client";
import { EntryWithRelated } from "../examples/src/operations";
import { PROJECT_ROOT } from "../src/project-root";
import { createKey, postJson, startTestApp, type TestApp } from "./support/harness";

/** Budgets a client can read, and the example client on trusted documents, over real HTTP. */
const QUERY = "{ statusCode(code: 404) { code reasonPhrase } }";
const sfItem = /^"(\w+)";(\w+)=(\d+);(\w+)=(\d+)$/;

describe("When a client reads its budget from the responses", () => {
  let t: TestApp;
  beforeAll(async () => (t = await startTestApp({ RATE_LIMIT_BUDGET: "200", RATE_LIMIT_KEY_BUDGET: "5000", LOG_LEVEL: "silent" })));
  afterAll(() => t.stop());

  test("then every /graphql response carries RateLimit-Policy and RateLimit in cost units, and the body the operation's cost", async () => {
    const first = await postJson(t.url, { query: QUERY }, { origin: "https://app.example" });
    expect(first.headers.get("ratelimit-policy")).toBe('"address";q=200;w=60');
    const [, policy, r, remaining, tName, reset] = sfItem.exec(first.headers.get("ratelimit") ?? "") ?? [];
    expect([policy, r, tName]).toEqual(["address", "r", "t"]);
    expect(remaining).toBe(first.headers.get("x-ratelimit-remaining")); // the older fields stay, and agree
    expect(Number(reset)).toBeGreaterThan(0);
    expect(Number(reset)).toBeLessThanOrEqual(60);
    const cost: number = first.body.extensions.cost.requestedQueryCost;
    expect(cost).toBeGreaterThan(1);
    expect(Number(remaining)).toBe(200 - 1 - cost); // 1 for arriving, then the operation's cost
    // A page on another origin may read them.
    expect(first.headers.get("access-control-expose-headers")).toMatch(/ratelimit-policy.*ratelimit(,|$)/);

    // A GET answered from the response cache ran nothing: it carries the operation's cost and charges 1.
    const get = () => fetch(`${t.url}?query=${encodeURIComponent(QUERY)}`);
    const miss = await get();
    const before = Number(/r=(\d+)/.exec(miss.headers.get("ratelimit") ?? "")?.[1]);
    const hit = await get();
    expect(Number(/r=(\d+)/.exec(hit.headers.get("ratelimit") ?? "")?.[1])).toBe(before - 1);
    expect(((await hit.json()) as { extensions: { cost: { requestedQueryCost: number } } }).extensions.cost.requestedQueryCost).toBe(cost);
  });

  test("then a caller with a key reads its key's policy, and a spent budget reads r=0 beside Retry-After", async () => {
    const { key } = await createKey(t, "reader");
    const keyed = await postJson(t.url, { query: QUERY }, { authorization: `Bearer ${key}` });
    expect(keyed.headers.get("ratelimit-policy")).toBe('"key";q=5000;w=60');
    expect(keyed.headers.get("ratelimit")).toMatch(/^"key";r=\d+;t=\d+$/);

    let refused;
    for (let i = 0; i < 200 && !refused; i += 1) {
      const res = await postJson(t.url, { query: QUERY });
      if (res.status === 429) refused = res;
    }
    expect(refused?.headers.get("ratelimit")).toMatch(/^"address";r=0;t=\d+$/);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});

describe("When the example client (examples/) runs against a server that trusts only its manifest", () => {
  let t: TestApp;
  beforeAll(async () => {
    const manifest = join(PROJECT_ROOT, "examples", "src", "gql", "persisted-documents.json");
    t = await startTestApp({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "strict", RATE_LIMIT_BUDGET: "10000000", LOG_LEVEL: "silent" });
  });
  afterAll(() => t.stop());

  test("then every operation works, sent as a hash only, while any other document is refused", async () => {
    const sent: { url: string; body?: string }[] = [];
    const recording: typeof fetch = (input, init) => {
      sent.push({ url: String(input), body: init?.body as string | undefined });
      return fetch(input, init);
    };
    const { key } = await createKey(t, "admin", "Ada");
    const client = example.createClient(t.url, key, recording);
    expect((await example.allClientErrors(client, "auth")).map((e) => e.code)).toEqual(expect.arrayContaining([401, 407]));
    expect(await example.describeCode(client, 301)).toMatch(/^301 Moved Permanently \(v\d+, RFC 9110\); see also 308 Permanent Redirect/);
    expect((await example.errorCodesByStatus(client)).get(404)).toEqual(["NOT_FOUND", "PERSISTED_QUERY_NOT_FOUND", "PERSISTED_QUERY_NOT_IN_LIST"]);
    const other = await postJson(t.url, { query: "{ statusCode(code: 410) { version } }" });
    expect(other.body.errors[0].extensions.code).toBe("PERSISTED_QUERY_NOT_IN_LIST"); // a document not in the manifest
    const entry = await client.query({ query: EntryWithRelated, variables: { code: 410 } });
    const version = entry.data!.statusCode!.version;
    expect(await example.updateDescription(client, 410, version, "Gone for good.")).toEqual({ ok: true, version: version + 1 });
    expect(await example.updateDescription(client, 410, version, "Again.")).toEqual({ ok: false, currentVersion: version + 1 });
    client.stop();

    expect(sent.length).toBeGreaterThan(5);
    for (const request of sent) {
      expect(new URL(request.url).searchParams.has("query")).toBe(false);
      expect(JSON.parse(request.body ?? "{}")).not.toHaveProperty("query");
    }
  });
});

describe("When the example's budgeted fetch runs against a server with a small budget", () => {
  let t: TestApp;
  // A 2 s window: the client meets the end of its budget, and its reset, within the test.
  beforeAll(async () => {
    const manifest = join(PROJECT_ROOT, "examples", "src", "gql", "persisted-documents.json");
    t = await startTestApp({ TRUSTED_DOCUMENTS: manifest, RATE_LIMIT_BUDGET: "1000", RATE_LIMIT_WINDOW_MS: "2000", LOG_LEVEL: "silent" });
  });
  afterAll(() => t.stop());

  function recorder() {
    const sleeps: number[] = [];
    const statuses: number[] = [];
    const sentAt: number[] = [];
    const counting: typeof fetch = async (input, init) => {
      sentAt.push(performance.now());
      const res = await fetch(input, init);
      statuses.push(res.status);
      return res;
    };
    const sleep = (ms: number) => (sleeps.push(ms), new Promise<void>((resolve) => setTimeout(resolve, ms)));
    return { sleeps, statuses, sentAt, fetch: budgetedFetch({ fetch: counting, sleep, reserve: 0.5 }) };
  }

  test("then it slows down as the budget runs low, and every request succeeds", async () => {
    const r = recorder();
    const client = example.createClient(t.url, undefined, r.fetch);
    const codes = [200, 201, 202, 203, 204, 205, 206, 207, 208];
    for (const code of codes) expect(await example.describeCode(client, code)).toMatch(new RegExp(`^${code} `));
    client.stop();
    expect(r.sleeps.length).toBeGreaterThan(0); // it waited before the budget was spent...
    expect(r.statuses).toEqual(codes.map(() => 200)); // ...and so was never refused
  }, 30_000);

  test("then a request refused RATE_LIMITED waits as Retry-After says and is sent again", async () => {
    // Another client on the same address spends the budget.
    while ((await postJson(t.url, { query: "{ errorCodes { code } }" })).status !== 429);
    const r = recorder(); // knows nothing of the budget yet: its first request meets the 429
    const client = example.createClient(t.url, undefined, r.fetch);
    expect(await example.describeCode(client, 418)).toMatch(/^418 /);
    client.stop();
    expect(r.statuses[0]).toBe(429);
    expect(r.statuses.at(-1)).toBe(200);
    // Sent again no sooner than Retry-After said (whole seconds, within the 2 s window). The wait
    // is the server's hold of the 429 (REFUSAL_HOLD_MS, 1 s), then the Retry-After it sent, which
    // counts the time held (0 once the window has reset): the client never resends early.
    const waited = r.sentAt[1] - r.sentAt[0];
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(waited).toBeLessThanOrEqual(3000);
    expect(r.sleeps[0]).toBeLessThanOrEqual(2000);
  }, 30_000);
});
