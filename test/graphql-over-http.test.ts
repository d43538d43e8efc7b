import { connect } from "node:net";
import { createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * The "Status Codes" and "Accept" sections of the GraphQL over HTTP draft (2026), one row per
 * sentence that names a status, each sent over real HTTP under both media types: as a client
 * of the draft asks (`application/graphql-response+json`) and as a legacy client
 * (`application/json` only), which the draft answers "as if" it had asked for the first, with
 * the full range of statuses, and `application/json` for a 2xx.
 */
const GQLR = "application/graphql-response+json";
const JSON_ONLY = "application/json";
const POST_JSON = { "content-type": "application/json" };

interface Row {
  /** The draft's sentence, shortened. */
  sentence: string;
  send(t: TestApp, accept: string): Promise<Response>;
  status: number;
  /** The content type when it is the same for both media types (HTTP-level refusals: plain JSON). */
  type?: string;
  /** Whether the body has a `data` entry. */
  data: boolean;
}

const post = (t: TestApp, accept: string, body: string, headers: Record<string, string> = POST_JSON) =>
  fetch(t.url, { method: "POST", headers: { accept, ...headers }, body });
const query = (t: TestApp, accept: string, body: unknown) => post(t, accept, JSON.stringify(body));
let key: string;

const ROWS: Row[] = [
  { sentence: "data and no errors: 200", send: (t, a) => query(t, a, { query: "{ statusCode(code: 404) { code } }" }), status: 200, data: true },
  {
    sentence: "both data and errors: 294 Partial Success",
    send: (t, a) => query(t, a, { query: "{ found: statusCode(code: 404) { code } missing: statusCode(code: 999) { code } }" }),
    status: 294,
    data: true,
  },
  {
    sentence: "both data (even null) and errors: 294",
    send: (t, a) => query(t, a, { query: "{ statusCodes(first: 101) { totalCount } }" }),
    status: 294,
    data: true,
  },
  {
    sentence: "a mutation attempted via GET: 405",
    send: (t, a) => fetch(`${t.url}?query=${encodeURIComponent('mutation { retireStatusCode(code: 599, reason: "x", expectedVersion: 1) { code } }')}`, { headers: { accept: a } }),
    status: 405,
    data: false,
  },
  { sentence: "an unsupported HTTP method: 405", send: (t, a) => fetch(t.url, { method: "PUT", headers: { accept: a }, body: "{}" }), status: 405, type: JSON_ONLY, data: false },
  { sentence: "an unsupported Content-Type: 415", send: (t, a) => post(t, a, "{ __typename }", { "content-type": "text/plain" }), status: 415, type: JSON_ONLY, data: false },
  { sentence: "the size of the URI too large: 414", send: (t, a) => fetch(`${t.url}?query=${"x".repeat(9000)}`, { headers: { accept: a } }), status: 414, type: JSON_ONLY, data: false },
  { sentence: "the request headers too large: 431", send: (t, a) => fetch(t.url, { headers: { accept: a, "x-padding": "a".repeat(20_000) } }), status: 431, type: JSON_ONLY, data: false },
  { sentence: "the POST body too large: 413", send: (t, a) => query(t, a, { query: `{ __typename } # ${"x".repeat(1_100_000)}` }), status: 413, type: JSON_ONLY, data: false },
  { sentence: "a JSON body that cannot be parsed (NONSENSE): 400", send: (t, a) => post(t, a, "NONSENSE"), status: 400, type: JSON_ONLY, data: false },
  { sentence: 'a JSON body that cannot be parsed ({"query":): 400', send: (t, a) => post(t, a, '{"query":'), status: 400, type: JSON_ONLY, data: false },
  { sentence: "not a well-formed request ({qeury}): 422", send: (t, a) => query(t, a, { qeury: "{ __typename }" }), status: 422, data: false },
  {
    sentence: "not a well-formed request (variables as an array): 422",
    send: (t, a) => query(t, a, { query: "query Q($i: Int!) { statusCode(code: $i) { code } }", variables: [7] }),
    status: 422,
    data: false,
  },
  { sentence: "a document that cannot be parsed: 400", send: (t, a) => query(t, a, { query: "{" }), status: 400, data: false },
  { sentence: "a request that does not pass validation: 422", send: (t, a) => query(t, a, { query: "{ nope }" }), status: 422, data: false },
  {
    sentence: "an operation that cannot be unambiguously determined: 422",
    send: (t, a) => query(t, a, { query: "query A { __typename } query B { __typename }" }),
    status: 422,
    data: false,
  },
  {
    sentence: "variables that cannot be coerced: 422",
    send: (t, a) => query(t, a, { query: "query Q($i: Int!) { statusCode(code: $i) { code } }", variables: { i: "x" } }),
    status: 422,
    data: false,
  },
  {
    sentence: "a client not permitted to issue the request: 401",
    send: (t, a) => post(t, a, JSON.stringify({ query: "{ __typename }" }), { ...POST_JSON, authorization: "Bearer sg_not_a_key" }),
    status: 401,
    type: JSON_ONLY,
    data: false,
  },
  {
    sentence: "a client not permitted to issue the request: 403 (a reader's write)",
    send: (t, a) => post(t, a, JSON.stringify({ query: 'mutation { retireStatusCode(code: 599, reason: "x", expectedVersion: 1) { code } }' }), { ...POST_JSON, authorization: `Bearer ${key}` }),
    status: 294, // the refusal is a field error of a mutation that ran: data null with errors
    data: true,
  },
];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: "silent" });
  key = (await createKey(t, "reader")).key;
});
afterAll(() => t.stop());

