import { createServer } from "node:http";
import { connect, type Socket } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import WebSocket from "ws";
import { boundConnections } from "../src/http/connection-bounds";
import { socketRefusal } from "../src/http/request-guards";
import { SLOW_FLOOD_ADDRESSES } from "../src/http/slow-senders";
import { startServerProcess, type ServerProcess } from "./support/server-process";

/**
 * Connections are shed by what they send, not by when they came (issue 25, item 1): a request
 * arriving below MIN_REQUEST_RATE_BYTES_PER_SECOND after its grace is cut with 408, and at
 * MAX_CONNECTIONS a newcomer gets in by closing the connection idle longest, then the one
 * sending slowest. Against the built server in a process of its own; attackers are raw sockets
 * from loopback addresses of their own (127.0.0.x), the normal client speaks from 127.0.0.1.
 *
 * The deadlines (REQUEST_HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS) are set far beyond the test's
 * length, so that the only thing that can end a trickler here is its rate, and the only way a
 * newcomer gets in at the cap is by another connection being closed for it.
 */
const FAR_DEADLINES = { REQUEST_HEADERS_TIMEOUT_MS: "600000", REQUEST_TIMEOUT_MS: "3600000" };

interface Held {
  socket: Socket;
  /** Everything the server wrote to it. */
  received(): string;
  /** Resolves once the server has closed it (or it failed). */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Stops its trickle, if any. */
  stop(): void;
}

/** A raw connection from `from` that writes `first`, then `piece` every `everyMs` (if given). */
function hold(port: number, from: string, first: string, piece?: string, everyMs = 200): Promise<Held> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, localAddress: from });
    let text = "";
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding("utf8");
    socket.on("data", (d) => (text += d));
    const done = new Promise<void>((end) =>
      socket.once("close", () => {
        closed = true;
        clearInterval(timer);
        end();
      }),
    );
    socket.on("error", () => {});
    socket.once("connect", () => {
      if (first) socket.write(first);
      if (piece) timer = setInterval(() => socket.writable && socket.write(piece), everyMs);
      resolve({ socket, received: () => text, closed: done, isClosed: () => closed, stop: () => clearInterval(timer) });
    });
    socket.once("error", reject);
  });
}

/** One request on a raw connection: resolves with the status line's code once a whole response (Content-Length) is in. */
function exchange(held: Held, request: string): Promise<number> {
  const before = held.received().length;
  held.socket.write(request);
  return new Promise((resolve) => {
    const look = () => {
      const text = held.received().slice(before);
      const head = /^HTTP\/1\.1 (\d+)[^]*?\r\ncontent-length: (\d+)\r\n[^]*?\r\n\r\n/i.exec(text);
      if (head && Buffer.byteLength(text.slice(head[0].length)) >= Number(head[2])) {
        held.socket.off("data", look);
        resolve(Number(head[1]));
      }
    };
    held.socket.on("data", look);
    held.closed.then(() => resolve(0));
  });
}

