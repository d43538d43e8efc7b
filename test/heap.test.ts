import { startServerProcess } from "./support/server-process";

/**
 * The heap the server runs with (src/heap.ts): a configuration whose caches could not fit in it
 * is said at start, naming the setting to change, rather than met as a crash once they fill.
 */
describe("the server's heap", () => {
  test("with the caches raised past what a small heap holds, the start-up log says so and what to set", async () => {
    const server = await startServerProcess({ NODE_OPTIONS: "--max-old-space-size=128", RESPONSE_CACHE_BYTES: String(200 * 1024 * 1024) });
    try {
      // The log line is written by the logger's own stream, which may reach the output after "listening at".
      for (let waited = 0; waited < 10_000 && !/three quarters of the/.test(server.output()); waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(server.output()).toMatch(/may hold \d+ MiB, more than three quarters of the \d+ MiB heap: give the process more \(NODE_OPTIONS=--max-old-space-size=\d+\)/);
    } finally {
      await server.stop();
    }
  });

  test("with the defaults and the heap production runs with, nothing is said", async () => {
    const server = await startServerProcess();
    try {
      expect(server.output()).not.toMatch(/three quarters of the/);
    } finally {
      await server.stop();
    }
  });
});
