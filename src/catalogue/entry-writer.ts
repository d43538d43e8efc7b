import { duplicateIndexes, isDuplicateKey } from "../db/duplicate-key";
import { DomainError } from "../errors/domain-error";
import { RevisionAction } from "./status-code.enums";
import {
  CONTENT_FIELDS,
  contentOf,
  type EntryContent,
  type Retirement,
  type RevisionModel,
  type RevisionRecord,
  type StatusCodeModel,
  type StatusCodeRecord,
} from "./status-code.model";

/** A claim this old whose entry never reached its version belongs to a write that failed. */
export const CLAIM_GRACE_MS = 30_000;
type State = EntryContent & { retired: Retirement | null };

/**
 * Every write of an entry, with its history, without multi-document transactions (FerretDB
 * has none) and without trusting `updateOne` as a compare-and-set: FerretDB 1.24 lets several
 * concurrent updates match the same `{ version }` filter. A unique-index insert is atomic on
 * both servers, so it is the lock:
 *   1. claim: insert the revision for version v+1 (unique on code+version). Exactly one writer
 *      succeeds; the others get PRECONDITION_FAILED (or CONFLICT for a create);
 *   2. apply: write the entry at version v+1. Only the claimant writes version v+1.
 * So no entry version exists without its revision. A failure between 1 and 2 (crash, database
 * outage) leaves a claim ahead of its entry: history never shows it (it lists versions up to
 * the entry's), and once older than CLAIM_GRACE_MS it is discarded, by the next write of that
 * entry or by `discardAbandoned()` at start. The failed write thus leaves nothing behind.
 */
export class EntryWriter {
  constructor(
    private readonly entries: StatusCodeModel,
    private readonly revisions: RevisionModel,
    private readonly graceMs = CLAIM_GRACE_MS,
  ) {}

  async create(doc: Omit<StatusCodeRecord, "version" | "createdAt" | "updatedAt" | "seed">, action = RevisionAction.CREATE) {
    const revision = revisionOf(doc.code, 1, action, doc.updatedBy, { ...contentOf(doc), retired: doc.retired }, null);
    if (!(await this.claim(revision))) {
      throw new DomainError("CONFLICT", `Status code ${doc.code} already exists`, { statusCode: doc.code });
    }
    await this.entries.create({ ...doc, version: 1, seed: null });
    return this.read(doc.code);
  }

  /**
   * Writes `next` over `current` as version current.version + 1, or fails with
   * PRECONDITION_FAILED; returns `current` untouched when `next` changes nothing.
   */
  async write(current: StatusCodeRecord, next: Partial<State>, action: RevisionAction, by: string, extra: Record<string, unknown> = {}) {
    const state: State = { ...contentOf(current), retired: current.retired, ...next };
    const version = current.version + 1;
    const revision = revisionOf(current.code, version, action, by, state, { ...contentOf(current), retired: current.retired });
    // Nothing would change: no new version, no empty revision in the history.
    if (!revision.changes.length && !Object.keys(extra).length) return current;
    if (!(await this.claim(revision))) {
      const now = await this.entries.findOne({ code: current.code }, { version: 1 }).lean<{ version: number }>();
      throw new DomainError("PRECONDITION_FAILED", "The entry changed since it was read", {
        statusCode: current.code,
        currentVersion: now?.version ?? null,
      });
    }
    await this.entries.updateOne({ code: current.code, version: current.version }, { $set: { ...state, ...extra, version, updatedBy: by } });
    return this.read(current.code);
  }

  /** Claims many version-1 revisions at once (seeding); returns the codes this caller won. */
  async claimNew(revisions: RevisionRecord[]): Promise<Set<number>> {
    try {
      await this.revisions.insertMany(revisions, { ordered: false });
      return new Set(revisions.map((r) => r.code));
    } catch (error) {
      const lost = duplicateIndexes(error);
      if (!lost) throw error;
      return new Set(revisions.filter((_, i) => !lost.has(i)).map((r) => r.code));
    }
  }

  /**
   * Removes claims older than the grace period that their entry never reached: one deleteMany
   * (FerretDB 1.24 has no $max accumulator to find each code's newest revision).
   */
  async discardAbandoned(code?: number): Promise<number> {
    const entries = await this.entries
      .find(code != null ? { code } : {}, { code: 1, version: 1 })
      .lean<{ code: number; version: number }[]>();
    // Revisions past the version each entry reached; a missing entry reached version 0.
    const ahead: Record<string, unknown>[] = entries.map((e) => ({ code: e.code, version: { $gt: e.version } }));
    if (code == null) ahead.push({ code: { $nin: entries.map((e) => e.code) } });
    else if (!entries.length) ahead.push({ code });
    const result = await this.revisions.deleteMany({ at: { $lt: new Date(Date.now() - this.graceMs) }, $or: ahead });
    return result.deletedCount;
  }

  private async claim(revision: RevisionRecord): Promise<boolean> {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await this.revisions.create(revision);
        return true;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Taken: by a live writer (we lost), or by a failed one (discard it and try once more).
        if (attempt > 0 || (await this.discardAbandoned(revision.code)) === 0) return false;
      }
    }
    return false;
  }

  private async read(code: number): Promise<StatusCodeRecord> {
    return (await this.entries.findOne({ code }).lean<StatusCodeRecord>())!;
  }
}

export function revisionOf(
  code: number,
  version: number,
  action: RevisionAction,
  by: string,
  after: State,
  before: State | null,
): RevisionRecord {
  const fields = [...CONTENT_FIELDS, "retired"] as const;
  const changes = fields
    .filter((f) => !before || JSON.stringify(before[f]) !== JSON.stringify(after[f]))
    .map((f) => ({ field: f, from: before ? before[f] : null, to: after[f] }));
  return { code, version, action, at: new Date(), by, changes, snapshot: after };
}