const GET_HEALTHZ = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
/** Headers that never end: a header value growing one byte at a time. */
const ENDLESS_HEADERS = "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: ";
const statusOf = (text: string) => Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
const bodyOf = (text: string) => JSON.parse(text.split("\r\n\r\n")[1]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A request from 127.0.0.1 on a connection of its own (Connection: close): its status. */
async function ask(port: number, request = GET_HEALTHZ.replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n")): Promise<number> {
  const held = await hold(port, "127.0.0.1", "");
  const status = await exchange(held, request);
  held.socket.destroy();
  return status;
}

const query = JSON.stringify({ query: "{ __typename }" });
const POST_QUERY = `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${query.length}\r\nConnection: close\r\n\r\n${query}`;

describe("Requests that arrive below the minimum rate (default 500 B/s after 1 s)", () => {
  let server: ServerProcess;
  let port: number;
  beforeAll(async () => {
    server = await startServerProcess(FAR_DEADLINES);
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  test("then a trickler of headers and a trickler of a body each get 408 REQUEST_TIMEOUT and are closed, while a normal client is answered", async () => {
    const headers = await hold(port, "127.0.0.2", ENDLESS_HEADERS, "a"); // 5 bytes a second
    const body = await hold(port, "127.0.0.3", "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", " ");
    // Meanwhile, a normal client.
    const answers: number[] = [];
    while (!(headers.isClosed() && body.isClosed())) {
      answers.push(await ask(port), await ask(port, POST_QUERY));
      await sleep(100);
    }
    for (const trickler of [headers, body]) {
      expect(statusOf(trickler.received())).toBe(408);
      expect(bodyOf(trickler.received()).errors[0].extensions).toMatchObject({ code: "REQUEST_TIMEOUT", httpStatus: 408 });
      expect(trickler.received()).toMatch(/\r\nconnection: close\r\n/i);
    }
    expect(answers.length).toBeGreaterThan(2);
    expect(answers.filter((s) => s !== 200)).toEqual([]);
  }, 20_000);

  test("then a connection idle between requests, a new one that has sent nothing yet, and a client that pauses within the grace are all answered", async () => {
    const keepAlive = await hold(port, "127.0.0.4", "");
    expect(await exchange(keepAlive, GET_HEALTHZ)).toBe(200);
    const silent = await hold(port, "127.0.0.5", "");
    // A trickler alongside, so that the test knows the sweep has had time to judge them all.
    const trickler = await hold(port, "127.0.0.6", ENDLESS_HEADERS, "a");
    await trickler.closed;
    await sleep(500);
    expect(keepAlive.isClosed()).toBe(false);
    expect(silent.isClosed()).toBe(false);
    expect(await exchange(keepAlive, GET_HEALTHZ)).toBe(200);
    expect(await exchange(silent, POST_QUERY)).toBe(200);
    // Headers, then the body a little later (within the grace): the request arrived fast enough.
    const patient = await hold(port, "127.0.0.7", POST_QUERY.slice(0, POST_QUERY.length - query.length));
    await sleep(400);
    expect(await exchange(patient, query)).toBe(200);
  }, 20_000);
  test("then a body the server refused without reading, left unfinished, closes the connection with no second response", async () => {
    // 415 as soon as the headers are read; the client never sends the rest of its body.
    const refused = await hold(port, "127.0.0.8", "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 10000\r\n\r\nabc");
    await refused.closed;
    expect(statusOf(refused.received())).toBe(415);
    expect(refused.received().match(/HTTP\/1\.1 /g)).toHaveLength(1);
  }, 20_000);
});

describe(`During a flood of slow requests (${SLOW_FLOOD_ADDRESSES} addresses cut as too slow within 10 s)`, () => {
  let server: ServerProcess;
  let port: number;
  beforeAll(async () => {
    server = await startServerProcess(FAR_DEADLINES);
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  /** A new connection from `from` asking /healthz: its status (0 if closed unanswered). */
  const askFrom = async (from: string) => {
    const held = await hold(port, from, "");
    const status = await exchange(held, GET_HEALTHZ);
    held.socket.destroy();
    return { status, body: held.received() };
  };

  test("then an address cut as too slow is refused new connections with 503 before a byte is read, while others are answered; one slow address alone locks out no one", async () => {
    // One slow client, no flood: its address may connect again at once.
    const lone = await hold(port, "127.0.2.1", ENDLESS_HEADERS, "a");
    await lone.closed;
    expect(statusOf(lone.received())).toBe(408);
    expect((await askFrom("127.0.2.1")).status).toBe(200);
    // Nor does one address declare a flood, however many of its requests are cut (two waves,
    // each within the 64 connections an address may hold).
    for (let wave = 0; wave < 2; wave += 1) {
      const many = await Promise.all(Array.from({ length: SLOW_FLOOD_ADDRESSES / 2 + 5 }, () => hold(port, "127.0.2.3", ENDLESS_HEADERS, "a")));
      await Promise.all(many.map((h) => h.closed));
      expect(many.filter((h) => statusOf(h.received()) !== 408)).toEqual([]);
    }
    expect((await askFrom("127.0.2.3")).status).toBe(200);

    // A flood: SLOW_FLOOD_ADDRESSES tricklers from as many addresses, all cut.
    const flood = await Promise.all(Array.from({ length: SLOW_FLOOD_ADDRESSES }, (_, i) => hold(port, `127.0.3.${i + 1}`, ENDLESS_HEADERS, "a")));
    await Promise.all(flood.map((h) => h.closed));
    expect(flood.filter((h) => statusOf(h.received()) !== 408)).toEqual([]);

    // Now the flood's addresses (and the lone slow client's, cut within its penalty) are refused at once…
    for (const from of ["127.0.3.1", `127.0.3.${SLOW_FLOOD_ADDRESSES}`, "127.0.2.1"]) {
      const refused = await askFrom(from);
      expect(refused.status).toBe(503);
      expect(bodyOf(refused.body).errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });
      // Retry-After: what is left of its 30 s penalty.
      const retryAfter = Number(/\r\nretry-after: (\d+)\r\n/i.exec(refused.body)?.[1]);
      expect(retryAfter).toBeGreaterThan(5);
      expect(retryAfter).toBeLessThanOrEqual(30);
    }
    // …and an address that never sent slowly is answered.
    expect((await askFrom("127.0.2.2")).status).toBe(200);
    expect(await ask(port, POST_QUERY)).toBe(200);
  }, 30_000);
});

describe("At the global connection cap (MAX_CONNECTIONS=50)", () => {
  let server: ServerProcess;
  let port: number;
  beforeAll(async () => {
    // A minimum rate of 1 B/s: the tricklers below send 5 B/s and are never cut for their rate,
    // so that only the cap can close them. 127.0.0.9 is a trusted proxy.
    server = await startServerProcess({ ...FAR_DEADLINES, MAX_CONNECTIONS: "50", MIN_REQUEST_RATE_BYTES_PER_SECOND: "1", TRUST_PROXY: "127.0.0.9" });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  test("then newcomers and /healthz are answered by closing the idle connections first, then the slowest, never a fast one", async () => {
    // The oldest idle connection is a trusted proxy's: it carries many clients and goes last.
    const proxy = await hold(port, "127.0.0.9", "");
    expect(await exchange(proxy, GET_HEALTHZ.replace("\r\n\r\n", "\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n"))).toBe(200);
    const idle: Held[] = [];
    for (let i = 0; i < 10; i += 1) {
      const held = await hold(port, "127.0.0.10", "");
      expect(await exchange(held, GET_HEALTHZ)).toBe(200);
      idle.push(held);
    }
    // Slow: 5 bytes a second into headers that never end.
    const slow = await Promise.all(Array.from({ length: 10 }, (_, i) => hold(port, `127.0.0.${11 + (i % 2)}`, ENDLESS_HEADERS, "a")));
    // Fast: a large body at 1,000 bytes a second (it would take 100 s to arrive).
    const bodyStart = "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{";
    const fast = await Promise.all(Array.from({ length: 29 }, (_, i) => hold(port, `127.0.0.${13 + (i % 3)}`, bodyStart, " ".repeat(100), 100)));
    // 1 + 10 + 10 + 29 = 50: the cap. Let the sweep measure them.
    await sleep(1500);
    expect([proxy, ...idle, ...slow, ...fast].filter((h) => h.isClosed())).toEqual([]);

    // Twenty newcomers that stay (fast bodies of their own), one after another.
    const newcomers: Held[] = [];
    for (let i = 0; i < 20; i += 1) {
      newcomers.push(await hold(port, "127.0.0.20", bodyStart, " ".repeat(100), 100));
      await sleep(50);
    }
    await Promise.all([...idle, ...slow].map((h) => h.closed));
    // The idle ones were closed without a word (nothing of a request had arrived), the slow
    // ones with a 503 that asks them to retry.
    for (const h of idle) expect(h.received()).toMatch(/^HTTP\/1\.1 200 [^]*$/);
    for (const h of idle) expect(h.received().match(/HTTP\/1\.1/g)).toHaveLength(1);
    for (const h of slow) {
      expect(statusOf(h.received())).toBe(503);
      expect(bodyOf(h.received()).errors[0].extensions).toMatchObject({ code: "SERVICE_UNAVAILABLE", httpStatus: 503 });
    }
    // The newcomers were admitted, not refused; the fast and the proxy's connection remain.
    expect([proxy, ...fast, ...newcomers].filter((h) => h.isClosed())).toEqual([]);
    expect(newcomers.filter((h) => h.received() !== "")).toEqual([]);

    // Still at the cap, with nothing idle or slow left but the proxy's idle connection: /healthz
    // gets in all the same, by closing the slowest of the fast bodies (one, or two if the first
    // ask's connection was not yet closed when the second came); the proxy's connection stays.
    expect(await ask(port)).toBe(200);
    expect(await ask(port, POST_QUERY)).toBe(200);
    await sleep(300);
    const closedFast = [...fast, ...newcomers].filter((h) => h.isClosed());
    expect(closedFast.length).toBeGreaterThanOrEqual(1);
    expect(closedFast.length).toBeLessThanOrEqual(2);
    for (const h of closedFast) expect(statusOf(h.received())).toBe(503);
    expect(proxy.isClosed()).toBe(false);
    for (const h of [...fast, ...newcomers]) {
      h.stop();
      h.socket.destroy();
    }
  }, 30_000);
});

describe("At the cap (MAX_CONNECTIONS=10), with every connection just fallen idle between two requests", () => {
  let server: ServerProcess;
  let port: number;
  beforeAll(async () => {
    // A grace of 3 s: the ten keep-alive requests below end well within it, even on a busy machine.
    server = await startServerProcess({ ...FAR_DEADLINES, MAX_CONNECTIONS: "10", REQUEST_RATE_GRACE_MS: "3000" });
    port = Number(new URL(server.url).port);
  });
  afterAll(() => server.stop());

  test("then none is closed for a newcomer until it has been idle for the grace (its client's next request may be on its way)", async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, (_, i) => hold(port, `127.0.1.${i + 1}`, "")));
    expect(await Promise.all(clients.map((c) => exchange(c, GET_HEALTHZ)))).toEqual(Array(10).fill(200));
    // Each has just been answered, and would send its next request on the same connection.
    const refused = await hold(port, "127.0.1.20", "");
    await refused.closed;
    expect(statusOf(refused.received())).toBe(503);
    expect(clients.filter((c) => c.isClosed())).toEqual([]);
    // Once idle past the grace, the one idle longest goes for a newcomer.
    await sleep(3500);
    const admitted = await hold(port, "127.0.1.21", "");
    expect(await exchange(admitted, GET_HEALTHZ)).toBe(200);
    await sleep(200);
    expect(clients.filter((c) => c.isClosed())).toHaveLength(1);
    for (const c of [...clients, admitted]) c.socket.destroy();
  }, 20_000);
});

describe("When the server's own event loop is held while a request arrives", () => {
  test("then the time it held is not held against the client: the request is answered, not cut", async () => {
    // In this process, so that the test can hold the loop the server runs on: a plain Node
    // server with the bounds, whose /hold handler holds the loop for 2 s (as a long turn of
    // work would) while a client's request is half in, the rest sent meanwhile. When the loop
    // resumes, the sweep's timer may run before the socket is read again.
    let rest = () => {};
    const plain = createServer((request, response) => {
      if (request.url === "/hold") {
        rest();
        const until = Date.now() + 2000;
        while (Date.now() < until); // the event loop held
      }
      request.resume();
      request.on("end", () => response.end("ok"));
    });
    const bounds = boundConnections(plain, { perAddress: 64, total: 100, isProxy: () => false, minRateBytesPerSecond: 500, rateGraceMs: 1000, refuseRaw: socketRefusal("*") });
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const port = (plain.address() as { port: number }).port;
    try {
      const client = await hold(port, "127.0.0.1", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\nConnection: close\r\n\r\n0123456789");
      rest = () => client.socket.write("0123456789");
      await sleep(300);
      const holder = await hold(port, "127.0.0.1", "GET /hold HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      await Promise.all([client.closed, holder.closed]);
      expect(statusOf(client.received())).toBe(200);
    } finally {
      bounds.stop();
      plain.close();
    }
  });
});

describe("With HEALTH_PORT, when the traffic port is at its cap (MAX_CONNECTIONS=10, all of them WebSockets)", () => {
  let server: ServerProcess;
  let port: number;
  let probes: URL;
  beforeAll(async () => {
    server = await startServerProcess({ ...FAR_DEADLINES, MAX_CONNECTIONS: "10", HEALTH_PORT: "0" });
    port = Number(new URL(server.url).port);
    probes = new URL(/health probes: (\S+)/.exec(server.output())![1]);
  });
  afterAll(() => server.stop());

  test("then a newcomer on the traffic port gets 503, while the probe port answers /healthz and /readyz, and nothing else", async () => {
    // Busy connections are never shed for a newcomer: ten WebSockets fill the cap for good.
    const sockets = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, "graphql-transport-ws", { localAddress: `127.0.4.${i + 1}` });
            ws.once("open", () => resolve(ws));
            ws.once("error", reject);
          }),
      ),
    );
    expect(await ask(port)).toBe(503);
    for (const [path, status] of [["/healthz", "ok"], ["/readyz", "ready"]]) {
      const res = await fetch(new URL(path, probes));
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).status).toBe(status);
    }
    // Whoever reaches the probe port cannot hold it: 16 silent connections, and the probe still gets in.
    const silent = await Promise.all(Array.from({ length: 16 }, () => hold(Number(probes.port), "127.0.0.1", "")));
    const probe = await fetch(probes);
    expect(probe.status).toBe(200);
    // The oldest was closed for it (without that, this wait would not end).
    await Promise.race(silent.map((h) => h.closed));
    expect(silent.filter((h) => h.isClosed()).length).toBe(1);
    for (const h of silent) h.socket.destroy();
    const other = await fetch(new URL("/graphql?query={__typename}", probes));
    expect(other.status).toBe(404);
    expect(((await other.json()) as any).errors[0].extensions).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
    for (const ws of sockets) ws.close();
  }, 30_000);
});

