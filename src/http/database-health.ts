import type { Connection } from "mongoose";

export type DatabaseState = "up" | "down" | "read-only";

const PROBE_COLLECTION = "readiness_probe";

/**
 * Readiness without a database round trip per probe: every second (and on connection
 * events) a ping and a one-document write keep a state that /readyz only reads. The write is
 * what notices a database that answers but cannot store (disk full, no writable primary).
 * It also keeps since when the database has been down, which /healthz reads.
 */
export class DatabaseHealth {
  private current: DatabaseState = "down";
  private downSince?: number;
  private checking = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly connection: Connection,
    private readonly intervalMs = 1000,
  ) {}

  get state(): DatabaseState {
    return this.current;
  }

  /** How long the database has been unreachable without a break; 0 while it answers (a full disk included). */
  get downForMs(): number {
    return this.downSince === undefined ? 0 : Date.now() - this.downSince;
  }

  async start(): Promise<void> {
    this.connection.on("disconnected", () => this.set("down"));
    this.connection.on("reconnected", () => void this.check());
    this.timer = setInterval(() => void this.check(), this.intervalMs).unref();
    await this.check();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    if (this.checking) return; // a ping to a dead server can outlast the interval
    this.checking = true;
    try {
      const db = this.connection.db!;
      await db.admin().ping({ maxTimeMS: 1000 });
      try {
        await db.collection(PROBE_COLLECTION).updateOne({ _id: "probe" as never }, { $set: { at: new Date() } }, { upsert: true, maxTimeMS: 1000 });
        this.set("up");
      } catch {
        this.set("read-only");
      }
    } catch {
      this.set("down");
    } finally {
      this.checking = false;
    }
  }

  private set(state: DatabaseState): void {
    this.current = state;
    if (state !== "down") this.downSince = undefined;
    else this.downSince ??= Date.now();
  }
}
