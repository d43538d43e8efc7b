import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { type ErrorCode, factsOf, httpStatusOf } from "../src/errors/error-codes";
import { createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * Parity (issue 22, item 5): every refusal condition over every way in, against one real
 * server. Rows are the conditions, columns the transports; each cell must give the row's error
 * code, with the status the error table gives for it (HTTP: the response status; graphql-ws:
 * the error message's extensions.httpStatus), or the row's close code where the condition ends
 * the socket. The holes of the past lived in the gaps between the transports' copies of the
 * checks: a cell that differs from its row is such a gap, unless the table says why it differs.
 *
 * Each transport carries the document kind it is for: queries over GET and POST, subscriptions
 * over graphql-ws, SSE and multipart.
 */
const TRANSPORTS = ["GET", "POST", "graphql-ws", "SSE", "multipart"] as const;
type Transport = (typeof TRANSPORTS)[number];

const ACCEPT: Record<Transport, string> = {
  GET: "application/graphql-response+json",
  POST: "application/graphql-response+json",
  "graphql-ws": "",
  SSE: "text/event-stream",
  multipart: 'multipart/mixed;subscriptionSpec="1.0"',
};
const HTTP_STREAMS = new Set<Transport>(["SSE", "multipart"]);
const carriesQueries = (transport: Transport) => transport === "GET" || transport === "POST";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// The server's limits, small so that the documents stay readable.
const MAX_DEPTH = 4;
const MAX_COST = 200;
const BUDGET = 100;

// Within every limit: what the rows about the caller send, and what the listed hash lists.
const QUERY = "{ statusCode(code: 418) { code } }";
const SUBSCRIPTION = "subscription { statusCodeChanged(codes: [418]) { code } }";
// 5 fields deep (statusCode, related, temporaryRegistration, excerpt, text); costs 35 and 5.
const DEEP_QUERY = "{ statusCode(code: 418) { related { temporaryRegistration { excerpt { text } } } } }";
const DEEP_SUBSCRIPTION = "subscription { statusCodeChanged(codes: [418]) { entry { temporaryRegistration { excerpt { text } } } } }";
// At most 4 fields deep; cost 604 (50 entries, each with a 10-unit description) and 314 (3 × 10 related).
const COSTLY_QUERY = "{ statusCodes(first: 50) { nodes { code description } } }";
const COSTLY_SUBSCRIPTION = "subscription { statusCodeChanged(codes: [418]) { entry { a: related { description } b: related { description } c: related { description } } } }";
// Costs 124: within MAX_COST, over what is left of BUDGET after the 1 unit of arrival.
const SPENDING_QUERY = "{ statusCodes(first: 10) { nodes { code description } } }";
const VARIABLE_QUERY = "query Lookup($code: Int!) { statusCode(code: $code) { code } }";
const VARIABLE_SUBSCRIPTION = "subscription Watch($codes: [Int!]) { statusCodeChanged(codes: $codes) { code } }";
// A write that succeeds wherever it runs: the entry's version tells whether it ran.
const MUTATION = "mutation Touch($version: Int!, $description: String!) { updateStatusCode(code: 418, expectedVersion: $version, patch: { description: $description }) { version } }";
const VERSION_QUERY = "{ statusCode(code: 418) { version } }";
const INVALID_QUERY = "{ statusCode(code: 418) { nope } }";
const INVALID_SUBSCRIPTION = "subscription { statusCodeChanged(codes: [418]) { nope } }";
const UNLISTED_QUERY = "query Unlisted { statusCode(code: 404) { code } }";
const UNLISTED_SUBSCRIPTION = "subscription Unlisted { statusCodeChanged(codes: [404]) { code } }";

/**
 * The operation's own variable, beside one it does not declare nested 40 levels deep (past the
 * 32 variables may nest). graphql-js ignores a variable no operation declares, so nothing but the
 * depth limit refuses these.
 */
const deepVariables = (transport: Transport) => {
  let extra: unknown = 418;
  for (let i = 0; i < 40; i += 1) extra = [extra];
  return carriesQueries(transport) ? { code: 418, extra } : { codes: [418], extra };
};

/**
 * The server runs under TRUSTED_DOCUMENTS_POLICY=strict with every document of the table
 * listed but the unlisted ones (and the texts sent with another's hash): so each row's own
 * condition is what refuses it, and the trusted documents row shows the list refusing.
 */
const LISTED = [QUERY, SUBSCRIPTION, DEEP_QUERY, DEEP_SUBSCRIPTION, COSTLY_QUERY, COSTLY_SUBSCRIPTION, SPENDING_QUERY, VARIABLE_QUERY, VARIABLE_SUBSCRIPTION, MUTATION, VERSION_QUERY, INVALID_QUERY, INVALID_SUBSCRIPTION];
const dir = mkdtempSync(join(tmpdir(), "parity-"));
const manifest = join(dir, "persisted-documents.json");
writeFileSync(manifest, JSON.stringify(Object.fromEntries(LISTED.map((document) => [`sha256:${sha256(document)}`, document]))));

/** One request, whatever carries it. */
interface Sent {
  query: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  authorization?: string;
}

/**
 * What a cell gave: an error code with its status, a close code, or something that is no
 * refusal; for a write, also whether it ran.
 */
type Outcome = ({ code: string; status: number; httpStatus?: number } | { close: number } | { other: string }) & { ran?: boolean };

interface Row {
  name: string;
  /** The refusal every cell gives, unless `except` says otherwise. */
  code: ErrorCode;
  /** What each transport sends (the document kind it carries); a write gets the entry's version. */
  send: (transport: Transport, version: number) => Sent;
  /** A write: each cell also says whether it ran (the entry's version moved). */
  writes?: true;
  /** Made before each cell, from the cell's own client address. */
  prepare?: (address: string) => Promise<void>;
  /** Cells that differ by design, each with its reason. */
  except?: Partial<Record<Transport, { expect: Outcome; why: string }>>;
}

let t: TestApp;
let revokedKey: string;
let adminKey: string;

const ROWS: Row[] = [
  {
    name: "a revoked key",
    code: "UNAUTHENTICATED",
    send: (transport) => ({ query: carriesQueries(transport) ? QUERY : SUBSCRIPTION, authorization: `Bearer ${revokedKey}` }),
    except: {
      // graphql-ws checks the key at connect (connectionParams), before any subscribe can be
      // sent: the protocol's answer to a refused connection is a close, 4403 Forbidden.
      "graphql-ws": { expect: { close: 4403 }, why: "the key is refused at connect: the socket closes with 4403" },
    },
  },
  {
    name: "a spent budget",
    code: "RATE_LIMITED",
    send: (transport) => ({ query: carriesQueries(transport) ? QUERY : SUBSCRIPTION }),
    prepare: async (address) => {
      for (let i = 0; i < 5; i += 1) {
        const res = await post(address, { query: SPENDING_QUERY }, ACCEPT.POST);
        if (res.headers.get("ratelimit")?.includes("r=0")) return;
      }
      throw new Error(`the budget of ${address} could not be spent`);
    },
  },
  {
    name: "a document not in the list under strict",
    code: "PERSISTED_QUERY_NOT_IN_LIST",
    send: (transport) => ({ query: carriesQueries(transport) ? UNLISTED_QUERY : UNLISTED_SUBSCRIPTION }),
  },
  {
    name: "a listed hash sent with other text",
    code: "BAD_REQUEST",
    send: (transport) =>
      carriesQueries(transport)
        ? { query: UNLISTED_QUERY, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(QUERY) } } }
        : { query: UNLISTED_SUBSCRIPTION, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(SUBSCRIPTION) } } },
  },
  {
    name: "a document too deep",
    code: "QUERY_TOO_DEEP",
    send: (transport) => ({ query: carriesQueries(transport) ? DEEP_QUERY : DEEP_SUBSCRIPTION }),
  },
  {
    name: "a document too costly",
    code: "QUERY_TOO_COMPLEX",
    send: (transport) => ({ query: carriesQueries(transport) ? COSTLY_QUERY : COSTLY_SUBSCRIPTION }),
  },
  {
    name: "variables too deep",
    code: "BAD_USER_INPUT",
    send: (transport) => ({ query: carriesQueries(transport) ? VARIABLE_QUERY : VARIABLE_SUBSCRIPTION, variables: deepVariables(transport) }),
  },
  {
    name: "a mutation where the transport allows none",
    code: "METHOD_NOT_ALLOWED",
    send: (transport, version) => ({ query: MUTATION, variables: { version, description: `Written over ${transport}.` }, authorization: `Bearer ${adminKey}` }),
    writes: true,
    except: {
      // POST is the transport of writes: the mutation runs.
      POST: { expect: { other: "200, no error", ran: true }, why: "POST is the transport of writes: the mutation runs" },
      // The streams are POSTs, a method that allows writes, so the refusal is not of the method
      // (405) but of the representation: these streams carry subscriptions, and a mutation asked
      // for as a stream by a client that accepts no single JSON result is NOT_ACCEPTABLE, the
      // mirror of a subscription asked for as one result. It does not run.
      SSE: { expect: { code: "NOT_ACCEPTABLE", status: 406, httpStatus: 406, ran: false }, why: "a POST: the Accept (a stream), not the method, is refused" },
      multipart: { expect: { code: "NOT_ACCEPTABLE", status: 406, httpStatus: 406, ran: false }, why: "a POST: the Accept (a stream), not the method, is refused" },
    },
  },
  {
    name: "a validation failure",
    code: "GRAPHQL_VALIDATION_FAILED",
    send: (transport) => ({ query: carriesQueries(transport) ? INVALID_QUERY : INVALID_SUBSCRIPTION }),
  },
];

