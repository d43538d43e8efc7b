import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { nulParameter, repeatedMember } from "../src/http/graphql-over-http/decoding";
import { startServerProcess, type ServerProcess } from "./support/server-process";

/**
 * What was checked is what runs: every way a request can spell its document is decoded once,
 * and the limits, trusted documents and Apollo all read that one decoding. Against the built
 * server in production config, in its own process (a document that blocked it blocks only it).
 * Each reproduction here ran on the old code: the GET tricks returned data past every limit,
 * the fragment bombs held the event loop for seconds, and a listed hash streamed unlisted text.
 */
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const aliases = (n: number) => `{ statusCode(code: 404) { ${Array.from({ length: n }, (_, i) => `a${i}: code`).join(" ")} } }`;
const ALIASES_31 = aliases(31);
const ALIASES_30 = aliases(30);
/** The bomb: 22 levels of fragments on __Schema that each spread the next twice (2^22 visits). */
const SCHEMA_BOMB = (() => {
  const fragments = Array.from({ length: 22 }, (_, i) => `fragment F${i} on __Schema { ...F${i + 1} ...F${i + 1} }`);
  return `query Bomb { __schema { ...F0 } } ${fragments.join(" ")} fragment F22 on __Schema { queryType { name } }`;
})();
/** The same with no field at the bottom: a spread of a fragment that does not exist selects nothing, yet is visited 2^22 times. */
const EMPTY_BOMB = (() => {
  const fragments = Array.from({ length: 22 }, (_, i) => `fragment F${i} on __Schema { ...F${i + 1} ...F${i + 1} }`);
  return `query Bomb { __schema { ...F0 } } ${fragments.join(" ")} fragment F22 on __Schema { ...Nowhere }`;
})();

const LISTED = "subscription Listed { statusCodeChanged(codes: [418]) { code } }";
const UNLISTED = "subscription Unlisted { statusCodeChanged(codes: [418]) { code entry { description updatedBy } } }";
const dir = mkdtempSync(join(tmpdir(), "decoding-"));
const manifest = join(dir, "persisted-documents.json");
writeFileSync(manifest, JSON.stringify({ [sha256(LISTED)]: LISTED, [sha256(ALIASES_30)]: ALIASES_30 }));

let server: ServerProcess;
let strict: ServerProcess;
const health: number[] = [];
let watching = true;
let watcher: Promise<void>;

