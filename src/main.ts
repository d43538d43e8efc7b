import "reflect-metadata";
import { loadConfig } from "./config";
import { tuneHeapGrowth } from "./heap";
import { startTracing, stopTracing } from "./tracing";

// The only module that touches process signals and exit codes.
async function main() {
  // First, before the heap grows (src/heap.ts).
  tuneHeapGrowth();
  const config = loadConfig(process.env);
  // Before the app's modules load: the instrumentations patch mongodb and ioredis as they are required.
  await startTracing(config.tracing);
  const { startApp, startupLine } = require("./app") as typeof import("./app");
  const app = await startApp(config);
  console.log(startupLine(app, config));

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    // In-flight requests and writes finish first (no new ones are accepted), within the bound.
    setTimeout(() => {
      console.error(`Shutdown took longer than SHUTDOWN_TIMEOUT_MS (${config.shutdownTimeoutMs} ms): exiting`);
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    await app.stop();
    await stopTracing().catch(() => {}); // the last spans, if the collector takes them
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
