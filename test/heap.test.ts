import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HEAP_OPTION } from "../src/heap";
import { PROJECT_ROOT } from "../src/project-root";
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

  test("npm start and the Docker image run with the heap options the tests' server processes use", () => {
    const start = JSON.parse(readFileSync(join(PROJECT_ROOT, "package.json"), "utf8")).scripts.start as string;
    expect(start).toContain(`NODE_OPTIONS="\${NODE_OPTIONS:-${HEAP_OPTION}}"`);
    expect(readFileSync(join(PROJECT_ROOT, "Dockerfile"), "utf8")).toContain(`NODE_OPTIONS="${HEAP_OPTION}"`);
  });
});
