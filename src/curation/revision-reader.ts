import { DomainError } from "../errors/domain-error";
import type { RevisionModel, RevisionRecord } from "../catalogue/status-code.model";

/** Up to this many ids are read one by one by _id; more in one query. */
const BY_ID_AT_MOST = 32;
/** Ids that may wait for the next read; past it, history reads are refused until it drains. */
const MAX_WAITING_IDS = 50_000;

interface Batch {
  ids: Set<string>;
  done: Promise<Map<string, RevisionRecord>>;
  start(): void;
}

/**
 * Reads revisions by id for every `history` field being resolved, in the whole process: the
 * ids asked for while one read is in flight all join the next read. So a page of 90 entries
 * with their histories is one query, not 90, and however many readers ask at once, history
 * keeps at most one read on the database at a time: writes always get their turn.
 *
 * FerretDB 1.24 answers an _id lookup from its index and scans the collection for anything
 * else, `$in` included; so a few ids are looked up one by one, and a batch in one scan (on
 * MongoDB both use the _id index).
 */
export class RevisionReader {
  private reading = false;
  private next?: Batch;

  constructor(private readonly revisions: RevisionModel) {}

  read(ids: readonly string[]): Promise<Map<string, RevisionRecord>> {
    const batch = (this.next ??= this.batch());
    if (batch.ids.size + ids.length > MAX_WAITING_IDS) {
      throw new DomainError("SERVICE_UNAVAILABLE", "Too many history reads are waiting for the database; retry later");
    }
    for (const id of ids) batch.ids.add(id);
    if (!this.reading) this.schedule();
    return batch.done;
  }

  private schedule(): void {
    this.reading = true;
    // Every history field of this turn of the event loop (a page's entries, other requests') joins.
    setImmediate(() => {
      const batch = this.next;
      this.next = undefined;
      if (!batch) {
        this.reading = false;
        return;
      }
      batch.start();
      const after = () => {
        this.reading = false;
        if (this.next) this.schedule();
      };
      batch.done.then(after, after); // a failed read is its readers' to report

    });
  }

  private batch(): Batch {
    let start!: () => void;
    const started = new Promise<void>((resolve) => (start = resolve));
    const ids = new Set<string>();
    const done = started.then(async () => {
      const list = [...ids];
      const rows =
        list.length <= BY_ID_AT_MOST
          ? (await Promise.all(list.map((_id) => this.revisions.findOne({ _id }).lean<RevisionRecord>()))).filter((r) => r !== null)
          : await this.revisions.find({ _id: { $in: list } }).lean<RevisionRecord[]>();
      return new Map(rows.map((r) => [r._id!, r]));
    });
    done.catch(() => {}); // each reader gets the rejection through its own await
    return { ids, done, start };
  }
}