describe.each([
  ["a client of the draft", GQLR],
  ["a legacy client", JSON_ONLY],
])("When %s sends each request of the draft's Status Codes section", (_who, accept) => {
  test.each(ROWS.map((row) => [row.sentence, row] as const))("then %s", async (_sentence, row) => {
    const res = await row.send(t, accept);
    const text = await res.text();
    const body = text ? JSON.parse(text) : {};
    // A 2xx has the negotiated type; a GraphQL response's 4xx says so whatever was asked (the
    // draft's legacy rule); an HTTP-level refusal, which is no GraphQL response, is plain JSON.
    const type = row.type ?? (row.status < 300 ? accept : GQLR);
    expect({ status: res.status, type: res.headers.get("content-type")?.split(";")[0], data: "data" in body }).toEqual({ status: row.status, type, data: row.data });
    if (row.status === 405) expect(res.headers.get("allow")).toBe("GET, HEAD, POST, QUERY");
    if (!row.data) expect(body.errors?.[0]?.extensions?.httpStatus).toBe(row.status);
  });
});

describe("When a client lists no type the API can send, and not application/json", () => {
  test("then it gets 406", async () => {
    const res = await query(t, "text/html", { query: "{ __typename }" });
    expect(res.status).toBe(406);
  });
});

describe("When a client does not finish its request in time", () => {
  test("then it gets 408 and the connection is closed", async () => {
    const slow = await startTestApp({ LOG_LEVEL: "silent", REQUEST_HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "1000" });
    try {
      const { port } = new URL(slow.url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.write("POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"));
        let received = "";
        socket.on("data", (chunk) => (received += chunk));
        socket.on("close", () => resolve(received));
        socket.on("error", reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await slow.stop();
    }
  });
});

describe("When a client sends a query with the QUERY method (a safe request with a body)", () => {
  const send = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(t.url, { method: "QUERY", headers: { "content-type": "application/json", accept: GQLR, ...headers }, body: JSON.stringify(body) });
  const long = { query: `query Long { statusCode(code: 418) { code reasonPhrase } } # ${"a query too long for a URL ".repeat(400)}` };

  test("then it runs like a POST, and is cached and revalidated like a GET", async () => {
    const first = await send(long);
    expect({ status: first.status, body: await first.json() }).toMatchObject({ status: 200, body: { data: { statusCode: { code: 418 } } } });
    const etag = first.headers.get("etag");
    expect(etag).toBeTruthy();
    expect(first.headers.get("cache-control")).toMatch(/^public, max-age=\d+$/);
    const again = await send(long, { "if-none-match": etag! });
    expect({ status: again.status, etag: again.headers.get("etag") }).toEqual({ status: 304, etag });
  });

  test("then a mutation over QUERY gets 405 with Allow, and nothing is written", async () => {
    const res = await send({ query: 'mutation { retireStatusCode(code: 599, reason: "x", expectedVersion: 1) { code } }' }, { authorization: `Bearer ${key}` });
    const body = (await res.json()) as any;
    expect({ status: res.status, allow: res.headers.get("allow"), code: body.errors[0].extensions.code, data: body.data }).toEqual({
      status: 405,
      allow: "GET, HEAD, POST, QUERY",
      code: "METHOD_NOT_ALLOWED",
      data: undefined,
    });
  });

  test("then a browser's preflight for QUERY from another origin is allowed", async () => {
    const res = await fetch(t.url, { method: "OPTIONS", headers: { origin: "https://app.example", "access-control-request-method": "QUERY", "access-control-request-headers": "content-type" } });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toContain("QUERY");
  });
});

describe("When a client looks up 294 in the catalogue", () => {
  test("then it is Partial Success from the GraphQL over HTTP specification, and lists the field errors this API sends within it", async () => {
    const res = await query(t, GQLR, { query: "{ statusCode(code: 294) { reasonPhrase registryStatus popularity apiErrorCodes unofficialUses { origin } } }" });
    const { statusCode } = ((await res.json()) as any).data;
    expect(statusCode).toMatchObject({ reasonPhrase: "Partial Success", registryStatus: "UNREGISTERED", popularity: "OTHER" });
    expect(statusCode.unofficialUses.map((u: { origin: string }) => u.origin).join(" ")).toMatch(/GraphQL/);
    expect(statusCode.apiErrorCodes).toEqual(expect.arrayContaining(["NOT_FOUND", "FORBIDDEN", "CONFLICT", "PRECONDITION_FAILED", "SERVICE_UNAVAILABLE"]));
    expect(statusCode.apiErrorCodes).not.toContain("GRAPHQL_VALIDATION_FAILED");
  });
});
