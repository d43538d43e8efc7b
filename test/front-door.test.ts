import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";
import { startServerProcess } from "./support/server-process";
import { startTestApp, type TestApp } from "./support/harness";

// What Chromium sends from its address bar, and what curl sends.
const BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
const CURL = "*/*";

let t: TestApp;
let root: string;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: "silent" });
  root = t.url.replace(/\/graphql$/, "");
});
afterAll(() => t.stop());

describe("When a newcomer opens http://localhost:4000/ instead of /graphql", () => {
  test("then a browser is redirected to the playground at /graphql, and gets its page there", async () => {
    const res = await fetch(`${root}/`, { headers: { accept: BROWSER }, redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/graphql");
    expect(res.headers.get("vary")).toMatch(/accept/i);
    const page = await fetch(new URL(res.headers.get("location")!, root), { headers: { accept: BROWSER } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("StatusGraph playground");
  });

  test("then a program gets a JSON pointer to /graphql whose every link answers", async () => {
    const res = await fetch(`${root}/`, { headers: { accept: CURL } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body: any = await res.json();
    expect(body.message).toMatch(/\/graphql/);
    expect(body.links).toEqual({ graphql: "/graphql", playground: "/graphql", schema: "/schema.graphql", health: "/healthz", readiness: "/readyz" });
    expect((await fetch(`${root}/healthz`)).status).toBe(200);
    expect((await fetch(`${root}/readyz`)).status).toBe(200);
    const schema = await fetch(`${root}${body.links.schema}`);
    expect(schema.status).toBe(200);
    // The SDL served is the committed file codegen reads.
    expect(await schema.text()).toBe(readFileSync(join(PROJECT_ROOT, "schema.graphql"), "utf8"));
    const query = await fetch(`${root}${body.links.graphql}?query=${encodeURIComponent("{ statusCode(code: 404) { reasonPhrase } }")}`);
    expect(((await query.json()) as any).data.statusCode.reasonPhrase).toBe("Not Found");
  });

  test("then no Accept at all is a program too, HEAD answers as GET, and another method is 405 with Allow", async () => {
    const bare = await fetch(`${root}/`, { headers: { accept: "" } });
    expect(((await bare.json()) as any).links.graphql).toBe("/graphql");
    const head = await fetch(`${root}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
    const post = await fetch(`${root}/`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(post.status).toBe(405);
    expect(post.headers.get("allow")).toBe("GET, HEAD");
    expect(((await post.json()) as any).errors[0].extensions).toMatchObject({ code: "METHOD_NOT_ALLOWED", httpStatus: 405 });
  });

  test("then, with PLAYGROUND=false, a browser gets the JSON pointer (no redirect to a page that is not there)", async () => {
    const bare = await startTestApp({ PLAYGROUND: "false", METRICS_TOKEN: "m".repeat(16), LOG_LEVEL: "silent" });
    try {
      const res = await fetch(bare.url.replace(/\/graphql$/, "/"), { headers: { accept: BROWSER }, redirect: "manual" });
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).links).toEqual({ graphql: "/graphql", schema: "/schema.graphql", health: "/healthz", readiness: "/readyz", metrics: "/metrics" });
    } finally {
      await bare.stop();
    }
  });
});

describe("When `npm start` prints its start-up line", () => {
  test("then, by default, it names the database and says trusted documents, Redis, metrics and tracing are off", async () => {
    // FerretDB on SQLite takes any PLAIN credentials: the line must show none of them, nor the options.
    const server = await startServerProcess({ MONGODB_URI: `mongodb://reader:s3cret@${new URL(t.uri).host}${new URL(t.uri).pathname}?authMechanism=PLAIN&authSource=%24external` });
    try {
      const line = server.output().split("\n").find((l) => l.includes("listening at"))!;
      expect(line).toBe(
        `StatusGraph listening at ${server.url} (database: MONGODB_URI ${new URL(t.uri).host}${new URL(t.uri).pathname}; trusted documents: off (any document runs); redis: off; metrics: off; tracing: off; playground: on)`,
      );
      expect(line).not.toContain("s3cret");
    } finally {
      await server.stop();
    }
  });

  test("then, configured, it names the trusted-documents policy, Redis and the metrics route", async () => {
    // Named, not reached: the line says what is configured (Redis down is a warning, not a stop).
    const redis = { url: "redis://127.0.0.1:9/0" };
    const manifest = join(PROJECT_ROOT, "examples", "src", "gql", "persisted-documents.json");
    const listed = Object.keys(JSON.parse(readFileSync(manifest, "utf8"))).length;
    const server = await startServerProcess({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "strict", REDIS_URL: redis.url, METRICS_TOKEN: "m".repeat(16) });
    try {
      const line = server.output().split("\n").find((l) => l.includes("listening at"))!;
      expect(line).toContain(`trusted documents: strict (${listed} listed: only those run)`);
      expect(line).toContain("redis: on (budgets and live updates shared by replicas)");
      expect(line).toContain("metrics: GET /metrics with METRICS_TOKEN");
      expect(line).not.toContain("m".repeat(16));
      expect(line).not.toContain(redis.url);
    } finally {
      await server.stop();
    }
  });
});
