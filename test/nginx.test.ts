import { createServer, request, type Server } from "node:http";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { freePort } from "../src/db/embedded-server";
import { createKeyAt, uniqueDatabaseUri } from "./support/harness";
import { type NginxProcess, nginxFailTimeoutMs, startNginx } from "./support/nginx";
import { startRedis, type RedisProcess } from "./support/redis-server";
import { type ServerProcess, startServerProcess } from "./support/server-process";

/**
 * The production proxy (Debian's nginx, run from deploy/nginx.conf) in front of three replicas
 * that trust one proxy hop (TRUST_PROXY=1) and share one Redis, as the compose profile runs them.
 */
let redis: RedisProcess;
let nginx: NginxProcess;
const replicas: ServerProcess[] = [];
const ports: number[] = [];
const uri = uniqueDatabaseUri();
const BUDGET = 100;
let env: Record<string, string>;

beforeAll(async () => {
  redis = await startRedis();
  env = { MONGODB_URI: uri, REDIS_URL: redis.url, RATE_LIMIT_BUDGET: String(BUDGET), TRUST_PROXY: "1", LOG_LEVEL: "warn" };
  // Fixed ports: a restarted replica comes back where nginx's upstream block expects it.
  for (let i = 0; i < 3; i += 1) ports.push(await freePort());
  replicas.push(await startServerProcess({ ...env, PORT: String(ports[0]) })); // the first seeds
  replicas.push(...(await Promise.all(ports.slice(1).map((port) => startServerProcess({ ...env, PORT: String(port) })))));
  nginx = await startNginx(ports.map((port) => `127.0.0.1:${port}`));
}, 60_000);
afterAll(async () => {
  await nginx?.stop();
  await Promise.all(replicas.map((r) => r.stop()));
  await redis?.stop();
});

/** A POST through nginx from a loopback address of the caller's choice (127.0.0.0/8 is all local). */
function postFrom(localAddress: string, body: object): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(nginx.url, { method: "POST", localAddress, headers: { "content-type": "application/json" } }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode!));
    });
    req.once("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("When two clients on different addresses call through nginx", () => {
  test("then each has its own budget: nginx's X-Forwarded-For, trusted with TRUST_PROXY=1, names the client", async () => {
    // 45 units each (1 on arrival + a cost of 44): two fit in the budget of 100, the third does not.
    const costly = { query: "{ statusCodes(first: 20) { nodes { code } } }" };
    const first = [];
    for (let i = 0; i < 3; i += 1) first.push(await postFrom("127.0.0.2", costly));
    expect(first).toEqual([200, 200, 429]);
    // Were the replicas to see nginx's address (127.0.0.1) instead, this client would share the spent budget.
    expect(await postFrom("127.0.0.3", costly)).toBe(200);
  });
});

describe("When a GET's query string can be read two ways", () => {
  test("then the API refuses it through nginx as it does directly: nginx passes %FF on, and the one decoding refuses it", async () => {
    const aliases = `{ statusCode(code: 404) { ${Array.from({ length: 31 }, (_, i) => `a${i}: code`).join(" ")} } }`;
    const res = await fetch(`${nginx.url}?query=${encodeURIComponent(aliases)}%23%FF`);
    const body = (await res.json()) as any;
    expect({ status: res.status, code: body.errors?.[0]?.extensions.code, data: body.data }).toEqual({ status: 400, code: "BAD_REQUEST", data: undefined });
  });
});

describe("When a client sends a query with the QUERY method through nginx", () => {
  test("then nginx passes it on, and the answer is cacheable and revalidates to 304", async () => {
    const send = (headers: Record<string, string> = {}) =>
      fetch(nginx.url, { method: "QUERY", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ query: "{ statusCode(code: 418) { code } }" }) });
    const first = await send();
    expect({ status: first.status, body: await first.json() }).toMatchObject({ status: 200, body: { data: { statusCode: { code: 418 } } } });
    const again = await send({ "if-none-match": first.headers.get("etag")! });
    expect(again.status).toBe(304);
  });
});

/** Updates entry 508 through nginx with the key in `auth`; its version before, and when the write was sent. */
async function write508(auth: Record<string, string>, description: string): Promise<{ version: number; wrote: number }> {
  const post = async (query: string) =>
    (await (await fetch(nginx.url, { method: "POST", headers: { "content-type": "application/json", ...auth }, body: JSON.stringify({ query }) })).json()) as any;
  const version = (await post("{ statusCode(code: 508) { version } }")).data.statusCode.version;
  const wrote = Date.now();
  await post(`mutation { updateStatusCode(code: 508, expectedVersion: ${version}, patch: { description: "${description}" }) { version } }`);
  return { version, wrote };
}

describe("When a client subscribes over a WebSocket through nginx", () => {
  test("then the upgrade passes and a write through nginx reaches it", async () => {
    const key = await createKeyAt(uri, "Sub", "admin");
    const auth = { authorization: `Bearer ${key}` };
    const heard: number[] = [];
    const client = createClient({ url: nginx.url.replace(/^http/, "ws"), webSocketImpl: WebSocket, retryAttempts: 0, connectionParams: auth });
    const errors: unknown[] = [];
    client.subscribe(
      { query: "subscription { statusCodeChanged(codes: [508]) { version } }" },
      { next: (r) => void heard.push((r.data as any).statusCodeChanged.version), error: (e) => void errors.push(e), complete: () => {} },
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const { version: v, wrote } = await write508(auth, "Through nginx.");
      while (heard.length < 1 && Date.now() - wrote < 15_000) await new Promise((r) => setTimeout(r, 20));
      expect({ heard, errors }).toEqual({ heard: [v + 1], errors: [] });
    } finally {
      await client.dispose();
    }
  });
});

