import "reflect-metadata";
import { startApp, startupLine } from "./app";
import { loadConfig } from "./config";

// The only module that touches process signals and exit codes.
async function main() {
  const config = loadConfig(process.env);
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
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