beforeAll(async () => {
  [server, strict] = await Promise.all([startServerProcess(), startServerProcess({ TRUSTED_DOCUMENTS: manifest, TRUSTED_DOCUMENTS_POLICY: "strict" })]);
  // /healthz asked throughout, and answered 200 every time (how soon is the bench's to measure).
  watcher = (async () => {
    while (watching) {
      const res = await fetch(server.url.replace("/graphql", "/healthz")).catch(() => undefined);
      health.push(res?.status ?? 0);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
}, 60_000);

afterAll(async () => {
  watching = false;
  await watcher;
  await Promise.all([server.stop(), strict.stop()]);
});

async function get(search: string, target = server, headers: Record<string, string> = {}) {
  const res = await fetch(`${target.url}?${search}`, { headers: { accept: "application/graphql-response+json", ...headers } });
  return { status: res.status, body: (await res.json()) as any };
}

async function post(body: unknown, target = server, headers: Record<string, string> = {}) {
  const res = await fetch(target.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), text: await res.text() };
}

const codeOf = (body: any) => body.errors?.[0]?.extensions?.code;
const q = (text: string) => encodeURIComponent(text);

describe("A GET's parameters are decoded once, strictly", () => {
  test.each([
    ["an invalid UTF-8 byte after a comment (%FF)", `query=${q(ALIASES_31)}%23%FF`],
    ["an overlong UTF-8 slash (%C0%AF)", `query=${q(ALIASES_31)}%23%C0%AF`],
    ["an encoded surrogate (%ED%A0%80)", `query=${q(ALIASES_31)}%23%ED%A0%80`],
    ["a percent sign with no escape after it", `query=${q(ALIASES_31)}%23%G1`],
    ["a NUL (%00)", `query=${q(ALIASES_31)}%00`],
    ["a repeated query", `query=${q("{ __typename }")}&query=${q(ALIASES_31)}`],
    ["a repeated variables", `query=${q("{ __typename }")}&variables=%7B%7D&variables=%7B%7D`],
    ["a repeated extensions", `query=${q("{ __typename }")}&extensions=%7B%7D&extensions=%7B%7D`],
  ])("so %s is refused with 400 before anything runs", async (_name, search) => {
    const res = await get(search);
    expect({ status: res.status, code: codeOf(res.body), data: res.body.data }).toEqual({ status: 400, code: "BAD_REQUEST", data: undefined });
  });

  test("and the issue's bomb behind #%FF is refused, where it held the process for 15 s", async () => {
    const res = await get(`query=${q(SCHEMA_BOMB)}%23%FF`);
    expect({ status: res.status, code: codeOf(res.body) }).toEqual({ status: 400, code: "BAD_REQUEST" });
  });

  test("and `+` is a space to the limits as to Apollo: 31 aliases spelled with + are refused, 30 run", async () => {
    const over = await get(`query=${ALIASES_31.replaceAll(" ", "+")}`);
    expect(codeOf(over.body)).toBe("TOO_MANY_ALIASES");
    const within = await get(`query=${ALIASES_30.replaceAll(" ", "+")}`);
    expect(Object.keys(within.body.data.statusCode)).toHaveLength(30);
  });

  test("and in a variable `+` is a space while %2B is a plus sign, as the resolver receives them", async () => {
    const search = (variables: string) => get(`query=${q("query($s: String!) { statusCodes(filter: { search: $s }) { totalCount } }")}&variables=${variables}`);
    const spaced = await search(`%7B%22s%22%3A%22Not+Found%22%7D`);
    const plus = await search(`%7B%22s%22%3A%22Not%2BFound%22%7D`);
    expect(spaced.body.data.statusCodes.totalCount).toBeGreaterThan(0);
    expect(plus.body.data.statusCodes.totalCount).toBe(0);
  });

  test("and a double-encoded document is decoded once only: %257B is the text %7B, which does not parse", async () => {
    const res = await get(`query=%257B+__typename+%257D`);
    expect({ status: res.status, code: codeOf(res.body), data: res.body.data }).toEqual({ status: 400, code: "GRAPHQL_PARSE_FAILED", data: undefined });
  });

  test("and the limits refuse what the query string decodes to, on the cache's fast path too", async () => {
    // Twice: the second is the one the fast path would answer, were the first ever kept.
    for (let i = 0; i < 2; i += 1) expect(codeOf((await get(`query=${q(ALIASES_31)}`)).body)).toBe("TOO_MANY_ALIASES");
    // A clean one runs, and its repeat is the same answer from the cache.
    const first = await get(`query=${q(ALIASES_30)}`);
    const second = await get(`query=${q(ALIASES_30)}`);
    expect(second.body).toEqual(first.body);
    expect(Object.keys(second.body.data.statusCode)).toHaveLength(30);
  });
});

describe("A path the router decodes to /graphql is /graphql to every check", () => {
  // find-my-way decodes the path before it routes: /graphq%6C reached the /graphql handler while
  // the stages, which looked at the raw URL, let it pass unchecked straight to Apollo.
  const encoded = (target: ServerProcess) => target.url.replace("/graphql", "/graphq%6C");

  test("so its document limits apply: 31 aliases are refused as on /graphql", async () => {
    const [plain, spelled] = [await post({ query: ALIASES_31 }), await postTo(encoded(server), { query: ALIASES_31 })];
    expect(spelled).toEqual({ status: plain.status, code: "TOO_MANY_ALIASES" });
  });

  test("and its key is checked: an unknown one is refused", async () => {
    expect(await postTo(encoded(server), { query: "{ __typename }" }, { authorization: "Bearer sg_nope" })).toEqual({ status: 401, code: "UNAUTHENTICATED" });
  });

  test("and under strict trusted documents an unlisted text is refused before Apollo", async () => {
    expect(await postTo(encoded(strict), { query: ALIASES_31 })).toEqual({ status: 404, code: "PERSISTED_QUERY_NOT_IN_LIST" });
  });
});

describe("Variables and extensions too deep to walk are refused on every path, never a crash", () => {
  // Past about 4,100 levels JSON.stringify overflows the stack; the fast path made the cache key
  // with it, in Node's request listener, where a RangeError would end the process. A URL limit
  // raised to its maximum lets a GET carry 7,000.
  let wide: ServerProcess;
  beforeAll(async () => (wide = await startServerProcess({ MAX_URL_BYTES: String(15 * 1024) })));
  afterAll(() => wide.stop());
  // Brackets unescaped (a URL may carry them): 7,000 levels in 14 KB.
  const deep = (n: number) => `%7B%22a%22:${"[".repeat(n)}${"]".repeat(n)}%7D`;

  test.each(["variables", "extensions"])("a GET whose %s nest 7,000 deep gets 422 BAD_USER_INPUT, and the server stays up", async (name) => {
    for (let i = 0; i < 2; i += 1) {
      const res = await get(`query=${q("{ __typename }")}&${name}=${deep(7000)}`, wide);
      expect({ status: res.status, code: codeOf(res.body) }).toEqual({ status: 422, code: "BAD_USER_INPUT" });
      expect(res.body.errors[0].message).toContain(`The ${name} nest deeper than 32 levels`);
    }
    expect((await fetch(wide.url.replace("/graphql", "/healthz"))).status).toBe(200);
  });
});

async function postTo(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", accept: "application/graphql-response+json", ...headers }, body: JSON.stringify(body) });
  return { status: res.status, code: codeOf(await res.json()) };
}

describe("A POST body is UTF-8 or refused", () => {
  test("a body with an invalid UTF-8 byte is refused with 400, not read with a replacement character", async () => {
    const body = Buffer.concat([Buffer.from(`{"query":${JSON.stringify(ALIASES_30)},"x":"`), Buffer.from([0xff]), Buffer.from('"}')]);
    const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json" }, body });
    expect({ status: res.status, code: codeOf(await res.json()) }).toEqual({ status: 400, code: "BAD_REQUEST" });
  });
});

describe("A POST body is read one way: a member given twice or a NUL in a GraphQL text is refused with 400", () => {
  // JSON.parse keeps the last of a repeated member, another reader perhaps the first: each body
  // here ran its last `query` (data, or a stream) before, and is refused now before any stage.
  const refusedBody = { status: 400, code: "BAD_REQUEST", data: undefined };
  const twice = (first: string, second: string, name = "query") => `{"query":${JSON.stringify(first)},"${name}":${JSON.stringify(second)}}`;
  const withNul = (query: string) => `{"query":${JSON.stringify(query).slice(0, -1)} #\\u0000"}`;
  const STREAMED = "subscription { statusCodeChanged(codes: [418]) { code } }";

  async function refusal(body: string, accept = "application/graphql-response+json") {
    const controller = new AbortController();
    const res = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", accept }, body, signal: controller.signal });
    const streamed = res.status === 200 && !/json/.test(res.headers.get("content-type") ?? "");
    if (streamed) {
      controller.abort();
      return { streamed };
    }
    const parsed = (await res.json()) as any;
    return { status: res.status, code: codeOf(parsed), data: parsed.data, message: parsed.errors?.[0]?.message as string };
  }

  test.each([
    ["a repeated query", twice(ALIASES_31, "{ __typename }"), '"query" more than once'],
    ["a repeated query, the second spelled \\u0071uery", twice(ALIASES_31, "{ __typename }", "\\u0071uery"), '"query" more than once'],
    ["a repeated variables", `{"query":"{ __typename }","variables":{},"variables":{}}`, '"variables" more than once'],
    ["a NUL in the query (in a comment, which graphql-js parses)", withNul("{ __typename }"), "query contains a NUL"],
    ["a NUL in the operationName", `{"query":"query A { __typename }","operationName":"A\\u0000"}`, "operationName contains a NUL"],
  ])("%s is refused, and nothing runs", async (_name, body, message) => {
    const res = await refusal(body);
    expect(res).toMatchObject(refusedBody);
    expect(res.message).toContain(message);
  });

  test("the same holds for QUERY, the body method of a cacheable request", async () => {
    const res = await fetch(server.url, { method: "QUERY", headers: { "content-type": "application/json" }, body: twice(ALIASES_31, "{ __typename }") });
    const parsed = (await res.json()) as any;
    expect({ status: res.status, code: codeOf(parsed), data: parsed.data }).toEqual(refusedBody);
  });

  test("the same member name in two objects, or a NUL in a variable, is no repeat: it runs", async () => {
    const res = await post(`{"query":"{ __typename }","variables":{"query":"a\\u0000"},"extensions":{"query":1}}`);
    expect({ status: res.status, data: JSON.parse(res.text).data }).toEqual({ status: 200, data: { __typename: "Query" } });
  });

  test.each([
    ["SSE", "text/event-stream"],
    ["multipart", 'multipart/mixed;subscriptionSpec="1.0"'],
  ])("a subscription's request over %s is refused the same way, not streamed", async (_via, accept) => {
    // Each would stream without the refusal: the last query is a subscription that runs.
    for (const body of [twice("{ __typename }", STREAMED), twice("{ __typename }", STREAMED, "\\u0071uery"), withNul(STREAMED)]) {
      expect(await refusal(body, accept)).toMatchObject(refusedBody);
    }
  });
});

describe("A graphql-ws message is read one way", () => {
  const init = JSON.stringify({ type: "connection_init", payload: {} });

  test("a member given twice in a subscribe's payload closes the socket with 4400, and nothing runs", async () => {
    // Without the refusal, the last query ran and was answered with `next`.
    const res = await exchange(`{"id":"1","type":"subscribe","payload":{"query":${JSON.stringify(ALIASES_31)},"query":"{ __typename }"}}`);
    expect(res).toEqual({ close: 4400, types: [] });
  });

  test("so does one spelled \\u0071uery, and a member of the message itself given twice", async () => {
    expect(await exchange(`{"id":"1","type":"subscribe","payload":{"query":${JSON.stringify(ALIASES_31)},"\\u0071uery":"{ __typename }"}}`)).toEqual({ close: 4400, types: [] });
    expect(await exchange(`{"id":"1","type":"subscribe","id":"2","payload":{"query":"{ __typename }"}}`)).toEqual({ close: 4400, types: [] });
  });

  test("a NUL in a subscribe's query or operationName is refused as the subscribe's error, BAD_REQUEST", async () => {
    for (const payload of [{ query: "{ __typename } #\u0000" }, { query: "query A { __typename }", operationName: "A\u0000" }]) {
      const res = await exchange(JSON.stringify({ id: "1", type: "subscribe", payload }));
      expect(res).toMatchObject({ types: ["error"], codes: ["BAD_REQUEST"] });
    }
  });

  test("a text message that is not UTF-8 is closed by ws with 1007, and a binary one with 4400: nothing runs", async () => {
    const bytes = Buffer.concat([Buffer.from('{"id":"1","type":"subscribe","payload":{"query":"{ __typename } #'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}}')]);
    expect(await exchange(bytes, false)).toEqual({ close: 1007, types: [] });
    expect(await exchange(bytes, true)).toEqual({ close: 4400, types: [] });
    // A client's bad frame is no internal error: nothing is logged (graphql-ws logged a stack).
    expect(server.output()).not.toContain("Internal error");
  });

  test("and a well-formed subscribe still runs, binary or text", async () => {
    for (const binary of [false, true]) {
      const res = await exchange(Buffer.from(JSON.stringify({ id: "1", type: "subscribe", payload: { query: "{ __typename }" } })), binary);
      expect(res).toMatchObject({ types: ["next"] });
    }
  });

  /** A connection, acknowledged, then `message`: what was answered until the first next, error or close. */
  function exchange(message: string | Buffer, binary = false): Promise<{ close?: number; types: string[]; codes?: string[] }> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(server.url.replace("http", "ws"), "graphql-transport-ws");
      const types: string[] = [];
      const timer = setTimeout(() => reject(new Error(`no answer: ${types}`)), 10_000);
      ws.on("open", () => ws.send(init));
      ws.on("message", (raw) => {
        const answer = JSON.parse(String(raw));
        if (answer.type === "connection_ack") return ws.send(message, { binary });
        types.push(answer.type);
        if (answer.type === "next" || answer.type === "error") {
          clearTimeout(timer);
          ws.close();
          // A copy: a query's "complete" may come in the same chunk as its "next", and be read before the test is.
          resolve({ types: [...types], ...(answer.type === "error" && { codes: answer.payload.map((e: any) => e.extensions.code) }) });
        }
      });
      ws.on("close", (code) => {
        clearTimeout(timer);
        resolve({ close: code, types: [...types] });
      });
      ws.on("error", () => {}); // a close the server decided is the answer
    });
  }
});

