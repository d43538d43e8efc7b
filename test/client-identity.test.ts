import { loadConfig } from "../src/config";
import { postJson, startTestApp } from "./support/harness";

// Each request a different document: a repeated one would be a response-cache hit (1 unit).
let asked = 0;
const ask = (url: string, forwardedFor?: string, path = "") =>
  postJson(url + path, { query: `{ __typename } # ${(asked += 1)}` }, forwardedFor ? { "x-forwarded-for": forwardedFor } : {});

describe("When the API sits behind a reverse proxy (TRUST_PROXY)", () => {
  test("then TRUST_PROXY=true is refused at start: it would believe whatever a client writes", () => {
    expect(() => loadConfig({ TRUST_PROXY: "true" })).toThrow(/TRUST_PROXY/);
    expect(loadConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.1, 10.1.0.0/16" }).trustProxy).toEqual(["10.0.0.1", "10.1.0.0/16"]);
  });

  test("then a client cannot pick its rate-limit bucket by writing X-Forwarded-For entries", async () => {
    // One trusted hop: the address the proxy appended (the right-most) is the client's.
    const t = await startTestApp({ TRUST_PROXY: "1", RATE_LIMIT_BUDGET: "10" });
    try {
      const statuses = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await ask(t.url, `198.51.100.${i}, 203.0.113.7`)).status);
      // Each request costs 1 on arrival and 1 for { __typename }: five fit in 10 units.
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
      expect(statuses.slice(5).every((s) => s === 429)).toBe(true);
      // Another client of the same proxy has a budget of its own.
      expect((await ask(t.url, "203.0.113.8")).status).toBe(200);
      // The address logged is the one the limit used.
      const logged = t.logs.filter((l) => (l.req as { remoteAddress?: string } | undefined)?.remoteAddress);
      expect(logged.map((l) => (l.req as { remoteAddress: string }).remoteAddress)).toContain("203.0.113.7");
      expect(logged.some((l) => /198\.51\.100/.test(JSON.stringify(l)))).toBe(false);
    } finally {
      await t.stop();
    }
  });

  test("then without TRUST_PROXY X-Forwarded-For is ignored altogether", async () => {
    const t = await startTestApp({ RATE_LIMIT_BUDGET: "4" });
    try {
      const statuses = [];
      for (let i = 0; i < 4; i += 1) statuses.push((await ask(t.url, `203.0.113.${i}`)).status);
      expect(statuses).toEqual([200, 200, 429, 429]);
    } finally {
      await t.stop();
    }
  });
});

describe("When a credential is put in a query string", () => {
  test("then the request log shows the URL with its value redacted", async () => {
    const t = await startTestApp();
    try {
      const query = encodeURIComponent("{ __typename }");
      await fetch(`${t.url}?query=${query}&api_key=sk-live-123456&access_token=abc&token=t0k`);
      const text = JSON.stringify(t.logs);
      expect(text).not.toMatch(/sk-live-123456|=abc|t0k/);
      const urls = t.logs.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean);
      expect(urls).toContain(`/graphql?query=${query}&api_key=[redacted]&access_token=[redacted]&token=[redacted]`);
    } finally {
      await t.stop();
    }
  });
});
