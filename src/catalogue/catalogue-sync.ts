import { randomUUID } from "node:crypto";
import type { Collection, Connection } from "mongoose";
import type { CatalogueReadModel } from "./read-model";
import type { StatusCodeModel, StatusCodeRecord } from "./status-code.model";

const STATE_COLLECTION = "catalogue_state";
const STATE_ID = "catalogue";

interface StateDoc {
  _id: string;
  /** Bumped by every write of any process. */
  revision: number;
  /** New whenever the document is created: a database replaced underneath shows up as a new epoch. */
  epoch: string;
}

export interface SyncOptions {
  /** How often the revision counter is read: the bound on how late another process's write shows. */
  pollMs: number;
  /** Every this often the model is reloaded whatever the counter says (a write whose bump was lost). */
  resyncMs: number;
  log?: (message: string, details?: Record<string, unknown>) => void;
  /** Called with every entry this process writes: tells other processes at once (Redis pub/sub). */
  announce?: (entry: StatusCodeRecord) => void;
}

/**
 * Keeps the read model coherent with the database, across processes, on FerretDB 1.24 and
 * MongoDB alike (no change streams needed): every write bumps one counter document, and every
 * process reads that document (one `_id` lookup) every `pollMs`; when it moved, or its epoch
 * changed, the process reloads the whole catalogue (≤ 500 small documents). A process's own
 * writes go into its model at once (read-your-writes). When the database cannot be reached,
 * the model keeps serving and `stalenessMs` says since when it is unconfirmed.
 */
/** Told of every write, so that the read model follows at once (CatalogueSync is the one). */
export interface WriteListener {
  /** This process wrote the entry, and it is now in this state. */
  written(entry: StatusCodeRecord): Promise<void>;
  /** The entry moved on past what this process knew (a lost race, a roll-forward). */
  movedOn(code: number): Promise<unknown>;
}

export class CatalogueSync implements WriteListener {
  private readonly state: Collection;
  /** The counter document as of the last load; null: none yet, or the database had none. */
  private seen: Pick<StateDoc, "epoch" | "revision"> | null = null;
  private confirmedAt = 0;
  private lastLoadAt = 0;
  private timer?: NodeJS.Timeout;
  private polling = false;
  private bumpOwed = false;
  private failing = false;

  constructor(
    private readonly entries: StatusCodeModel,
    connection: Connection,
    readonly model: CatalogueReadModel,
    private readonly options: SyncOptions,
  ) {
    this.state = connection.collection(STATE_COLLECTION);
  }

  /** Loads the model (a failure stops the start) and tells other processes to reload theirs. */
  async start(): Promise<void> {
    // This start may have seeded or rolled writes forward: other processes must look again.
    await this.bump();
    const asked = Date.now();
    await this.reload(await this.readState(), asked);
    this.timer = setInterval(() => void this.poll(), this.options.pollMs).unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Milliseconds since the model was last known to match the database. */
  get stalenessMs(): number {
    return Date.now() - this.confirmedAt;
  }

  /** A write of this process: in the model at once, and announced to the others. */
  async written(entry: StatusCodeRecord): Promise<void> {
    this.model.put(entry);
    this.options.announce?.(entry);
    await this.bump();
  }

  /** An entry that moved on past this process's write (a lost race): read it now, not at the next poll. */
  movedOn(code: number): Promise<unknown> {
    return this.refreshEntry(code);
  }

  /** An entry another process wrote and announced (Redis): in the model now, not at the next poll. */
  announced(entry: StatusCodeRecord): void {
    this.model.put(entry);
  }

  /** One entry read from the database into the model (when the model may lag another process). */
  async refreshEntry(code: number): Promise<StatusCodeRecord | undefined> {
    const entry = await this.entries.findOne({ code }, { _id: 0 }).lean<StatusCodeRecord>();
    if (entry) this.model.put(entry);
    return this.model.get(code);
  }

  /** One poll: reload when the counter moved, or when the periodic resync is due. */
  async poll(): Promise<void> {
    if (this.polling) return; // a slow database: one poll at a time
    this.polling = true;
    try {
      if (this.bumpOwed) await this.bump();
      const asked = Date.now();
      const current = await this.readState();
      const moved = current?.epoch !== this.seen?.epoch || current?.revision !== this.seen?.revision;
      if (moved || asked - this.lastLoadAt >= this.options.resyncMs) await this.reload(current, asked);
      else this.confirmedAt = asked;
      if (this.failing) this.options.log?.("catalogue sync recovered", { stalenessMs: this.stalenessMs });
      this.failing = false;
    } catch (error) {
      // Logged once per outage, not at every poll.
      if (!this.failing) this.options.log?.("catalogue sync failed; serving the model as it is", { err: (error as Error).message });
      this.failing = true;
    } finally {
      this.polling = false;
    }
  }

  /** Loads every entry; `state` is the counter read just before (at `asked`), not read again. */
  private async reload(state: StateDoc | null, asked: number): Promise<void> {
    const loaded = await this.entries.find({}, { _id: 0 }).lean<StatusCodeRecord[]>();
    // A new epoch (or none): another database than the one loaded before.
    this.model.replaceAll(loaded, this.seen !== null && state?.epoch !== this.seen.epoch);
    this.seen = state && { epoch: state.epoch, revision: state.revision };
    this.confirmedAt = asked;
    this.lastLoadAt = asked;
  }

  private readState(): Promise<StateDoc | null> {
    return this.state.findOne<StateDoc>({ _id: STATE_ID as never }, { maxTimeMS: this.options.pollMs * 4 });
  }

  /** Never fails the write it follows: a lost bump is retried by the next poll, and resync bounds it. */
  private async bump(): Promise<void> {
    try {
      await this.state.updateOne(
        { _id: STATE_ID as never },
        { $inc: { revision: 1 }, $setOnInsert: { epoch: randomUUID() } },
        { upsert: true, maxTimeMS: 5000 },
      );
      this.bumpOwed = false;
    } catch {
      this.bumpOwed = true; // the poll that retries it logs the outage
    }
  }
}