describe("When a client subscribes over SSE and over multipart HTTP through nginx", () => {
  test("then both streams pass unbuffered: a write through nginx reaches each", async () => {
    const key = await createKeyAt(uri, "Streams", "admin");
    const auth = { authorization: `Bearer ${key}` };
    const controller = new AbortController();
    const open = (accept: string) =>
      fetch(nginx.url, {
        method: "POST",
        signal: controller.signal,
        headers: { "content-type": "application/json", accept, ...auth },
        body: JSON.stringify({ query: "subscription { statusCodeChanged(codes: [508]) { version } }" }),
      });
    const texts = ["", ""];
    const streams = [await open("text/event-stream"), await open('multipart/mixed;subscriptionSpec="1.0",application/json')];
    expect(streams.map((r) => r.status)).toEqual([200, 200]);
    streams.forEach((res, i) =>
      void (async () => {
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) texts[i] += Buffer.from(chunk).toString();
        } catch {
          // aborted at the end
        }
      })(),
    );
    try {
      await new Promise((r) => setTimeout(r, 300));
      const { version: v, wrote } = await write508(auth, "Streamed through nginx.");
      const event = `{"statusCodeChanged":{"version":${v + 1}}}`;
      while (!texts.every((t) => t.includes(event)) && Date.now() - wrote < 15_000) await new Promise((r) => setTimeout(r, 20));
      expect(texts[0]).toContain(`event: next\ndata: {"data":${event}}`);
      expect(texts[1]).toContain(`{"payload":{"data":${event}}}`);
    } finally {
      controller.abort();
    }
  });
});

describe("When a response is a stream (SSE, multipart subscriptions)", () => {
  // An upstream of the test's own, with events at known times, behind
  // the same rendered deploy/nginx.conf: each event must pass as it is sent.
  let upstream: Server;
  let proxy: NginxProcess;
  /** When the upstream wrote each event of the current stream (Date.now()). */
  let sentAt: number[] = [];
  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      const type = req.headers.accept?.includes("text/event-stream") ? "text/event-stream" : 'multipart/mixed; boundary="-"';
      res.writeHead(200, { "content-type": type });
      sentAt = [Date.now()];
      res.write(`data: ${body}\n\n`);
      let sent = 1;
      const timer = setInterval(() => {
        sentAt.push(Date.now());
        res.write(`data: ${sent++}\n\n`);
        if (sent === 4) (clearInterval(timer), res.end());
      }, 400);
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    proxy = await startNginx([`127.0.0.1:${(upstream.address() as { port: number }).port}`]);
  });
  afterAll(async () => {
    await proxy.stop();
    upstream.close();
  });

  test.each(["text/event-stream", 'multipart/mixed;subscriptionSpec="1.0",application/json'])("then each event passes as it is sent (Accept: %s)", async (accept) => {
    const res = await fetch(proxy.url, { method: "POST", headers: { accept, "content-type": "application/json" }, body: '{"query":"subscription { x }"}' });
    const events: { at: number; text: string }[] = [];
    const reader = res.body!.getReader();
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      for (const text of Buffer.from(read.value).toString().split("\n\n").filter(Boolean)) events.push({ at: Date.now(), text });
    }
    expect(events.map((e) => e.text)).toEqual(['data: {"query":"subscription { x }"}', "data: 1", "data: 2", "data: 3"]);
    // The first events reached the client before the upstream wrote the last (1.2 s later): the
    // stream is passed as it comes, not held back until it ends, as a buffering proxy would.
    expect(events[0].at).toBeLessThanOrEqual(sentAt.at(-1)!);
    expect(events[1].at).toBeLessThanOrEqual(sentAt.at(-1)!);
  });
});

describe("When the three replicas are restarted one after another under a steady load of GETs", () => {
  test("then no request fails: nginx passes a GET that met a draining replica's 503 or a refused connection to the next", async () => {
    let running = true;
    const outcomes: number[] = [];
    const key = await createKeyAt(uri, "Steady"); // a key's budget: the loopback address's is small
    const client = async (n: number) => {
      const url = `${nginx.url}?query=${encodeURIComponent(`{ statusCode(code: ${[200, 404, 429, 503][n]}) { code reasonPhrase } }`)}`;
      while (running) {
        const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
        const json = (await res.json().catch(() => ({}))) as { errors?: unknown };
        outcomes.push(res.status === 200 && !json.errors ? 200 : res.status);
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(client));
    try {
      await new Promise((r) => setTimeout(r, 300));
      for (let i = 0; i < replicas.length; i += 1) {
        await replicas[i].stop(); // SIGTERM: drains, then exits
        replicas[i] = await startServerProcess({ ...env, PORT: String(ports[i]) });
        // Back in nginx's rotation only once its fail_timeout has passed: then the next may go.
        await new Promise((r) => setTimeout(r, nginxFailTimeoutMs() + 500));
      }
    } finally {
      running = false;
      await load;
    }
    expect(outcomes.length).toBeGreaterThan(100);
    expect(outcomes.filter((s) => s !== 200)).toEqual([]);
  }, 90_000);
});
