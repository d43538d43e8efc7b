import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmbeddedServer } from "../src/db/embedded-server";
import { postJson, startTestApp, type TestApp, waitForStatus } from "./support/harness";

let t: TestApp;
beforeAll(async () => (t = await startTestApp()));
afterAll(() => t.stop());

describe("When a field fails, the HTTP status is 294 (Partial Success) and the error carries code and httpStatus", () => {
  test("then an unknown code gives null, NOT_FOUND and 404, and the rest of the data survives", async () => {
    const res = await t.gql<any>(`{ missing: statusCode(code: 299) { code } ok: statusCode(code: 200) { code } }`);
    expect(res.status).toBe(294);
    expect(res.data).toEqual({ missing: null, ok: { code: 200 } });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ path: ["missing"], extensions: { code: "NOT_FOUND", httpStatus: 404 } });
  });

  test.each([
    ["a code below 100", `{ statusCode(code: 99) { code } }`],
    ["a code above 599", `{ statusCode(code: 600) { code } }`],
    ["an id that is not base64", `{ node(id: "%%%") { id } }`],
    ["an id of an unknown type", `{ node(id: "${Buffer.from("User:1").toString("base64")}") { id } }`],
    ["an id with a non-numeric key", `{ node(id: "${Buffer.from("StatusCode:abc").toString("base64")}") { id } }`],
  ])("then %s gives BAD_USER_INPUT and 422", async (_n, query) => {
    const res = await t.gql(query);
    expect(res.status).toBe(294);
    expect(res.data).toBeDefined(); // executed: the field is null, the rest of the result stands
    expect(res.errors?.[0].extensions).toMatchObject({ code: "BAD_USER_INPUT", httpStatus: 422 });
  });
});

