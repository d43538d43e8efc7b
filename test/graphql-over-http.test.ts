import { connect } from "node:net";
import { createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * The "Status Codes" and "Accept" sections of the GraphQL over HTTP draft (2026), one row per
 * sentence that names a status, each sent over real HTTP under both media types: as a client
 * of the draft asks (`application/graphql-response+json`) and as a legacy client
 * (`application/json` only), which the draft answers "as if" it had asked for the first, with
 * the full range of statuses, and `application/json` for a 2xx. Each row asserts the status,
 * the content type and whether `data` is present.
 *
 * Most rows are one table (ROWS). Three sentences need more than a request to one server, and
 * are tables of their own, asserted the same way (`expectAnswer`):
 * - 406, whose case is the Accept itself (UNACCEPTABLE);
 * - 408, a request that stops halfway, read raw from its socket;
 * - 503, "not able to execute requests at this time due to maintenance": a server draining as
 *   it shuts down, which refuses a request whose body arrives once the drain has begun.
 * Sentences that do not apply: 418, "a short and stout ceramic vessel", which StatusGraph is not.
 * The example "Field errors encountered during execution" still says 200; the normative
 * sentence above it says 294, which the rows follow.
 */
const GQLR = "application/graphql-response+json";
const JSON_ONLY = "application/json";
const POST_JSON = { "content-type": "application/json" };
const CLIENTS = [
  ["a client of the draft", GQLR],
  ["a legacy client", JSON_ONLY],
] as const;

interface Expected {
  status: number;
  /** The content type when it is the same for both media types (HTTP-level refusals: plain JSON). */
  type?: string;
  /** Whether the body has a `data` entry. */
  data: boolean;
}

interface Row extends Expected {
  /** The draft's sentence, shortened. */
  sentence: string;
  send(t: TestApp, accept: string): Promise<Response>;
}

/** A row's assertions on the answer to a request that sent this Accept. */
async function expectAnswer(res: Response, row: Expected, accept: string) {
  const text = await res.text();
  const body = text ? JSON.parse(text) : {};
  // A 2xx has the negotiated type; a GraphQL response's 4xx says so whatever was asked (the
  // draft's legacy rule); an HTTP-level refusal, which is no GraphQL response, is plain JSON.
  const type = row.type ?? (row.status < 300 ? accept : GQLR);
  expect({ status: res.status, type: res.headers.get("content-type")?.split(";")[0], data: "data" in body }).toEqual({ status: row.status, type, data: row.data });
  if (row.status === 405) expect(res.headers.get("allow")).toBe("GET, HEAD, POST, QUERY");
  if (!row.data) expect(body.errors?.[0]?.extensions?.httpStatus).toBe(row.status);
}

/**
 * A POST written on a socket of its own, headers first with `sent` characters of its body; the
 * rest when `finish()` is called. With `Expect: 100-continue` (and nothing of the body sent),
 * `continued` resolves once the server has the headers and has begun the request (Node answers
 * 100 Continue as it does). `answer` is what the server sent, read raw until it closes the
 * connection, as a Response.
 */
function partialPost(app: TestApp, accept: string, body: string, sent: number, expectContinue = false) {
  const socket = connect(Number(new URL(app.url).port), "127.0.0.1");
  const head = ["POST /graphql HTTP/1.1", "Host: x", `Accept: ${accept}`, "Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`];
  if (expectContinue) head.push("Expect: 100-continue");
  socket.write(`${head.join("\r\n")}\r\n\r\n${body.slice(0, sent)}`);
  let received = "";
  let onContinue = () => {};
  const continued = new Promise<void>((resolve) => (onContinue = resolve));
  socket.on("data", (chunk) => {
    received += chunk;
    if (/^HTTP\/1\.1 100 [^\r]*\r\n\r\n/.test(received)) onContinue();
  });
  const answer = new Promise<Response>((resolve, reject) => {
    socket.on("close", () => {
      try {
        resolve(rawResponse(received));
      } catch (error) {
        reject(error);
      }
    });
    socket.on("error", reject);
  });
  return { continued, finish: () => socket.write(body.slice(sent)), answer };
}

/** An HTTP/1.1 response as the socket carried it (any 100 Continue before it left out), as a Response. */
function rawResponse(raw: string): Response {
  const final = raw.replace(/^(HTTP\/1\.1 1\d\d [^\r]*\r\n\r\n)+/, "");
  const split = final.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = final.slice(0, split).split("\r\n");
  const [, status, statusText] = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine) ?? [];
  const headers = new Headers(lines.map((line) => [line.slice(0, line.indexOf(":")).trim(), line.slice(line.indexOf(":") + 1).trim()] as [string, string]));
  const body = final.slice(split + 4);
  expect(Buffer.byteLength(body)).toBe(Number(headers.get("content-length"))); // the whole body, not chunked
  return new Response(body, { status: Number(status), statusText, headers });
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

describe.each(CLIENTS)("When %s sends each request of the draft's Status Codes section", (_who, accept) => {
  test.each(ROWS.map((row) => [row.sentence, row] as const))("then %s", async (_sentence, row) => {
    await expectAnswer(await row.send(t, accept), row, accept);
  });
});

/**
 * 406's sentence is about the Accept itself, so it cannot be sent under either media type: its
 * rows are an Accept that names neither, and Accepts that name one or both and turn them down
 * (q=0, "not acceptable" in RFC 9110). The refusal is no GraphQL response such a client could
 * read: plain JSON, whatever was asked.
 */
const UNACCEPTABLE: [string, string][] = [
  ["an Accept that names neither media type (text/html)", "text/html"],
  ["an Accept that turns application/graphql-response+json down", `${GQLR};q=0, text/html`],
  ["an Accept that turns application/json down", `${JSON_ONLY};q=0, text/html`],
  ["an Accept that turns both down", `${GQLR};q=0, ${JSON_ONLY};q=0`],
];

describe("When a client's Accept allows no media type the API sends, and not application/json (the draft's 406)", () => {
  test.each(UNACCEPTABLE)("then %s gets 406", async (_what, accept) => {
    await expectAnswer(await query(t, accept, { query: "{ __typename }" }), { status: 406, type: JSON_ONLY, data: false }, accept);
  });
});

describe("When a client does not finish its request in time (the draft's 408)", () => {
  // Both clients' requests stall together on a server of their own, its timeouts at their
  // minimum (1 s): one wait for both rows.
  let slow: TestApp;
  const answers = new Map<string, Promise<Response>>();
  beforeAll(async () => {
    slow = await startTestApp({ LOG_LEVEL: "silent", REQUEST_HEADERS_TIMEOUT_MS: "1000", REQUEST_TIMEOUT_MS: "1000" });
    for (const [, accept] of CLIENTS) {
      const { answer } = partialPost(slow, accept, JSON.stringify({ query: "{ __typename }" }), 1);
      answer.catch(() => {}); // awaited by its test, which fails with it
      answers.set(accept, answer);
    }
  });
  afterAll(() => slow.stop());

  test.each(CLIENTS)("then %s gets 408, and the connection is closed", async (_who, accept) => {
    const res = await answers.get(accept)!;
    expect(res.headers.get("connection")).toBe("close");
    await expectAnswer(res, { status: 408, type: JSON_ONLY, data: false }, accept);
  });
});

describe("When a client's request meets a server that is draining for a shutdown (the draft's 503: maintenance)", () => {
  // A server of its own. Each client's request has begun (its headers are in and the server
  // said 100 Continue) when the shutdown starts; its body arrives once the drain has begun, and
  // the request is refused before anything runs. No timer is waited for.
  const answers = new Map<string, Promise<Response>>();
  beforeAll(async () => {
    const draining = await startTestApp({ LOG_LEVEL: "silent" });
    const body = JSON.stringify({ query: "{ statusCode(code: 503) { code } }" });
    const requests = CLIENTS.map(([, accept]) => ({ accept, ...partialPost(draining, accept, body, 0, true) }));
    await Promise.all(requests.map((r) => r.continued));
    // Dropped now, as the harness's stop() would do first: the drain begins in the same turn as
    // stop() is called (it says so before it waits for anything).
    await draining.app.connection.dropDatabase();
    const stopped = draining.app.stop();
    for (const r of requests) {
      r.finish();
      answers.set(r.accept, r.answer);
    }
    await Promise.all([stopped, ...answers.values()]);
  });

  test.each(CLIENTS)("then %s gets 503 with Retry-After, and the connection is closed", async (_who, accept) => {
    const res = await answers.get(accept)!;
    const { errors } = (await res.clone().json()) as { errors: { message: string }[] };
    expect({ retryAfter: res.headers.get("retry-after"), connection: res.headers.get("connection"), why: errors[0].message }).toEqual({
      retryAfter: "5",
      connection: "close",
      why: "The server is shutting down; retry",
    });
    await expectAnswer(res, { status: 503, type: JSON_ONLY, data: false }, accept);
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
