import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { join } from "node:path";
import { buildFerretDb, FERRETDB_CACHE_BIN } from "./ferretdb-build";
import { findOnPath, isExecutable } from "./find-executable";
import { type Restarts, type Started, Supervisor } from "./supervisor";

export interface EmbeddedServer {
  kind: "mongod" | "ferretdb";
  uri: string;
  /** Where the data lives on disk. */
  dataPath: string;
  /** The server's process now (the benchmarks pin it to a core); a restart replaces it. */
  readonly pid: number;
  /** SIGTERM (then SIGKILL after 5 s); SIGKILL at once to crash it, as tests of outages do. No restart follows. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  databaseName: string;
  ferretdbBin?: string;
  /** Default: a free port. Given, e.g. to restart a server where its clients expect it. */
  port?: number;
  log?: (line: string) => void;
  /**
   * Given (the API's own server): a server that exits without being stopped is started again on
   * the same port and files, with backoff, each exit and restart reported (see Supervisor).
   * Not given: an exit is final.
   */
  restarts?: Restarts;
}

export const NO_SERVER_HELP = [
  "No MongoDB-compatible server is available. Fix it in one of three ways:",
  "  1. set MONGODB_URI to a running MongoDB (e.g. mongodb://localhost:27017/statusgraph);",
  "  2. put `mongod` on PATH, and an embedded mongod is started;",
  "  3. set FERRETDB_BIN to a FerretDB 1.24 binary, or install Go so that it can be built",
  "     once into .cache/ferretdb (`npm run db:build`).",
].join("\n");

/**
 * Starts a MongoDB-compatible server owned by this process: mongod when it is on PATH,
 * otherwise FerretDB with SQLite storage. Data under `dataDir` survives restarts.
 */
export async function startEmbeddedServer(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const log = options.log ?? (() => {});
  // `npm run apikey` while `npm start` runs: share the running server, never start a second
  // one on the same files (nor stop the first, which would cut the API off its database).
  const running = runningServer(options.dataDir);
  if (running) return attach(running, options.dataDir, options.databaseName);
  const port = options.port ?? (await freePort());
  const mongod = findOnPath("mongod");
  if (mongod) {
    const dataPath = join(options.dataDir, "mongod");
    mkdirSync(dataPath, { recursive: true });
    const args = ["--dbpath", dataPath, "--bind_ip", "127.0.0.1", "--port", String(port), "--quiet"];
    return launch("mongod", mongod, args, port, dataPath, options.databaseName, join(options.dataDir, "mongod.pid"), options.restarts);
  }
  const ferretdb = locateFerretDb(options.ferretdbBin, log);
  const dataPath = join(options.dataDir, "ferretdb");
  const stateDir = join(options.dataDir, "ferretdb-state");
  mkdirSync(dataPath, { recursive: true });
  mkdirSync(stateDir, { recursive: true });
  const args = [
    "--handler=sqlite",
    `--sqlite-url=file:${dataPath}/`,
    `--listen-addr=127.0.0.1:${port}`,
    "--debug-addr=-", // its metrics port is fixed by default, so a second instance would fail
    `--state-dir=${stateDir}`,
    "--telemetry=disable",
    "--log-level=warn",
  ];
  return launch("ferretdb", ferretdb, args, port, dataPath, options.databaseName, join(options.dataDir, "ferretdb.pid"), options.restarts);
}

function locateFerretDb(configured: string | undefined, log: (line: string) => void): string {
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`FERRETDB_BIN=${configured} is not an executable file.\n${NO_SERVER_HELP}`);
    return configured;
  }
  const found = findOnPath("ferretdb") ?? (isExecutable(FERRETDB_CACHE_BIN) ? FERRETDB_CACHE_BIN : undefined);
  if (found) return found;
  if (findOnPath("go")) return buildFerretDb(FERRETDB_CACHE_BIN, log);
  throw new Error(NO_SERVER_HELP);
}

