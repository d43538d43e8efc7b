import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../src/db/embedded-server";
import { PROJECT_ROOT } from "../../src/project-root";

export interface NginxProcess {
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  port: number;
  /** Everything nginx wrote to stderr (its error log) so far. */
  output(): string;
  stop(): Promise<void>;
}

/** Debian's nginx, or NGINX_BIN. /usr/sbin is not on a normal user's PATH. */
export const NGINX_BIN = process.env.NGINX_BIN ?? (existsSync("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx");

/**
 * How long nginx leaves an upstream out of rotation once it failed (deploy/nginx.conf's
 * `fail_timeout`). nginx (without the commercial health checks) tries it again only after this:
 * a rolling restart that stops the next replica sooner can leave no replica in rotation (502).
 */
export function nginxFailTimeoutMs(): number {
  const production = readFileSync(join(PROJECT_ROOT, "deploy", "nginx.conf"), "utf8");
  return Number(/fail_timeout=(\d+)s/.exec(production)?.[1] ?? 10) * 1000;
}

/**
 * deploy/nginx.conf, the production file, as a test instance runs it: the upstream's servers
 * replaced by `upstreams` ("127.0.0.1:port"), the listen address by a free loopback port, and
 * around it what a throwaway instance needs (no daemon, pid, temp files and logs in its own
 * directory, errors to stderr). Everything else, proxying included, is the file as deployed.
 */
export function renderNginxConfig(upstreams: string[], port: number, dir: string, workers: number | "auto" = 1): string {
  const production = readFileSync(join(PROJECT_ROOT, "deploy", "nginx.conf"), "utf8");
  const servers = /^([ \t]*)server api-1:4000( [^;]*)?;$/m.exec(production);
  if (!servers || !/^\s*listen 80;$/m.test(production)) throw new Error("deploy/nginx.conf no longer has the shape test/support/nginx.ts renders");
  const [, indent, parameters = ""] = servers;
  const site = production
    .replace(/^[ \t]*server api-\d+:4000[^;]*;\n/gm, (line) => (line.includes("api-1:") ? upstreams.map((u) => `${indent}server ${u}${parameters};\n`).join("") : ""))
    .replace(/^(\s*)listen 80;$/m, `$1listen 127.0.0.1:${port};`);
  const temp = (name: string) => join(dir, name);
  return [
    "daemon off;",
    `worker_processes ${workers};`,
    `pid ${temp("nginx.pid")};`,
    "error_log stderr warn;",
    // As root (CI), workers would run as nobody and could not use the temp directories below.
    ...(process.getuid?.() === 0 ? ["user root;"] : []),
    "events { worker_connections 4096; }",
    "http {",
    "    access_log off;",
    ...["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${temp(`${t}_temp`)};`),
    site,
    "}",
    "",
  ].join("\n");
}

/** nginx from deploy/nginx.conf in front of `upstreams` (host:port each), on a free port. */
export async function startNginx(upstreams: string[], options: { workers?: number | "auto" } = {}): Promise<NginxProcess> {
  const dir = mkdtempSync(join(tmpdir(), "statusgraph-nginx-"));
  const port = await freePort();
  writeFileSync(join(dir, "nginx.conf"), renderNginxConfig(upstreams, port, dir, options.workers));
  // -e: the error log before the configuration is read (the compiled-in path is root's).
  const child: ChildProcess = spawn(NGINX_BIN, ["-p", dir, "-c", join(dir, "nginx.conf"), "-e", "stderr"], { stdio: ["ignore", "ignore", "pipe"] });
  let output = "";
  child.stderr!.on("data", (d) => (output += d));
  const spawned = new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", (error) => reject(new Error(`${NGINX_BIN} did not start (is Debian's nginx installed? NGINX_BIN points elsewhere): ${error.message}`)));
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await spawned;
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`nginx did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    port,
    output: () => output,
    async stop() {
      // SIGTERM: nginx's fast stop (a graceful SIGQUIT would wait for open WebSockets).
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: "127.0.0.1" });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}
