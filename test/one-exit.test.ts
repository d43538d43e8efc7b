import { readdirSync, readFileSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join, relative } from "node:path";
import { ERROR_CODES, factsOf } from "../src/errors/error-codes";
import { PROJECT_ROOT } from "../src/project-root";
import { startTestApp, type TestApp } from "./support/harness";

/**
 * One exit: every HTTP status and WebSocket close code that says something failed comes from
 * the error table (src/errors/error-codes.ts). Read from the code itself, then seen over HTTP.
 */
const SRC = join(PROJECT_ROOT, "src");
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith(".ts") ? [path] : [];
  });

/** Statuses and close codes that report no failure: a result, a redirect, "not modified"; a normal close, going away. */
const NOT_FAILURES = new Set([200, 201, 204, 302, 304, 1000, 1001]);
const LITERALS = [
  /\.code\(\s*(\d{3})\s*\)/g, // reply.code(503)
  /writeHead\(\s*(\d{3})/g, // response.writeHead(500, …)
  /\.close\(\s*(\d{4})/g, // socket.close(4403, …)
  /HTTP\/1\.1 (\d{3})/g, // a status line written by hand
  /status(?:Code)?: (\d{3})\b/g, // { status: 422 }
];

describe("The code", () => {
  test("writes no failure status or close code of its own: each comes from the error table", () => {
    const found: string[] = [];
    for (const file of files(SRC)) {
      if (file.endsWith(join("errors", "error-codes.ts"))) continue;
      const text = readFileSync(file, "utf8");
      for (const pattern of LITERALS) {
        for (const match of text.matchAll(pattern)) if (!NOT_FAILURES.has(Number(match[1]))) found.push(`${relative(SRC, file)}: ${match[0]}`);
      }
    }
    expect(found).toEqual([]);
  });

  test("can see a planted literal: the scan is not blind", () => {
    const planted = 'return reply.code(503).send(); socket.close(4403, "x");';
    expect(LITERALS.flatMap((pattern) => [...planted.matchAll(pattern)].map((m) => m[1]))).toEqual(["503", "4403"]);
  });
});

let t: TestApp;
beforeAll(async () => (t = await startTestApp({ LOG_LEVEL: "silent" })));
afterAll(() => t.stop());

describe("The error table over GraphQL", () => {
  test("gives each code that ends a WebSocket its close code", async () => {
    const res = await t.gql<{ errorCodes: { code: string; webSocketCloseCode: number | null }[] }>("{ errorCodes { code webSocketCloseCode } }");
    const closes = Object.fromEntries(res.data!.errorCodes.filter((e) => e.webSocketCloseCode !== null).map((e) => [e.code, e.webSocketCloseCode]));
    expect(closes).toEqual({ BAD_REQUEST: 4400, UNAUTHENTICATED: 4403, RATE_LIMITED: 4429, INTERNAL_SERVER_ERROR: 1011, SERVICE_UNAVAILABLE: 1013 });
    expect(Object.keys(closes).every((code) => ERROR_CODES.includes(code as never) && factsOf(code as never).closeCode !== undefined)).toBe(true);
  });
});

describe("A WebSocket upgrade refused before it is a WebSocket", () => {
  test("is answered with the table's status and the API's error body", async () => {
    const { port } = new URL(t.url);
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), "127.0.0.1", () =>
        socket.write("GET /elsewhere HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"),
      );
      let received = "";
      socket.on("data", (chunk) => (received += chunk));
      socket.on("close", () => resolve(received));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(body.errors[0].extensions).toMatchObject({ code: "NOT_FOUND", httpStatus: 404 });
  });
});