describe("When connections were ranked at the cap and then closed", () => {
  test("then the bounds keep none of them: every closed socket can be collected", async () => {
    // In this process, so that its sockets can be watched for collection: a plain Node server
    // with the bounds at a cap of 5, filled with bodies that arrive (judged, never cut: a grace of
    // a minute), then a newcomer, for whom they are ranked and the slowest closed. Once all
    // have closed, nothing of theirs may stay reachable: under a flood from 20,000 addresses the
    // last ranking kept up to 10,000 closed connections, their requests and responses (65 MB of
    // heap) until the next flood reached the cap.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const sockets: WeakRef<Socket>[] = [];
    const plain = createServer((request, response) => {
      request.resume();
      request.on("end", () => response.end("ok"));
    });
    const bounds = boundConnections(plain, { perAddress: 64, total: 5, isProxy: () => false, minRateBytesPerSecond: 500, rateGraceMs: 60_000, refuseRaw: socketRefusal("*") });
    plain.on("connection", (socket: Socket) => sockets.push(new WeakRef(socket)));
    await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
    const port = (plain.address() as { port: number }).port;
    try {
      const bodyStart = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{";
      const held = await Promise.all(Array.from({ length: 5 }, () => hold(port, "127.0.0.1", bodyStart)));
      await sleep(300); // a sweep has seen them
      const newcomer = await hold(port, "127.0.0.1", bodyStart);
      await Promise.race(held.map((h) => h.closed)); // one was shed for it
      expect(statusOf(held.find((h) => h.isClosed())!.received())).toBe(503);
      for (const h of [...held, newcomer]) h.socket.destroy();
      await sleep(1000); // the server has seen them close, and its sweeps have run
      for (let i = 0; i < 3; i += 1) {
        gc();
        await sleep(50);
      }
      expect(sockets).toHaveLength(6);
      expect(sockets.filter((s) => s.deref() !== undefined)).toHaveLength(0);
    } finally {
      bounds.stop();
      plain.close();
    }
  });
});
