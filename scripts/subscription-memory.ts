import "reflect-metadata";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startApp } from "../src/app";
import { loadConfig } from "../src/config";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * What an idle subscription costs the server, measured (issue 25, item 3): this process is the
 * server, run with --expose-gc so that heap is read after a full collection; the subscribers
 * are test/support/flood.js's `idle` mode in a process of their own, from 127.0.1.x addresses.
 * For each protocol: heap and RSS before, with `count` idle subscriptions open, and after they
 * closed; "ws20" opens them 20 to a socket, a twentieth as many sockets, and "bare" is the
 * baseline of a bare node:http server holding the same requests. Not part of the suite or the
 * bench: `npm run build && node --expose-gc dist/scripts/subscription-memory.js [count]`
 * (MONGODB_URI, else the embedded server).
 */
const count = Number(process.argv[2] ?? 300);
const PER_ADDRESS = 20;
const PER_SOCKET = 20;

async function main() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("run with node --expose-gc");
  const config = loadConfig({ PORT: "0", LOG_LEVEL: "warn", DATA_DIR: mkdtempSync(join(tmpdir(), "statusgraph-subs-")), ...process.env });
  const app = await startApp(config);
  const port = Number(new URL(app.url).port);
  const bare = await bareServer();
  const addresses = Array.from({ length: Math.ceil(count / PER_ADDRESS) }, (_, i) => `127.0.1.${i + 1}`);
  const memory = async () => {
    for (let i = 0; i < 3; i += 1) {
      gc();
      await new Promise((r) => setTimeout(r, 100));
    }
    const { heapUsed, rss } = process.memoryUsage();
    return { heapUsed, rss };
  };
  const MiB = (bytes: number) => (bytes / 1048576).toFixed(1);
  // One warm-up round of each, so that code and pools the first subscriptions allocate are not counted.
  // "ws20": sockets with 20 subscriptions each (a twentieth as many), for what a subscription
  // costs apart from the connection that carries it. "bare": the same SSE requests held open by a
  // bare node:http server in this process, the baseline: what Node's own connection, request and
  // response take, which no stream can take less than.
  for (const measured of ["bare", "sse", "ws", "ws20", "bare", "sse", "ws", "ws20"] as const) {
    const protocol = measured === "ws20" ? "ws" : measured === "bare" ? "sse" : measured;
    const perSocket = measured === "ws20" ? PER_SOCKET : 1;
    const sockets = addresses.slice(0, Math.ceil(addresses.length / perSocket));
    const before = await memory();
    const target = measured === "bare" ? bare.port : port;
    const child = spawn(process.execPath, [join(PROJECT_ROOT, "test", "support", "flood.js"), "idle", JSON.stringify({ port: target, addresses: sockets, perAddress: PER_ADDRESS, protocol, perSocket })], {
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines: string[] = [];
    let buffer = "";
    const line = () => new Promise<string>((resolve) => {
      const look = () => {
        const at = buffer.indexOf("\n");
        if (at < 0) return child.stdout!.once("data", (d) => ((buffer += d), look()));
        const first = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        resolve(first);
      };
      look();
    });
    const opened = JSON.parse(await line());
    await new Promise((r) => setTimeout(r, 1000)); // the last subscribes admitted
    const held = await memory();
    child.stdin!.end();
    lines.push(await line());
    await new Promise((r) => child.once("exit", r));
    await new Promise((r) => setTimeout(r, 500));
    const after = await memory();
    const subscriptions = opened.open * perSocket;
    const per = (held.heapUsed - before.heapUsed) / subscriptions;
    console.log(
      JSON.stringify({
        protocol: measured,
        subscriptions,
        statuses: opened.statuses,
        heapPerSubscriptionBytes: Math.round(per),
        heapMiB: [MiB(before.heapUsed), MiB(held.heapUsed), MiB(after.heapUsed)],
        rssMiB: [MiB(before.rss), MiB(held.rss), MiB(after.rss)],
      }),
    );
  }
  bare.server.close();
  await app.stop();
}

/** A node:http server that answers every request as an SSE stream would start, and holds it open. */
async function bareServer(): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    request.resume();
    request.on("end", () => {
      response.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", "x-accel-buffering": "no" });
      (response as unknown as { _header?: string })._header?.charCodeAt(0); // flattened, as http-subscriptions.ts does
      response.write(":\n\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
