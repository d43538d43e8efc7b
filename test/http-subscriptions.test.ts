import { ApolloClient, gql, HttpLink, InMemoryCache } from "@apollo/client";
import { createClient as createSseClient } from "graphql-sse";
import { createClient as createWsClient } from "graphql-ws";
import WebSocket from "ws";
import { apiKeyModel } from "../src/auth/api-key.model";
import { ApiKeyService } from "../src/auth/api-key.service";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * statusCodeChanged over plain HTTP: Apollo's multipart protocol (with Apollo Client 4's
 * HttpLink and no WebSocket link) and GraphQL over SSE (with graphql-sse's client), on two API
 * processes over one database.
 */
const SHORT = { MAX_CONNECTIONS_PER_ADDRESS: "6", STREAM_HEARTBEAT_MS: "200", REQUEST_TIMEOUT_MS: "1000", REQUEST_HEADERS_TIMEOUT_MS: "1000" };
let a: TestApp;
let b: TestApp;
beforeAll(async () => {
  a = await startTestApp(SHORT);
  b = await startTestApp({ ...SHORT, MONGODB_URI: a.uri });
});
afterAll(async () => {
  await b.app.stop();
  await a.stop();
});

const stops: (() => void)[] = [];
afterEach(async () => {
  stops.splice(0).forEach((stop) => stop());
  await sleep(100); // streams closed, slots given back
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean, ms = 15_000) {
  const start = Date.now();
  while (!check() && Date.now() - start < ms) await sleep(20);
}

const CHANGES = `subscription Changes { statusCodeChanged(codes: [418]) { code kind version entry { id description updatedBy } } }`;
const MULTIPART = 'multipart/mixed;subscriptionSpec="1.0"';

interface Seen {
  events: any[];
  errors: any[];
  done: Promise<void>;
}

/** Apollo Client 4 with nothing but an HttpLink: it subscribes over multipart HTTP by itself. */
function overMultipart(t: TestApp, query: string, authorization?: string): Seen {
  const client = new ApolloClient({ link: new HttpLink({ uri: t.url, headers: authorization ? { authorization } : {} }), cache: new InMemoryCache() });
  const seen: Seen = { events: [], errors: [], done: undefined as never };
  seen.done = new Promise<void>((resolve) => {
    const sub = client.subscribe({ query: gql(query) }).subscribe({
      next: (r) => {
        if (r.error) seen.errors.push(r.error);
        else seen.events.push(r.data);
      },
      error: (e) => {
        seen.errors.push(e);
        resolve();
      },
      complete: () => resolve(),
    });
    stops.push(() => {
      sub.unsubscribe();
      client.stop();
    });
  });
  return seen;
}

/** graphql-sse's client, distinct connections mode: one SSE response per subscription. */
function overSse(t: TestApp, query: string, authorization?: string): Seen {
  const client = createSseClient({ url: t.url, retryAttempts: 0, headers: authorization ? { authorization } : {} });
  const seen: Seen = { events: [], errors: [], done: undefined as never };
  seen.done = new Promise<void>((resolve) => {
    const stop = client.subscribe({ query }, {
      next: (r) => {
        if (r.errors) seen.errors.push(r.errors);
        else seen.events.push(r.data);
      },
      error: (e) => {
        seen.errors.push(e);
        resolve();
      },
      complete: () => resolve(),
    });
    stops.push(() => {
      stop();
      client.dispose();
    });
  });
  return seen;
}

/** A raw streaming POST: its status, headers and the text received so far. */
async function rawStream(t: TestApp, accept: string, query = CHANGES, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(t.url, { method: "POST", signal: controller.signal, headers: { "content-type": "application/json", accept, ...headers }, body: JSON.stringify({ query }) });
  const stream = { status: res.status, headers: res.headers, text: "", ended: false, abort: () => controller.abort() };
  stops.push(stream.abort);
  void (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) stream.text += decoder.decode(chunk, { stream: true });
    } catch {
      // aborted
    }
    stream.ended = true;
  })();
  return stream;
}

