import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { parse, validate } from "graphql";
import { PROJECT_ROOT } from "../src/project-root";
import { uniqueDatabaseUri } from "./support/harness";
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

describe("When the server runs with trusted documents", () => {
  // The page learns the policy from the server that serves it, never from what the API answers.
  const listed = "query Teapot { statusCode(code: 418) { code } }";
  const dir = mkdtempSync(join(tmpdir(), "playground-policy-"));
  const manifest = join(dir, "persisted-documents.json");
  writeFileSync(manifest, JSON.stringify({ [createHash("sha256").update(listed).digest("hex")]: listed }));
  const policyOfPage = async (env: Record<string, string>) => {
    const t = await startTestApp({ LOG_LEVEL: "silent", ...env });
    try {
      const body = await (await fetch(t.url, { headers: html })).text();
      return /<div id="graphiql" data-trusted-documents="([a-z]+)">/.exec(body)?.[1];
    } finally {
      await t.stop();
    }
  };

  test.each([
    ["strict", { TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "strict" }],
    ["writes", { TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "writes" }],
    ["open", { TRUSTED_DOCUMENTS: manifest }],
    ["off", {}],
  ])("then the page it serves says %s", async (policy, env) => {
    expect(await policyOfPage(env)).toBe(policy);
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

describe("When the server was compiled with tsc alone (no `npm run build`)", () => {
  test("then it stops at start with a message that names `npm run build`, not a bare ENOENT", async () => {
    // A copy of the project with dist/src but no dist/playground, as `npx tsc` leaves it.
    const root = mkdtempSync(join(tmpdir(), "statusgraph-tsc-only-"));
    try {
      writeFileSync(join(root, "package.json"), "{}");
      for (const dir of ["node_modules", "src"]) symlinkSync(join(PROJECT_ROOT, dir), join(root, dir)); // modules; the seed's data
      cpSync(join(PROJECT_ROOT, "dist", "src"), join(root, "dist", "src"), { recursive: true });
      const env = { PATH: process.env.PATH, MONGODB_URI: uniqueDatabaseUri(), PORT: "0", LOG_LEVEL: "warn" };
      const result = await promisify(execFile)(process.execPath, [join(root, "dist", "src", "main.js")], { env, timeout: 20_000 }).catch((e) => e);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/The playground is not built \(.*dist\/playground is missing\): run `npm run build`/);
      expect(result.stderr).not.toMatch(/ENOENT/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 30_000);
});