beforeAll(async () => {
  t = await startTestApp({
    LOG_LEVEL: "silent",
    // Each cell is its own client (X-Forwarded-For through one trusted hop): budgets and failed
    // authentications of one cell never decide another's.
    TRUST_PROXY: "1",
    TRUSTED_DOCUMENTS: manifest,
    TRUSTED_DOCUMENTS_POLICY: "strict",
    MAX_QUERY_DEPTH: String(MAX_DEPTH),
    MAX_QUERY_COST: String(MAX_COST),
    RATE_LIMIT_BUDGET: String(BUDGET),
  });
  adminKey = (await createKey(t, "admin", "Ada")).key;
  const revoked = await createKey(t, "reader", "Rita");
  expect(await new ApiKeyService(apiKeyModel(t.app.connection)).revoke(revoked.id)).toBe(true); // what `npm run apikey -- revoke` does
  revokedKey = revoked.key;
  // The GET of QUERY is a cache hit from here: the caller rows' GETs go through the fast path,
  // the way in that repeats the key check and the arrival charge.
  for (let i = 0; i < 2; i += 1) await get("192.0.2.1", { query: QUERY }, ACCEPT.GET);
  const hits = async () => ((await (await fetch(new URL("/readyz", t.url))).json()) as { catalogue: { responseCache: { hits: number } } }).catalogue.responseCache.hits;
  const before = await hits();
  await get("192.0.2.1", { query: QUERY }, ACCEPT.GET);
  expect(await hits()).toBe(before + 1);
});
afterAll(() => t.stop());