async function currentVersion(t: TestApp): Promise<number> {
  return (await t.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
}

describe("When a client subscribes over HTTP", () => {
  test("then multipart (Apollo Client) and SSE (graphql-sse) subscribers on either process get every write, in version order, once", async () => {
    const { key } = await createKey(a, "admin", "Ada");
    const streams = [overMultipart(a, CHANGES), overMultipart(b, CHANGES), overSse(a, CHANGES), overSse(b, CHANGES)];
    await sleep(300);
    const v = await currentVersion(a);
    const write = async (t: TestApp, mutation: string) => expect((await clientWithKey(t, key)(mutation)).errors).toBeUndefined();
    await write(a, `mutation { updateStatusCode(code: 418, expectedVersion: ${v}, patch: { description: "Short." }) { version } }`);
    await write(b, `mutation { retireStatusCode(code: 418, expectedVersion: ${v + 1}, reason: "A joke.") { version } }`);
    await write(a, `mutation { restoreStatusCode(code: 418) { version } }`);
    await until(() => streams.every((s) => s.events.length >= 3));
    await sleep(600); // no duplicates after further polls
    for (const s of streams) {
      expect(s.errors).toEqual([]);
      expect(s.events.map((e) => [e.statusCodeChanged.kind, e.statusCodeChanged.version])).toEqual([
        ["UPDATED", v + 1],
        ["RETIRED", v + 2],
        ["RESTORED", v + 3],
      ]);
    }
    expect(streams[0].events[0].statusCodeChanged.entry).toMatchObject({ description: "Short.", updatedBy: null });
  });

  test.each([
    [MULTIPART, 'multipart/mixed;boundary="graphql";subscriptionSpec="1.0"', "\r\n--graphql\r\ncontent-type: application/json; charset=utf-8\r\n\r\n{}\r\n--graphql"],
    ["text/event-stream", "text/event-stream; charset=utf-8", ":\n\n"],
  ])("then %s streams with no-store, unbuffered, heartbeats, and outlives REQUEST_TIMEOUT_MS", async (accept, contentType, start) => {
    const stream = await rawStream(a, accept);
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe(contentType);
    expect(stream.headers.get("cache-control")).toBe("no-store");
    expect(stream.headers.get("x-accel-buffering")).toBe("no");
    expect(stream.headers.get("x-request-id")).toBeTruthy();
    await sleep(2500); // REQUEST_TIMEOUT_MS is 1 s: it bounds receiving the request, not the response
    expect(stream.ended).toBe(false);
    expect(stream.text.startsWith(start)).toBe(true);
    const heartbeats = accept === MULTIPART ? stream.text.split("{}").length - 1 : stream.text.split(":\n\n").length - 1;
    expect(heartbeats).toBeGreaterThanOrEqual(8); // every 200 ms
  });

  test("then a GET with Accept: text/event-stream streams too, variables as JSON text", async () => {
    const url = `${a.url}?query=${encodeURIComponent("subscription W($c: [Int!]) { statusCodeChanged(codes: $c) { code } }")}&variables=${encodeURIComponent('{"c":[418]}')}`;
    const controller = new AbortController();
    stops.push(() => controller.abort());
    const res = await fetch(url, { headers: { accept: "text/event-stream" }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  });

  test.each([
    ["POST", "application/json"],
    ["POST", "application/graphql-response+json"],
    ["GET", "application/json"],
  ])("then a subscription %s as %s is 406 NOT_ACCEPTABLE naming the transports, not a masked 500", async (method, accept) => {
    const res =
      method === "POST"
        ? await fetch(a.url, { method, headers: { "content-type": "application/json", accept }, body: JSON.stringify({ query: CHANGES }) })
        : await fetch(`${a.url}?query=${encodeURIComponent(CHANGES)}`, { headers: { accept } });
    expect(res.status).toBe(406);
    const body: any = await res.json();
    expect(body.errors[0].extensions).toMatchObject({ code: "NOT_ACCEPTABLE", httpStatus: 406 });
    expect(body.errors[0].message).toMatch(/text\/event-stream/);
    expect(body.errors[0].message).toMatch(/subscriptionSpec/);
    expect(body.errors[0].message).toMatch(/graphql-ws/);
  });

  test("then the same limits apply: a deep document, a bad key, and a query asking for a stream is served as usual", async () => {
    const deep = await rawStream(a, "text/event-stream", `subscription { statusCodeChanged { entry { related { related { related { related { related { related { related { related { related { code } } } } } } } } } } } }`);
    expect(deep.status).toBe(422);
    expect(JSON.parse(await waitForText(deep)).errors[0].extensions).toMatchObject({ code: "QUERY_TOO_DEEP", httpStatus: 422 });
    const badKey = await rawStream(a, MULTIPART, CHANGES, { authorization: "Bearer sg_wrong" });
    expect(badKey.status).toBe(401);
    const sse = overSse(a, CHANGES, "Bearer sg_wrong");
    await sse.done;
    expect(sse.errors).toHaveLength(1);
    // A query is not a subscription: Apollo answers it as ever.
    const query = await fetch(a.url, { method: "POST", headers: { "content-type": "application/json", accept: `${MULTIPART}, application/json` }, body: JSON.stringify({ query: "{ statusCode(code: 418) { code } }" }) });
    expect(query.status).toBe(200);
    expect(((await query.json()) as any).data.statusCode.code).toBe(418);
  });

  test("then streams and WebSockets share the per-address bound, and a closed stream gives its slot back", async () => {
    const ws = createWsClient({ url: a.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => {} });
    stops.push(() => void ws.dispose());
    ws.subscribe({ query: CHANGES }, { next: () => {}, error: () => {}, complete: () => {} });
    await sleep(200);
    const open = [];
    for (let i = 0; i < 5; i += 1) open.push(await rawStream(a, i % 2 ? MULTIPART : "text/event-stream"));
    expect(open.map((s) => s.status)).toEqual([200, 200, 200, 200, 200]);
    const seventh = await rawStream(a, "text/event-stream");
    expect(seventh.status).toBe(429);
    expect(JSON.parse(await waitForText(seventh)).errors[0].extensions.code).toBe("TOO_MANY_SUBSCRIPTIONS");
    open[0].abort();
    await sleep(200);
    expect((await rawStream(a, "text/event-stream")).status).toBe(200);
  });

  test("then a key revoked while its streams are open ends both, with UNAUTHENTICATED", async () => {
    const { id, key } = await createKey(a, "editor", "Rita");
    const multipart = overMultipart(a, CHANGES, `Bearer ${key}`);
    const sse = overSse(a, CHANGES, `Bearer ${key}`);
    await sleep(300);
    expect(multipart.errors).toEqual([]);
    expect(sse.errors).toEqual([]);
    expect(await new ApiKeyService(apiKeyModel(a.app.connection)).revoke(id)).toBe(true);
    await Promise.all([multipart.done, until(() => sse.errors.length > 0)]);
    expect(JSON.stringify(multipart.errors[0])).toMatch(/revoked/);
    expect(sse.errors[0][0].extensions.code).toBe("UNAUTHENTICATED");
  });
});

async function waitForText(stream: { text: string; ended: boolean }) {
  await until(() => stream.ended);
  return stream.text;
}

describe("When a client spends its budget over HTTP streams", () => {
  test("then each stream pays 1 + its cost, until RATE_LIMITED with Retry-After", async () => {
    const t = await startTestApp({ RATE_LIMIT_BUDGET: "40", RATE_LIMIT_WINDOW_MS: "60000" });
    try {
      const statuses: number[] = [];
      let refusal: any;
      for (let i = 0; i < 40 && !refusal; i += 1) {
        const s = await rawStream(t, i % 2 ? MULTIPART : "text/event-stream");
        statuses.push(s.status);
        if (s.status === 429) refusal = { headers: s.headers, body: JSON.parse(await waitForText(s)) };
        s.abort();
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(1);
      expect(refusal.body.errors[0].extensions.code).toBe("RATE_LIMITED");
      expect(Number(refusal.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await t.stop();
    }
  });
});

describe("When the server shuts down", () => {
  test("then its HTTP streams are told SERVICE_UNAVAILABLE and ended at once", async () => {
    const t = await startTestApp();
    const multipart = overMultipart(t, CHANGES);
    const sse = overSse(t, CHANGES);
    const raw = await rawStream(t, MULTIPART);
    await sleep(300);
    await t.stop();
    await Promise.all([multipart.done, until(() => sse.errors.length > 0), until(() => raw.ended)]);
    expect(sse.errors[0][0].extensions.code).toBe("SERVICE_UNAVAILABLE");
    expect(JSON.stringify(multipart.errors[0])).toMatch(/shutting down/);
    expect(raw.text.endsWith("\r\n--graphql--\r\n")).toBe(true);
  });
});
