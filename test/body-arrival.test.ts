import { connect } from "node:net";
import { startTestApp, type TestApp } from "./support/harness";

/**
 * A request to /graphql goes on to Fastify once its body has arrived (src/http/body-arrival.ts),
 * so that a body trickling in costs no request objects until it is there: whatever way the body
 * comes (in pieces, past Node's 16 KiB read-ahead, chunked), it is answered as before, and a
 * refusal the headers decide is not held for a body. Raw sockets over real HTTP to the app.
 */
let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp();
  port = Number(new URL(t.url).port);
});
afterAll(() => t.stop());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `pieces` to a new connection, `gapMs` apart, and resolves with the response's status,
 * its body, and whether any of it arrived before the last piece was written.
 */
function send(pieces: string[], gapMs: number): Promise<{ status: number; body: string; early: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let text = "";
    let written = 0;
    let early = false;
    socket.setEncoding("utf8");
    socket.on("data", (d) => {
      if (written < pieces.length) early = true;
      text += d;
      const [head, body = ""] = text.split("\r\n\r\n", 2);
      const length = /content-length: (\d+)/i.exec(head);
      if (length && Buffer.byteLength(body) >= Number(length[1])) {
        socket.destroy();
        resolve({ status: Number(text.slice(9, 12)), body, early });
      }
    });
    socket.on("error", reject);
    socket.once("connect", async () => {
      for (const piece of pieces) {
        if (written > 0) await sleep(gapMs);
        if (socket.destroyed) return;
        socket.write(piece);
        written += 1;
      }
    });
  });
}

const QUERY = JSON.stringify({ query: "{ statusCode(code: 404) { reasonPhrase } }" });
const post = (path: string, headers: string, length: number) => `POST ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${headers}Content-Length: ${length}\r\n\r\n`;
const JSON_TYPE = "Content-Type: application/json\r\n";
/** `text` in `n` pieces of about equal length. */
const split = (text: string, n: number) => Array.from({ length: n }, (_, i) => text.slice(Math.floor((i * text.length) / n), Math.floor(((i + 1) * text.length) / n)));

describe("A POST to /graphql whose body arrives after its headers", () => {
  test("in pieces, is answered once the last piece is in", async () => {
    const { status, body, early } = await send([post("/graphql", JSON_TYPE, QUERY.length), ...split(QUERY, 3)], 150);
    expect(status).toBe(200);
    expect(JSON.parse(body).data).toEqual({ statusCode: { reasonPhrase: "Not Found" } });
    expect(early).toBe(false);
  });

  test("larger than Node reads ahead (40 KiB, in 4 pieces), is answered: Fastify reads the rest", async () => {
    // Whitespace inside the JSON: a body of 40 KiB that is still the one query.
    const large = `${QUERY.slice(0, -1)}${" ".repeat(40 * 1024)}}`;
    const { status, body } = await send([post("/graphql", JSON_TYPE, Buffer.byteLength(large)), ...split(large, 4)], 100);
    expect(status).toBe(200);
    expect(JSON.parse(body).data.statusCode.reasonPhrase).toBe("Not Found");
  });

  test("chunked, in pieces, is answered", async () => {
    const head = `POST /graphql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${JSON_TYPE}Transfer-Encoding: chunked\r\n\r\n`;
    const chunks = split(QUERY, 2).map((c) => `${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`);
    const { status, body } = await send([head, ...chunks, "0\r\n\r\n"], 150);
    expect(status).toBe(200);
    expect(JSON.parse(body).data.statusCode.reasonPhrase).toBe("Not Found");
  });

  test("never whole (the client goes away), never reaches Fastify: no request is logged for it", async () => {
    const socket = connect({ host: "127.0.0.1", port });
    await new Promise((r) => socket.once("connect", r));
    socket.write(post("/graphql?body-never-came", JSON_TYPE, 1000) + "{");
    await sleep(300);
    socket.destroy();
    // Sent after it on a connection of its own: once this is answered, the first was long read.
    const control = await send([post("/graphql?body-came", JSON_TYPE, QUERY.length), QUERY], 50);
    expect(control.status).toBe(200);
    const urls = t.logs.map((line) => (line.req as { url?: string } | undefined)?.url).filter(Boolean);
    expect(urls).toContain("/graphql?body-came");
    expect(urls).not.toContain("/graphql?body-never-came");
  });
});

describe("A refusal that the headers decide is sent at once, the body not waited for", () => {
  // Each declares a body and sends none of it: the answer must come before the (never) last piece.
  test.each([
    ["a type other than JSON", post("/graphql", "Content-Type: text/plain\r\n", 1000), 415],
    ["a body over BODY_LIMIT_BYTES", post("/graphql", JSON_TYPE, 2 * 1024 * 1024), 413],
  ])("%s", async (_name, head, expected) => {
    const { status, early } = await send([head, "{"], 5000);
    expect(status).toBe(expected);
    expect(early).toBe(true);
  });
});
