import type { ChildProcess } from "node:child_process";

/** One start of the server: its process, and a promise that settles once it serves (or never will). */
export interface Started {
  child: ChildProcess;
  ready: Promise<void>;
}

export interface Restarts {
  /** Each exit and restart: a database that crashed and healed is still something to look into. */
  warn(message: string, details: Record<string, unknown>): void;
}

/**
 * The delay before a restart: the first after a quiet spell, doubled after each exit that
 * follows a short life, up to the most. A server that exits at once (a full disk, a port taken)
 * is retried a few times a second at first, then every few seconds, without spinning.
 */
export const RESTART_BACKOFF = { firstMs: 250, mostMs: 4000, quietAfterMs: 30_000 };

/**
 * The server process this process owns. With `restarts`, a server that exits without having
 * been asked to (SIGKILL, a crash, the OOM killer) is started again the same way (same port,
 * same files, where the driver reconnects by itself) after the backoff; without, an exit is
 * final (the CLI, and tests that stop a database on purpose and start it themselves).
 * stop() ends it and any restart to come.
 */
export class Supervisor {
  private current!: ChildProcess;
  private startedAt = 0;
  private exitedAt = 0;
  private delayMs = RESTART_BACKOFF.firstMs;
  private timer?: NodeJS.Timeout;
  private stopping = false;

  constructor(
    first: ChildProcess,
    private readonly start: () => Started,
    private readonly restarts?: Restarts,
  ) {
    this.watch(first);
  }

  /** The server's process now: a restart replaces it. */
  get child(): ChildProcess {
    return this.current;
  }

  /** SIGTERM (then SIGKILL after 5 s), or SIGKILL at once to crash it; no restart follows either. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.current;
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  }

  private watch(child: ChildProcess): void {
    this.current = child;
    this.startedAt = Date.now();
    let gone = false;
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      if (gone) return;
      gone = true;
      this.exited(child, code, signal);
    };
    child.once("exit", ended);
    // A binary that cannot be spawned (deleted, not executable) emits "error" and maybe no "exit";
    // unheard, that "error" would crash the API.
    child.on("error", () => child.pid === undefined && ended(null, null));
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || !this.restarts || child !== this.current) return;
    if (Date.now() - this.startedAt >= RESTART_BACKOFF.quietAfterMs) this.delayMs = RESTART_BACKOFF.firstMs;
    const delayMs = this.delayMs;
    this.delayMs = Math.min(delayMs * 2, RESTART_BACKOFF.mostMs);
    this.exitedAt = Date.now();
    this.restarts.warn("embedded database exited; restarting it", { databasePid: child.pid, code, signal, restartInMs: delayMs });
    this.timer = setTimeout(() => this.restart(), delayMs);
  }

  private restart(): void {
    if (this.stopping) return;
    const { child, ready } = this.start();
    this.watch(child);
    ready.then(
      () => !this.stopping && this.restarts!.warn("embedded database restarted", { databasePid: child.pid, downForMs: Date.now() - this.exitedAt }),
      (error: unknown) => {
        if (this.stopping) return;
        this.restarts!.warn("embedded database did not start", { databasePid: child.pid, error: error instanceof Error ? error.message : String(error) });
        child.kill("SIGKILL"); // if it still runs without listening; its exit schedules the next try
      },
    );
  }
}
