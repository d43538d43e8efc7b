import type { Connection } from "mongoose";

/**
 * Readiness without a database round trip per probe: a ping every second (and on connection
 * events) keeps a flag that /readyz only reads.
 */
export class DatabaseHealth {
  private up = false;
  private checking = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly connection: Connection,
    private readonly intervalMs = 1000,
  ) {}

  get isUp(): boolean {
    return this.up;
  }

  async start(): Promise<void> {
    this.connection.on("disconnected", () => (this.up = false));
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
      await this.connection.db!.admin().ping({ maxTimeMS: 1000 });
      this.up = true;
    } catch {
      this.up = false;
    } finally {
      this.checking = false;
    }
  }
}