const outcomes = new Map<string, Outcome>();
afterAll(() => {
  if (!process.env.PARITY_TABLE) return;
  const lines = [`| condition | ${TRANSPORTS.join(" | ")} |`, `|---|${TRANSPORTS.map(() => "---").join("|")}|`];
  ROWS.forEach((row) => lines.push(`| ${row.name} | ${TRANSPORTS.map((tr) => show(outcomes.get(`${row.name}/${tr}`))).join(" | ")} |`));
  process.stdout.write(`\n${lines.join("\n")}\n`);
});

/** The status a whole response refused with this code is sent with (Apollo's APQ codes: 200). */
const responseStatusOf = (code: ErrorCode) => factsOf(code).responseStatus ?? httpStatusOf(code);

function expected(row: Row, transport: Transport): Outcome {
  const exception = row.except?.[transport];
  if (exception) return exception.expect;
  const ran = row.writes && { ran: false }; // refused: it did not run
  if (transport === "graphql-ws") return { code: row.code, status: httpStatusOf(row.code), ...ran };
  return { code: row.code, status: responseStatusOf(row.code), httpStatus: httpStatusOf(row.code), ...ran };
}

const shown = (o: Outcome) => ("close" in o ? `close ${o.close}` : "other" in o ? o.other : `${o.code} ${o.status}`);
const show = (o: Outcome | undefined) => (!o ? "—" : o.ran === undefined ? shown(o) : `${shown(o)} (${o.ran ? "ran" : "did not run"})`);

const cells = ROWS.flatMap((row, r) =>
  TRANSPORTS.map((transport, c) => {
    const why = row.except?.[transport]?.why;
    const gives = `${show(expected(row, transport))}${why ? `, by design: ${why}` : ""}`;
    return [row.name, transport, gives, { row, address: `198.51.100.${r * TRANSPORTS.length + c + 10}` }] as const;
  }),
);

