import { connect } from "node:net";
import WebSocket from "ws";
import { closeCodeOf } from "../src/errors/error-codes";
import { createKey, startTestApp, type TestApp } from "./support/harness";

/**
 * Subscriptions that cannot be hoarded (issue 25, item 3): at the global cap (MAX_WEBSOCKETS,
 * here 4), a newcomer from an address holding few is admitted by closing the oldest stream or
 * socket of the address holding the most, which is told why; an address at the top is refused.
 * Clients come through a trusted proxy (X-Forwarded-For), so that each address is a client's.
 */
const TOKEN = "metrics-token-for-the-eviction-test";
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ TRUST_PROXY: "1", MAX_WEBSOCKETS: "4", MAX_CONNECTIONS_PER_ADDRESS: "4", STREAM_HEARTBEAT_MS: "60000", LOG_LEVEL: "warn", METRICS_TOKEN: TOKEN });
});
afterAll(async () => {
  await t.stop();
});

const opened: { close(): void }[] = [];
afterEach(async () => {
  opened.splice(0).forEach((o) => o.close());
  await sleep(200); // slots given back
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHANGES = "subscription { statusCodeChanged(codes: [418]) { code kind version } }";
const HOARDER = "203.0.113.1";
const NEWCOMER = "198.51.100.7";

interface Stream {
  status: number;
  /** Everything received so far. */
  text(): string;
  /** Resolves once the server ended the response. */
  ended: Promise<void>;
  close(): void;
}

/** An SSE subscription from `address`, once its status (and, when 200, its first bytes) came. */
async function sse(address: string): Promise<Stream> {
  const controller = new AbortController();
  const response = await fetch(t.url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "text/event-stream", "x-forwarded-for": address },
    body: JSON.stringify({ query: CHANGES }),
    signal: controller.signal,
  });
  let text = "";
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const first = reader.read();
  const ended = (async () => {
    let chunk = await first;
    while (!chunk.done) {
      text += decoder.decode(chunk.value, { stream: true });
      chunk = await reader.read();
    }
  })().catch(() => {});
  if (response.status === 200) await first; // the stream holds its slot from here
  else await ended;
  const stream = { status: response.status, text: () => text, ended, close: () => controller.abort() };
  opened.push(stream);
  return stream;
}

interface Socket {
  status: number;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** A graphql-ws socket from `address` holding one subscription, once the server acknowledged it. */
function socketFrom(address: string): Promise<Socket> {
  return new Promise((resolve) => {
    const ws = new WebSocket(t.url.replace(/^http/, "ws"), "graphql-transport-ws", { headers: { "x-forwarded-for": address } });
    const closed = new Promise<{ code: number; reason: string }>((done) => ws.once("close", (code, reason) => done({ code, reason: reason.toString() })));
    const socket = { status: 101, closed, close: () => ws.terminate() };
    ws.on("error", () => {});
    ws.once("unexpected-response", (_request, response) => {
      ws.terminate();
      resolve({ ...socket, status: response.statusCode ?? 0 });
    });
    ws.once("open", () => ws.send(JSON.stringify({ type: "connection_init" })));
    ws.on("message", (data) => {
      if (JSON.parse(data.toString()).type !== "connection_ack") return;
      ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: CHANGES } }));
      // The subscribe is handled in its turn: once a ping is answered after it, it is held.
      setTimeout(() => {
        opened.push(socket);
        resolve(socket);
      }, 200);
    });
  });
}

describe("When one address holds every subscription slot over SSE", () => {
  test("then a newcomer from another address is streamed, and the hoarder's oldest stream is told and ended", async () => {
    const hoarded: Stream[] = [];
    for (let i = 0; i < 4; i += 1) hoarded.push(await sse(HOARDER));
    expect(hoarded.map((s) => s.status)).toEqual([200, 200, 200, 200]);

    const newcomer = await sse(NEWCOMER);
    expect(newcomer.status).toBe(200);
    await hoarded[0].ended;
    expect(hoarded[0].text()).toContain('"code":"SERVICE_UNAVAILABLE"');
    expect(hoarded[0].text()).toContain("Evicted");
    expect(hoarded[0].text()).toMatch(/event: complete\n/);

    // The next one from the newcomer's address (1 held, the hoarder 3) still takes the hoarder's oldest.
    const second = await sse(NEWCOMER);
    expect(second.status).toBe(200);
    await hoarded[1].ended;
    expect(hoarded[1].text()).toContain("Evicted");
    // Now both hold 2: the newcomer's address is at the top, and is refused rather than evict an equal.
    const third = await sse(NEWCOMER);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.text()).errors[0].extensions.code).toBe("SERVICE_UNAVAILABLE");
    // And so is the hoarder, which holds as many as anyone.
    expect((await sse(HOARDER)).status).toBe(503);
    // The hoarder's younger streams were never touched.
    await sleep(100);
    expect(hoarded[2].text()).not.toContain("Evicted");
    expect(hoarded[3].text()).not.toContain("Evicted");
  });
});