describe("repeatedMember, the scanner of JSON text", () => {
  test.each([
    ["distinct members", `{"query":"{ a }","variables":{"x":1},"operationName":"A"}`, 1, undefined],
    ["a repeated member", `{"query":"{ a }","query":"{ b }"}`, 1, "query"],
    ["names compared decoded", `{"query":1,"\\u0071uery":2}`, 1, "query"],
    ["an escaped slash", `{"a/b":1,"a\\/b":2}`, 1, "a/b"],
    ["whitespace around", ` { "a" : 1 ,\n\t"a" : 2 } `, 1, "a"],
    ["after a nested object", `{"a":{"b":1,"c":[1,{"d":2}]},"a":2}`, 1, "a"],
    ["keys inside a string are text", `{"query":"\\"query\\":1,\\"query\\":2, {\\"a\\":1}"}`, 2, undefined],
    ["a string ending in an escaped backslash", `{"a":"x\\\\","a":1}`, 1, "a"],
    ["a value equal to a name", `{"a":"a","b":"a"}`, 1, undefined],
    ["strings in an array are no names", `{"a":["a","a",{"b":1}]}`, 2, undefined],
    ["a repeat beyond the depth is not looked for", `{"variables":{"x":1,"x":2}}`, 1, undefined],
    ["a repeat within the depth", `{"variables":{"x":1,"x":2}}`, 2, "x"],
    ["the same name in two objects", `{"a":{"a":1},"b":{"a":2}}`, 2, undefined],
    ["a repeat in an object of an array", `[{"a":1,"a":2}]`, 2, "a"],
    ["the array's own level counts", `[{"a":1,"a":2}]`, 1, undefined],
    ["three deep, depth 2", `{"payload":{"variables":{"x":1,"x":2}}}`, 2, undefined],
  ])("%s", (_name, text, depth, expected) => {
    expect(repeatedMember(text, depth)).toBe(expected);
  });

  test.each([
    ["an unterminated string", `{"a":1,"a`],
    ["brackets closed first", `}}]]{"a":1}`],
    ["an invalid escape in a name", `{"\\x":1,"\\x":2}`],
    ["a lone backslash at the end", `{"a\\`],
    ["no JSON at all", "query=%FF&query=1"],
    ["the empty text", ""],
  ])("never throws: %s", (_name, text) => {
    expect(() => repeatedMember(text, 2)).not.toThrow();
  });

  test("stops at the first name that is not JSON, leaving the refusal to JSON.parse", () => {
    // Found by an attacker's review: each bad escape threw (a SyntaxError and its stack) and the
    // scan went on, half a second of the event loop for a MiB of them.
    const text = `{${Array.from({ length: 1_000 }, (_, i) => `"\\x${i}":0`).join(",")}}`;
    const parse = jest.spyOn(JSON, "parse");
    try {
      expect(repeatedMember(text, 1)).toBeUndefined();
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
  });

  test("reads deep nesting, long strings and runs of escapes", () => {
    const inputs = [
      "[".repeat(1_000_000) + "]".repeat(1_000_000),
      `{"a":${'{"a":'.repeat(200_000)}1${"}".repeat(200_000)},"a":2}`,
      `{"a":"${"x".repeat(2_000_000)}","a":1}`,
      `{"a":"${'\\"'.repeat(500_000)}","a":1}`,
      `{"a":"${"\\\\".repeat(500_000)}","a":1}`,
      `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(",")},"k0":1}`,
    ];
    // Their cost is the bench's to measure (one pass, no recursion), not a test's to time.
    expect(inputs.map((text) => repeatedMember(text, 2))).toEqual([undefined, "a", "a", "a", "a", "k0"]);
  });

  test("nulParameter looks at the GraphQL texts only", () => {
    expect(nulParameter({ query: "{ a }\u0000" })).toBe("query");
    expect(nulParameter({ query: "{ a }", operationName: "A\u0000" })).toBe("operationName");
    expect(nulParameter({ documentId: "sha256:\u0000" })).toBe("documentId");
    expect(nulParameter({ query: "{ a }", variables: { s: "\u0000" } })).toBeUndefined();
    expect(nulParameter(["\u0000"])).toBeUndefined();
  });
});

describe("A fragment bomb costs linear time on every transport", () => {
  const REFUSED = { status: 422, code: "TOO_MANY_SELECTIONS" };

  test.each([
    ["GET", SCHEMA_BOMB],
    ["POST", SCHEMA_BOMB],
    ["SSE", SCHEMA_BOMB],
    ["multipart", SCHEMA_BOMB],
    ["POST, spreads of a fragment that does not exist", EMPTY_BOMB],
  ])("over %s it is refused with TOO_MANY_SELECTIONS", async (via, bomb) => {
    let res: { status: number; body: any };
    if (via === "GET") res = await get(`query=${q(bomb)}`);
    else {
      const accept = via === "SSE" ? "text/event-stream" : via === "multipart" ? 'multipart/mixed;subscriptionSpec="1.0"' : undefined;
      const sent = await post({ query: bomb }, server, accept ? { accept } : {});
      res = { status: sent.status, body: JSON.parse(sent.text) };
    }
    expect({ status: res.status, code: codeOf(res.body) }).toEqual(REFUSED);
  });

  test("over graphql-ws it is refused as the subscribe's error", async () => {
    const errors = await subscribeOnce(server, { query: SCHEMA_BOMB });
    expect(errors.map((e: any) => e.extensions.code)).toEqual(["TOO_MANY_SELECTIONS"]);
  });

  test("and an unused fragment cannot carry one: every fragment's expansion is bounded", async () => {
    const fragments = Array.from({ length: 22 }, (_, i) => `fragment F${i} on __Schema { ...F${i + 1} ...F${i + 1} }`);
    const res = await post({ query: `{ __typename } ${fragments.join(" ")} fragment F22 on __Schema { queryType { name } }` });
    expect(codeOf(JSON.parse(res.text))).toBe("TOO_MANY_SELECTIONS");
  });

  test("and /healthz answered 200 to every ask while the bombs were sent", () => {
    expect(health.length).toBeGreaterThan(0);
    expect(health.filter((status) => status !== 200)).toEqual([]);
  });
});

describe("Under strict trusted documents, a listed hash runs only the listed text", () => {
  const smuggled = { query: UNLISTED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LISTED) } } };

  test.each([
    ["SSE", "text/event-stream"],
    ["multipart", 'multipart/mixed;subscriptionSpec="1.0"'],
  ])("an unlisted subscription sent over %s with a listed hash is refused, not streamed", async (_via, accept) => {
    const controller = new AbortController();
    const res = await fetch(strict.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept },
      body: JSON.stringify(smuggled),
      signal: controller.signal,
    });
    const streamed = res.status === 200 && !/json/.test(res.headers.get("content-type") ?? "");
    if (streamed) controller.abort();
    expect(streamed).toBe(false);
    expect({ status: res.status, code: codeOf(await res.json()) }).toEqual({ status: 400, code: "BAD_REQUEST" });
  });

  test.each(["POST", "GET"] as const)("a query sent by %s with a listed hash and other text is refused with the same code", async (method) => {
    const params = { query: ALIASES_30.replace("a0", "b0"), extensions: { persistedQuery: { version: 1, sha256Hash: sha256(ALIASES_30) } } };
    const res =
      method === "POST"
        ? await post(params, strict).then((r) => ({ status: r.status, body: JSON.parse(r.text) }))
        : await get(`query=${q(params.query)}&extensions=${q(JSON.stringify(params.extensions))}`, strict);
    expect({ status: res.status, code: codeOf(res.body), data: res.body.data }).toEqual({ status: 400, code: "BAD_REQUEST", data: undefined });
  });

  test("over graphql-ws the same is refused as the subscribe's error", async () => {
    const errors = await subscribeOnce(strict, smuggled);
    expect(errors.map((e: any) => e.extensions.code)).toEqual(["BAD_REQUEST"]);
  });

  test("and the listed text with its own hash still streams over SSE", async () => {
    const controller = new AbortController();
    const res = await fetch(strict.url, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: LISTED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LISTED) } } }),
      signal: controller.signal,
    });
    expect({ status: res.status, type: res.headers.get("content-type") }).toMatchObject({ status: 200, type: expect.stringContaining("text/event-stream") });
    controller.abort();
  });
});

/** One graphql-ws subscribe; resolves with the errors it was answered with. */
function subscribeOnce(target: ServerProcess, payload: Record<string, unknown>): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url.replace("http", "ws"), "graphql-transport-ws");
    const timer = setTimeout(() => reject(new Error("no answer to the subscribe")), 10_000);
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
    ws.on("message", (raw) => {
      const message = JSON.parse(String(raw));
      if (message.type === "connection_ack") ws.send(JSON.stringify({ id: "1", type: "subscribe", payload }));
      if (message.type === "error" || message.type === "next") {
        clearTimeout(timer);
        ws.close();
        resolve(message.type === "error" ? message.payload : []);
      }
    });
    ws.on("error", reject);
  });
}
