import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
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
