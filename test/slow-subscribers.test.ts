import { request, type ClientRequest, type IncomingMessage } from "node:http";
import { createClient as createSseClient } from "graphql-sse";
import WebSocket from "ws";
import { clientWithKey, createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * A subscriber that stops reading while writes happen is cut off once its bound is passed
 * (docs/limits.md): an SSE stream at STREAM_MAX_UNREAD_BYTES unsent, a WebSocket (graphql-ws
 * awaits each send, so its events wait in their queue) at STREAM_MAX_UNREAD_EVENTS waiting. Its
 * listener and slot are given back, while a subscriber that reads gets every event. Each event here is large (28 aliases of a 2,000-character
 * description, a fifth of the bound here), so that some dozens of writes fill the kernel's socket buffers (megabytes on
 * loopback) and then the bound.
 */
const TOKEN = "metrics-token-for-the-slow-subscribers-test";
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ STREAM_MAX_UNREAD_BYTES: "262144", STREAM_MAX_UNREAD_EVENTS: "20", MAX_QUERY_COST: "1000000", METRICS_TOKEN: TOKEN });
});
afterAll(() => t.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(check: () => boolean | Promise<boolean>, ms = 30_000) {
  const start = Date.now();
  while (!(await check()) && Date.now() - start < ms) await sleep(20);
}

const FAT = `subscription Fat { statusCodeChanged(codes: [418]) { version ${Array.from({ length: 28 }, (_, i) => `e${i}: entry { description }`).join(" ")} } }`;

/** statusgraph_subscriptions_active: the listeners this process holds for statusCodeChanged. */
async function activeSubscriptions(app = t): Promise<number> {
  const text = await (await fetch(`${app.url.replace(/\/graphql$/, "")}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(/^statusgraph_subscriptions_active (\d+)/m.exec(text)?.[1]);
}

/** statusgraph_subscription_executions: the distinct executions serving them. */
async function executions(app = t): Promise<number> {
  const text = await (await fetch(`${app.url.replace(/\/graphql$/, "")}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(/^statusgraph_subscription_executions (\d+)/m.exec(text)?.[1]);
}

/** An SSE subscriber that reads the first bytes (it is streaming), then nothing more. */
function stalledSse(app = t): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = request(app.url, { method: "POST", headers: { "content-type": "application/json", accept: "text/event-stream" } }, (res) => {
      res.once("data", () => {
        res.pause();
        resolve({ req, res });
      });
    });
    req.on("error", reject);
    req.end(JSON.stringify({ query: FAT }));
  });
}

/** A graphql-ws subscriber, admitted (it answered a ping sent after its subscribe), that then stops reading. */
function stalledWs(): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws");
    const closed = new Promise<number>((done) => ws.once("close", (code) => done(code)));
    ws.once("error", reject);
    ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: {} })));
    ws.once("message", () => {
      ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: FAT } }));
      ws.once("pong", () => {
        (ws as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve({ ws, closed });
      });
      ws.ping();
    });
  });
}

/** A subscriber that reads everything, over graphql-sse's client: the versions it got, and its errors. */
function reader(app: TestApp) {
  const got = { versions: [] as number[], errors: [] as unknown[] };
  const client = createSseClient({ url: app.url, retryAttempts: 0 });
  const stop = client.subscribe<{ statusCodeChanged: { version: number } }>({ query: FAT }, {
    next: (r) => (r.errors ? got.errors.push(r.errors) : got.versions.push(r.data!.statusCodeChanged.version)),
    error: (e) => got.errors.push(e),
    complete: () => {},
  });
  return { got, close: () => (stop(), client.dispose()) };
}

/** Writes 418 with a long description (each event about 56 KB) until only one subscriber is left, at most 300 times: the versions written. */
async function writeUntilOneListens(app: TestApp, key: string): Promise<number[]> {
  let version = (await app.gql<any>(`{ statusCode(code: 418) { version } }`)).data.statusCode.version;
  const written: number[] = [];
  const long = "Long. ".repeat(330);
  while (written.length < 300 && (await activeSubscriptions(app)) > 1) {
    const done = await clientWithKey(app, key)(`mutation { updateStatusCode(code: 418, expectedVersion: ${version}, patch: { description: "${long}${written.length}" }) { version } }`);
    expect(done.errors).toBeUndefined();
    version = done.data.updateStatusCode.version;
    written.push(version);
  }
  await until(async () => (await activeSubscriptions(app)) === 1);
  return written;
}

/** The reader got every write, in order, and no error. */
async function expectEverything(r: ReturnType<typeof reader>, written: number[]) {
  await until(() => r.got.versions.length >= written.length);
  expect(r.got.errors).toEqual([]);
  expect(r.got.versions).toEqual(written);
  r.close();
}

describe("When a subscriber stops reading while writes happen", () => {
  test("then it is cut off past its bound, SSE and WebSocket alike, while a subscriber that reads gets every event", async () => {
    const { key } = await createKey(t, "admin", "Writer");
    const reading = reader(t);
    const sse = await stalledSse();
    const ws = await stalledWs();
    await until(async () => (await activeSubscriptions()) === 3);
    expect(await activeSubscriptions()).toBe(3);
    // The same document, anonymous: one execution serves all three, and each is cut off by its own bound.
    expect(await executions()).toBe(1);

    // Writes until both stalled subscribers are gone (a WebSocket a second after its close).
    const written = await writeUntilOneListens(t, key);
    expect(await activeSubscriptions()).toBe(1);

    // The stalled ones were cut for not reading: the stream's end is logged as such, the socket closed.
    expect(t.logs.some((l) => l.msg === "stream ended" && l.reason === "client not reading" && l.protocol === "sse")).toBe(true);
    (ws.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    const wsClose = await ws.closed;
    // 1013 (the table's SERVICE_UNAVAILABLE) if the client read up to the close frame, 1006 if it was cut before.
    expect([1013, 1006]).toContain(wsClose);
    sse.req.destroy();

    await expectEverything(reading, written);
  }, 120_000);
});

describe("When many subscribers fall behind together, each below its own bound", () => {
  // Each stream may leave 1 GiB unsent, all of them together 1 MiB: thousands that stop reading
  // cannot hold thousands of times their own bound. Heartbeats too rare to cut anyone here.
  let many: TestApp;
  beforeAll(async () => {
    many = await startTestApp({ STREAM_MAX_UNREAD_BYTES: String(1024 ** 3), STREAM_MAX_UNREAD_TOTAL_BYTES: String(1024 ** 2), STREAM_HEARTBEAT_MS: "60000", MAX_QUERY_COST: "1000000", METRICS_TOKEN: TOKEN });
  });
  afterAll(() => many.stop());

  test("then those behind are cut off once all together pass STREAM_MAX_UNREAD_TOTAL_BYTES, and a subscriber that reads gets every event", async () => {
    const { key } = await createKey(many, "admin", "Writer");
    const reading = reader(many);
    const behind = [await stalledSse(many), await stalledSse(many)];
    await until(async () => (await activeSubscriptions(many)) === 3);
    expect(await activeSubscriptions(many)).toBe(3);

    const written = await writeUntilOneListens(many, key);
    expect(await activeSubscriptions(many)).toBe(1);
    expect(many.logs.filter((l) => l.msg === "stream ended" && l.reason === "behind when all streams held too much")).toHaveLength(2);
    behind.forEach(({ req }) => req.destroy());

    await expectEverything(reading, written);
  }, 180_000);
});
