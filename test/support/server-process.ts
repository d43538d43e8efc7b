import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HEAP_OPTION } from "../../src/heap";
import { PROJECT_ROOT } from "../../src/project-root";
import { uniqueDatabaseUri } from "./harness";

/** Whether a process with this pid is alive (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface ServerProcess {
  url: string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string>;
  pid: number;
  /** Resident memory of the server process now, in MiB (from /proc). */
  rssMiB(): number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The built server (`dist/src/main.js`, made by the build of `npm test` and `npm run bench`)
 * in a process of its own, as it runs in production: its memory can be measured, it can be
 * pinned to a core, and its crash does not take the test runner or the benchmark with it.
 */
export function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  // The heap production runs with (npm start, the Docker image), unless the test gives its own options.
  const nodeOptions = env.NODE_OPTIONS ? `${HEAP_OPTION} ${env.NODE_OPTIONS}` : HEAP_OPTION;
  return startScriptProcess(join("src", "main.js"), [], { ...env, NODE_OPTIONS: nodeOptions, MONGODB_URI: env.MONGODB_URI ?? uniqueDatabaseUri() });
}

/** Any built script under dist/ that prints "listening at <url>" once it serves (the bench's baselines too). */
export async function startScriptProcess(script: string, args: string[] = [], env: Record<string, string> = {}): Promise<ServerProcess> {
  const child: ChildProcess = spawn(process.execPath, [join(PROJECT_ROOT, "dist", script), ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", PORT: "0", LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | string>((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal ?? "")));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 20_000);
    const look = () => {
      const match = /listening at (\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on("data", look);
    child.once("exit", (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  return {
    url,
    exited,
    pid: child.pid!,
    rssMiB() {
      const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
      return Number(kb) / 1024;
    },
    output: () => output,
    /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