describe("When a request meets a refusal condition, every transport refuses it alike", () => {
  test.each(cells)("then %s over %s gives %s", async (_name, transport, _gives, { row, address }) => {
    await row.prepare?.(address);
    const before = row.writes ? await version() : 0;
    const outcome = await over(transport, address, row.send(transport, before));
    if (row.writes) outcome.ran = (await version()) !== before;
    outcomes.set(`${row.name}/${transport}`, outcome);
    expect(outcome).toEqual(expected(row, transport));
  });
});

/** The version of the entry the mutation row writes. */
async function version(): Promise<number> {
  const res = await post("192.0.2.2", { query: VERSION_QUERY }, ACCEPT.POST);
  return ((await res.json()) as { data: { statusCode: { version: number } } }).data.statusCode.version;
}

/** Sends one request over one transport from one client address, and says how it was answered. */
async function over(transport: Transport, address: string, sent: Sent): Promise<Outcome> {
  if (transport === "graphql-ws") return overWebSocket(address, sent);
  const res = transport === "GET" ? await get(address, sent, ACCEPT.GET) : await post(address, sent, ACCEPT[transport]);
  const type = res.headers.get("content-type") ?? "";
  if (res.status === 200 && HTTP_STREAMS.has(transport) && !type.includes("json")) {
    await res.body?.cancel();
    return { other: `streamed (${res.status} ${type.split(";")[0]})` };
  }
  const text = await res.text();
  let body: { errors?: { extensions?: { code?: string; httpStatus?: number } }[] };
  try {
    body = JSON.parse(text);
  } catch {
    return { other: `${res.status} ${type}: ${text.slice(0, 80)}` };
  }
  const error = body.errors?.[0]?.extensions;
  if (!error?.code) return { other: `${res.status}, no error` };
  return { code: error.code, status: res.status, httpStatus: error.httpStatus };
}

function headersOf(address: string, accept: string, sent?: Sent): Record<string, string> {
  return { accept, "x-forwarded-for": address, ...(sent?.authorization && { authorization: sent.authorization }) };
}

function get(address: string, sent: Sent, accept: string): Promise<Response> {
  const search = new URLSearchParams({ query: sent.query });
  if (sent.variables) search.set("variables", JSON.stringify(sent.variables));
  if (sent.extensions) search.set("extensions", JSON.stringify(sent.extensions));
  return fetch(`${t.url}?${search}`, { headers: headersOf(address, accept, sent) });
}

function post(address: string, sent: Sent, accept: string): Promise<Response> {
  const { authorization: _, ...params } = sent;
  return fetch(t.url, { method: "POST", headers: { "content-type": "application/json", ...headersOf(address, accept, sent) }, body: JSON.stringify(params) });
}

/**
 * The graphql-ws protocol spoken on a raw socket: connection_init (with the key in its
 * payload, as GraphQLWsLink sends it), then one subscribe; the first error message, or the
 * close, is the outcome. A subscribe admitted and silent for 2 s is no refusal.
 */
function overWebSocket(address: string, sent: Sent): Promise<Outcome> {
  const socket = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws", { headers: { "x-forwarded-for": address } });
  return new Promise<Outcome>((resolve) => {
    const done = (outcome: Outcome) => {
      clearTimeout(timer);
      resolve(outcome);
      socket.close();
    };
    const timer = setTimeout(() => done({ other: "admitted (nothing within 2 s)" }), 2000);
    socket.on("open", () => socket.send(JSON.stringify({ type: "connection_init", payload: sent.authorization ? { authorization: sent.authorization } : {} })));
    socket.on("message", (raw) => {
      const message = JSON.parse(raw.toString());
      if (message.type === "connection_ack") {
        const { query, variables, extensions } = sent;
        socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query, variables, extensions } }));
      } else if (message.type === "error") {
        const error = message.payload[0]?.extensions ?? {};
        done({ code: error.code, status: error.httpStatus });
      } else if (message.type === "next") {
        done({ other: `next: ${JSON.stringify(message.payload).slice(0, 80)}` });
      }
    });
    socket.on("close", (code) => done({ close: code }));
    socket.on("error", (error) => done({ other: `socket error: ${error.message}` }));
  });
}