describe("When one address holds every slot with WebSockets and SSE streams", () => {
  test("then a newcomer's socket gets in, and the hoarder's oldest, a socket, is closed with 1013 and why", async () => {
    const oldest = await socketFrom(HOARDER);
    const rest = [await sse(HOARDER), await socketFrom(HOARDER), await sse(HOARDER)];
    expect([oldest, ...rest].map((o) => o.status)).toEqual([101, 200, 101, 200]);

    const newcomer = await socketFrom(NEWCOMER);
    expect(newcomer.status).toBe(101);
    const closed = await oldest.closed;
    expect(closed.code).toBe(closeCodeOf("SERVICE_UNAVAILABLE")); // 1013, try again later
    expect(closed.reason).toMatch(/^Evicted/);
    // The hoarder's SSE stream, next in age, is untouched so far.
    expect((rest[0] as Stream).text()).not.toContain("Evicted");
  });
});

/** statusgraph_subscriptions_active: the listeners this process holds for statusCodeChanged. */
async function activeSubscriptions(): Promise<number> {
  const text = await (await fetch(`${t.url.replace(/\/graphql$/, "")}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  return Number(/^statusgraph_subscriptions_active (\d+)/m.exec(text)?.[1]);
}

describe("When subscribers leave while nothing happens", () => {
  test("then the process lets go of their subscriptions, not only of their connections", async () => {
    const held = [await sse(HOARDER), await socketFrom(NEWCOMER), await sse(NEWCOMER)];
    expect(held.map((h) => h.status)).toEqual([200, 101, 200]);
    expect(await activeSubscriptions()).toBe(3);
    held.forEach((h) => h.close());
    let active = await activeSubscriptions();
    for (let i = 0; i < 50 && active > 0; i += 1) {
      await sleep(100);
      active = await activeSubscriptions();
    }
    expect(active).toBe(0);
  });
});

describe("When subscribers leave while their stream is still being admitted", () => {
  test("then their slots and subscriptions are given back all the same", async () => {
    // Each with a key of its own, looked up in the database on first sight, and reset a moment
    // after sending: over HTTP to the app, whichever comes first, the stream or the reset. (A
    // response closed before its stream starts is ended at once: live-stream.test.ts.)
    const token = "metrics-token-for-the-early-leavers";
    const app = await startTestApp({ MAX_CONNECTIONS_PER_ADDRESS: "1000", METRICS_TOKEN: token, LOG_LEVEL: "warn" });
    const active = async () => {
      const text = await (await fetch(`${app.url.replace(/\/graphql$/, "")}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text();
      return Number(/^statusgraph_subscriptions_active (\d+)/m.exec(text)?.[1]);
    };
    try {
      const port = Number(new URL(app.url).port);
      const keys = await Promise.all(Array.from({ length: 40 }, (_, i) => createKey(app, "reader", `leaver ${i}`)));
      const body = JSON.stringify({ query: CHANGES });
      await Promise.all(
        keys.map(({ key }) => {
          const request = `POST /graphql HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
          return new Promise<void>((resolve) => {
            // Sent, and gone a moment later (a reset, as a client that vanishes), while its key is looked up.
            const socket = connect({ host: "127.0.0.1", port }, () => socket.write(request, () => setTimeout(() => socket.resetAndDestroy(), 2)));
            socket.on("error", () => {});
            socket.on("close", () => resolve());
            socket.resume();
          });
        }),
      );
      let left = await active();
      for (let i = 0; i < 30 && left > 0; i += 1) {
        await sleep(100);
        left = await active();
      }
      expect(left).toBe(0);
    } finally {
      await app.stop();
    }
  });
});