async function launch(
  kind: EmbeddedServer["kind"],
  bin: string,
  args: string[],
  port: number,
  dataPath: string,
  databaseName: string,
  pidFile: string,
  restarts?: Restarts,
): Promise<EmbeddedServer> {
  await stopOrphan(pidFile, kind);
  // Every start, the first and each restart, the same way: same port, same files, and the pid
  // file naming the process that runs now (for the orphan check and for `npm run apikey`).
  const start = (): Started => {
    const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
    const state: ServerState = { kind, pid: child.pid!, owner: process.pid, port };
    writeFileSync(pidFile, JSON.stringify(state));
    let output = "";
    const keep = (chunk: Buffer | string) => (output = (output + chunk.toString()).slice(-4000));
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (error) => keep(`${error.message}\n`));
    return { child, ready: waitForPort(port, child, () => output) };
  };
  const first = start();
  let current = () => first.child;
  // A crash of this process, even while the server starts, must not leave it running.
  const killOnExit = () => current().kill("SIGKILL");
  process.once("exit", killOnExit);
  try {
    await first.ready;
  } catch (error) {
    first.child.kill("SIGKILL");
    process.removeListener("exit", killOnExit);
    throw error;
  }
  const supervisor = new Supervisor(first.child, start, restarts);
  current = () => supervisor.child;
  return {
    kind,
    uri: `mongodb://127.0.0.1:${port}/${databaseName}`,
    dataPath,
    get pid() {
      return supervisor.child.pid!;
    },
    async stop(signal = "SIGTERM") {
      process.removeListener("exit", killOnExit);
      rmSync(pidFile, { force: true });
      await supervisor.stop(signal);
    },
  };
}

/** What a server's pid file records: the server, the process that owns it, and its port. */
interface ServerState {
  kind: EmbeddedServer["kind"];
  pid: number;
  owner: number;
  port: number;
}

function readState(pidFile: string, kind: EmbeddedServer["kind"]): ServerState | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, "utf8");
  } catch {
    return undefined;
  }
  try {
    const state = JSON.parse(text) as ServerState;
    return Number.isInteger(state.pid) ? { ...state, kind } : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number, name?: string): boolean {
  try {
    process.kill(pid, 0);
    return name === undefined || readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(name); // not a recycled pid
  } catch {
    return false;
  }
}

/** A server on these files whose owner is alive (another process of ours is using it). */
function runningServer(dataDir: string): ServerState | undefined {
  for (const kind of ["mongod", "ferretdb"] as const) {
    const state = readState(join(dataDir, `${kind}.pid`), kind);
    if (state && state.owner !== process.pid && isRunning(state.pid, kind) && isRunning(state.owner)) return state;
  }
  return undefined;
}

/** A server another process owns: used, never stopped. */
function attach(state: ServerState, dataDir: string, databaseName: string): EmbeddedServer {
  return {
    kind: state.kind,
    uri: `mongodb://127.0.0.1:${state.port}/${databaseName}`,
    dataPath: join(dataDir, state.kind),
    pid: state.pid,
    async stop() {},
  };
}

/**
 * A server left running by an owner that was killed outright (SIGKILL, out of memory) runs no
 * exit handler. Its pid file names it: stop it before starting another on the same files.
 */
async function stopOrphan(pidFile: string, kind: EmbeddedServer["kind"]): Promise<void> {
  const pid = readState(pidFile, kind)?.pid;
  const alive = () => pid !== undefined && isRunning(pid, kind);
  if (pid === undefined || !alive()) return;
  process.kill(pid, "SIGTERM");
  for (let waited = 0; alive() && waited < 5000; waited += 50) await new Promise((r) => setTimeout(r, 50));
  if (alive()) process.kill(pid, "SIGKILL");
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`The database server exited at start (${child.exitCode ?? child.signalCode}):\n${output()}`);
    if (child.pid === undefined) throw new Error(`The database server could not be started:\n${output()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The database server did not listen on port ${port} within ${timeoutMs} ms:\n${output()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/** A port nothing listens on right now, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