describe("When the request itself is bad, the HTTP status is the error's", () => {
  test.each([
    ["a syntax error", "GRAPHQL_PARSE_FAILED", 400, { query: "{ statusCode(" }],
    ["an unknown field", "GRAPHQL_VALIDATION_FAILED", 422, { query: "{ statusCode(code: 200) { nope } }" }],
    ["a variable of the wrong type", "BAD_USER_INPUT", 422, { query: "query($c: Int!) { statusCode(code: $c) { code } }", variables: { c: "x" } }],
    ["several operations and no operationName", "OPERATION_RESOLUTION_FAILURE", 422, { query: "query A { errorCodes { code } } query B { errorCodes { code } }" }],
  ])("then %s gives %s and %i under either media type, as a graphql-response+json body", async (_n, code, status, body) => {
    // The 2026 draft: a request error's status is the same whatever the client accepts; a legacy
    // client (application/json, or no Accept) is told by the Content-Type that the 4xx is a GraphQL response.
    for (const accept of ["application/graphql-response+json", "application/json", undefined]) {
      const res = await postJson(t.url, body, accept === undefined ? {} : { accept });
      expect({ accept, status: res.status }).toEqual({ accept, status });
      expect(res.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors[0].extensions).toMatchObject({ code, httpStatus: status });
      expect(res.body.errors[0].extensions.requestId).toBe(res.headers.get("x-request-id"));
    }
  });

  test("then a request without a query is not a GraphQL request: INVALID_GRAPHQL_REQUEST with 422 under either media type", async () => {
    for (const body of [{ variables: {} }, {}, { qeury: "{ errorCodes { code } }" }]) {
      for (const accept of ["application/json", "application/graphql-response+json"]) {
        const res = await postJson(t.url, body, { accept });
        expect({ body, accept, status: res.status }).toEqual({ body, accept, status: 422 });
        expect(res.headers.get("content-type")).toMatch(/^application\/graphql-response\+json/);
        expect(res.body.data).toBeUndefined();
        expect(res.body.errors[0].extensions).toMatchObject({ code: "INVALID_GRAPHQL_REQUEST", httpStatus: 422 });
      }
    }
  });

  test("then malformed JSON gets a GraphQL-shaped BAD_REQUEST body, as application/json (an HTTP-level refusal)", async () => {
    const res = await postJson(t.url, "{not json");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.body.errors[0].extensions).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
  });

  test("then an unknown persisted query hash gives PERSISTED_QUERY_NOT_FOUND and a retry with the query works", async () => {
    const query = "{ statusCode(code: 201) { reasonPhrase } }";
    const persistedQuery = { version: 1, sha256Hash: createHash("sha256").update(query).digest("hex") };
    const miss = await postJson(t.url, { extensions: { persistedQuery } });
    expect(miss.body.errors[0].extensions).toMatchObject({ code: "PERSISTED_QUERY_NOT_FOUND", httpStatus: 404 });
    expect(miss.status).toBe(200); // as Apollo sends it: APQ links retry on it
    const retry = await postJson(t.url, { query, extensions: { persistedQuery } });
    expect(retry.body.data.statusCode.reasonPhrase).toBe("Created");
    const hit = await postJson(t.url, { extensions: { persistedQuery } });
    expect(hit.body.data.statusCode.reasonPhrase).toBe("Created");
  });

  test("then a caller's safe request id is echoed in the header and the errors", async () => {
    const res = await postJson(t.url, { query: "{ statusCode(code: 299) { code } }" }, { "x-request-id": "trace-abc.123" });
    expect(res.headers.get("x-request-id")).toBe("trace-abc.123");
    expect(res.body.errors[0].extensions.requestId).toBe("trace-abc.123");
    const unsafe = await postJson(t.url, { query: "{ errorCodes { code } }" }, { "x-request-id": "bad id with spaces and ; semicolons" });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("When something unexpected fails, even with NODE_ENV=development", () => {
  let dev: TestApp;
  const saved = process.env.NODE_ENV;
  beforeAll(async () => {
    process.env.NODE_ENV = "development";
    dev = await startTestApp({ CATALOGUE_RESYNC_MS: "1000" });
    // A corrupt entry, as a faulty migration or a manual edit could leave it (the periodic
    // reload of the read model picks up writes that bypassed the API).
    await dev.app.connection.collection("status_codes").insertOne({ code: 299, class: "SUCCESSFUL", version: 1 });
    for (let i = 0; i < 40 && (await dev.gql(`{ statusCode(code: 299) { code } }`)).data?.statusCode == null; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    process.env.NODE_ENV = saved;
    await dev.stop();
  });

  test("then the client sees a masked INTERNAL_SERVER_ERROR and the log has the cause under the same request id", async () => {
    const res = await postJson(dev.url, { query: "{ statusCode(code: 299) { code reasonPhrase } }" });
    expect(res.status).toBe(294);
    expect(res.body.data).toEqual({ statusCode: null });
    const [error] = res.body.errors;
    expect(error.message).toBe("Internal server error");
    expect(error.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", httpStatus: 500, requestId: res.headers.get("x-request-id") });
    expect(JSON.stringify(res.body)).not.toMatch(/stack|non-nullable|reasonPhrase\./i);

    const logged = dev.logs.find((l) => l.requestId === error.extensions.requestId);
    expect(logged).toMatchObject({ level: 50, code: "INTERNAL_SERVER_ERROR" });
    expect(JSON.stringify(logged)).toContain("Cannot return null for non-nullable field StatusCode.reasonPhrase");
  });
});

describe("When the database is unreachable", () => {
  test("then reads are answered from the read model and say how stale; history fails fast with SERVICE_UNAVAILABLE (503 when nothing resolved); /readyz says 503", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "statusgraph-outage-"));
    const db = await startEmbeddedServer({ dataDir, databaseName: "outage", ferretdbBin: process.env.FERRETDB_BIN });
    const app = await startTestApp({ MONGODB_URI: db.uri, MONGODB_SERVER_SELECTION_TIMEOUT_MS: "500", CATALOGUE_STALE_AFTER_MS: "1000" });
    const readyz = app.url.replace("/graphql", "/readyz");
    try {
      expect((await fetch(readyz)).status).toBe(200);
      await db.stop();
      const started = Date.now();
      const read = await postJson(app.url, { query: "{ statusCode(code: 200) { code reasonPhrase } }" });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ data: { statusCode: { code: 200, reasonPhrase: "OK" } }, extensions: { cost: { requestedQueryCost: expect.any(Number) } } });

      // Only history needs the database. Under a nullable field the failure leaves data: a
      // partial result, 294, whose error says 503.
      const history = await postJson(app.url, { query: "{ statusCode(code: 200) { history { edges { node { version } } } } }" });
      expect(history.status).toBe(294);
      expect(history.headers.get("retry-after")).toBe("5"); // the partial result still says when to retry
      expect(history.body.data).toEqual({ statusCode: null });
      expect(history.body.errors[0]).toMatchObject({
        message: "The database is unavailable; retry later",
        extensions: { code: "SERVICE_UNAVAILABLE", httpStatus: 503 },
      });
      // Under non-null fields up to the root, nothing resolved (data null): the HTTP status says so too.
      const nothing = await postJson(app.url, { query: "{ statusCodes(first: 1) { nodes { history(first: 1) { edges { node { version } } } } } }" });
      expect(nothing.status).toBe(503);
      expect(nothing.headers.get("retry-after")).toBe("5");
      expect(nothing.body.data).toBeNull();
      expect(nothing.body.errors.map((e: any) => e.extensions)).toEqual([expect.objectContaining({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 })]);
      expect(await waitForStatus(readyz, 503)).toBe(503);

      // Past CATALOGUE_STALE_AFTER_MS the model is unconfirmed: every response and /readyz say since when.
      await new Promise((r) => setTimeout(r, 1200));
      const stale = await postJson(app.url, { query: "{ statusCode(code: 404) { reasonPhrase } }" });
      expect(stale.body.data.statusCode.reasonPhrase).toBe("Not Found");
      expect(Number(stale.headers.get("x-catalogue-stale-seconds"))).toBeGreaterThanOrEqual(1);
      const ready: any = await (await fetch(readyz)).json();
      expect(ready).toMatchObject({ status: "database unavailable", catalogue: { stale: true } });
      expect(ready.catalogue.stalenessMs).toBeGreaterThan(1000);
      expect((await fetch(app.url.replace("/graphql", "/healthz"))).status).toBe(200);
    } finally {
      await app.app.stop();
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("When a query runs past the time limit", () => {
  test("then catalogue reads, answered from memory, never wait on it", async () => {
    const slow = await startTestApp({ QUERY_TIMEOUT_MS: "1" });
    try {
      const res = await slow.gql<any>(`{ statusCodes(filter: { search: "no such text anywhere" }) { totalCount } statusCode(code: 404) { code } }`);
      expect(res.errors).toBeUndefined();
      expect(res.data).toEqual({ statusCodes: { totalCount: 0 }, statusCode: { code: 404 } });
    } finally {
      await slow.stop();
    }
  });

  test("then history, which is read from the database, is cut off with GATEWAY_TIMEOUT (504)", async () => {
    // Long enough for the entry's own lookup (about 10 ms on FerretDB), not for a scan of a long history.
    const slow = await startTestApp({ QUERY_TIMEOUT_MS: "150" });
    try {
      // A long history, and none of the filler entries that would slow the entry's own lookup.
      const revisions = Array.from({ length: 50_000 }, (_, i) => ({ code: 404, version: -i, action: "UPDATE", at: new Date(), by: "filler", changes: [], snapshot: {} }));
      await slow.app.connection.collection("status_code_revisions").insertMany(revisions);
      // A page's histories are read in one query (an _id lookup each for a few entries, one scan for more).
      const res = await slow.gql<any>(`{ statusCodes(first: 40) { nodes { code history(first: 1) { edges { node { by } } } } } }`);
      expect(res.errors?.length).toBeGreaterThan(0); // history is non-null: the first failure nulls the page
      expect(new Set(res.errors?.map((e) => `${e.path?.at(-1)} ${e.extensions.code}`))).toEqual(new Set(["history GATEWAY_TIMEOUT"]));
    } finally {
      await slow.stop();
    }
  });
});
