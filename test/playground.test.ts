import { parse, validate } from "graphql";
import { exampleTabs } from "../scripts/build-playground";
import { buildAppSchema } from "../src/graphql/schema";
import { startTestApp } from "./support/harness";

const html = { accept: "text/html,application/xhtml+xml,*/*;q=0.8" };

describe("When a browser asks /graphql for HTML", () => {
  test("then it gets the playground page under a strict CSP, its assets come from this origin, and GraphQL GETs work as before", async () => {
    const t = await startTestApp();
    try {
      const page = await fetch(t.url, { headers: html });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const csp = page.headers.get("content-security-policy")!;
      expect(csp).toContain("default-src 'self'");
      expect(csp).toMatch(/script-src 'self'(;|$)/); // no 'unsafe-inline', no other source
      const body = await page.text();
      const scripts = [...body.matchAll(/src="([^"]+)"/g)].map((m) => m[1]);
      expect(scripts).toEqual(["/playground/app.js"]);
      expect(body).not.toMatch(/<script>[^<]/); // no inline script

      const asset = await fetch(new URL("/playground/app.js", t.url));
      expect(asset.status).toBe(200);
      expect(asset.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
      expect((await fetch(new URL("/playground/nope.js", t.url))).status).toBe(404);

      const query = await fetch(`${t.url}?query=${encodeURIComponent("{ statusCode(code: 404) { code } }")}`, { headers: { accept: "application/json" } });
      expect(await query.json()).toEqual({ data: { statusCode: { code: 404 } }, extensions: { cost: { requestedQueryCost: expect.any(Number) } } });
    } finally {
      await t.stop();
    }
  });

  test("then with PLAYGROUND=false there is no page: a GET without a query is a bad GraphQL request", async () => {
    const t = await startTestApp({ PLAYGROUND: "false" });
    try {
      const res = await fetch(t.url, { headers: html });
      expect(res.headers.get("content-type")).not.toContain("text/html");
      expect((await fetch(new URL("/playground/app.js", t.url))).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});

describe("When the playground opens with the README's examples", () => {
  test("then each is a tab, and each is a valid operation against the schema", async () => {
    const schema = await buildAppSchema();
    const tabs = exampleTabs();
    expect(tabs.length).toBeGreaterThanOrEqual(10);
    for (const tab of tabs) expect(validate(schema, parse(tab.query)).map((e) => e.message)).toEqual([]);
    expect(tabs.filter((t) => t.query.startsWith("mutation")).every((t) => t.headers?.includes("Authorization"))).toBe(true);
  });
});
