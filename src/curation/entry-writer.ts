import type { WriteListener } from "../catalogue/catalogue-sync";
import { duplicateIndexes, isDuplicateKey } from "../db/duplicate-key";
import { DomainError } from "../errors/domain-error";
import { RevisionAction } from "../catalogue/status-code.enums";
import {
  CONTENT_FIELDS,
  contentOf,
  type EntryContent,
  type Retirement,
  type RevisionModel,
  type RevisionRecord,
  type StatusCodeModel,
  type StatusCodeRecord,
} from "../catalogue/status-code.model";

type State = EntryContent & { retired: Retirement | null };

/**
 * Test-only fault injection (refused by the config when NODE_ENV=production): stall or kill
 * the process at the points where a write is most fragile.
 */
export interface WriteFaults {
  /** Wait this long between claiming a version and applying it. */
  pauseBeforeApplyMs?: number;
  /** SIGKILL this process between claiming a version and applying it. */
  killBeforeApply?: boolean;
  /** SIGKILL this process after seeding claimed its versions, before any entry exists. */
  killAfterSeedClaims?: boolean;
}


/**
 * Every write of an entry, with its history, correct on FerretDB 1.24 (no transactions, and
 * `updateOne` is no compare-and-set: concurrent updates filtered on one version can all match)
 * and on MongoDB, with no clock and no timeout in the reasoning:
 *   1. claim: insert the revision of version v+1, unique on (code, version). It holds the
 *      whole new state, so it is a write-ahead record: once it is in, the write is decided.
 *      Exactly one writer gets each version; the others get PRECONDITION_FAILED (CONFLICT for
 *      a create), after rolling the entry forward so that what they are told is true.
 *   2. apply: write the revision's state onto the entry, filtered on version v. Anyone may do
 *      it, any number of times: it always writes the same thing.
 *   3. check: if a newer revision exists, or the apply found the entry elsewhere, roll the
 *      entry forward to its newest revision. On FerretDB an apply that matched version v just
 *      before another writer moved the entry on can land after it; the check that follows
 *      every apply repairs that, so the entry never stays behind its history.
 * A write that stops after 1 (crash, outage) is finished by the next write of the entry, by
 * the next start of any API process, or by the seeding; it is never undone. History lists
 * only versions the entry has reached, so it never shows a version the entry does not.
 */
export class EntryWriter {
  constructor(
    private readonly entries: StatusCodeModel,
    private readonly revisions: RevisionModel,
    private readonly faults: WriteFaults = {},
    private readonly listener?: WriteListener,
  ) {}

  async create(
    doc: Omit<StatusCodeRecord, "version" | "createdAt" | "updatedAt" | "seed">,
    options: { importId?: string } = {},
  ): Promise<StatusCodeRecord> {
    const { code, class: cls, source, updatedBy } = doc;
    const revision = revisionOf(code, 1, RevisionAction.CREATE, updatedBy, { ...contentOf(doc), retired: doc.retired }, null, {
      entryFields: { class: cls, source, seed: null },
      importId: options.importId,
    });
    if (!(await this.claim(revision))) {
      await this.rollForward(code);
      await this.listener?.movedOn(code);
      throw new DomainError("CONFLICT", `Status code ${code} already exists`, { statusCode: code });
    }
    return this.applyClaimed(revision, null);
  }

  /**
   * Writes `next` over `current` as version current.version + 1, or fails with
   * PRECONDITION_FAILED; returns `current` untouched when `next` changes nothing. The answer is
   * built from the state just written, not read back.
   */
  async write(current: StatusCodeRecord, next: Partial<State>, action: RevisionAction, by: string, entryFields: Record<string, unknown> = {}) {
    const state: State = { ...contentOf(current), retired: current.retired, ...next };
    const before = { ...contentOf(current), retired: current.retired };
    const revision = revisionOf(current.code, current.version + 1, action, by, state, before, { entryFields });
    // Nothing would change: no new version, no empty revision in the history.
    if (!revision.changes.length && !Object.keys(entryFields).length) return current;
    if (!(await this.claim(revision))) {
      const now = await this.rollForward(current.code);
      await this.listener?.movedOn(current.code);
      throw new DomainError("PRECONDITION_FAILED", "The entry changed since it was read", { statusCode: current.code, currentVersion: now });
    }
    return this.applyClaimed(revision, current);
  }

  /** Claims many version-1 revisions at once (seeding); duplicates are someone else's. */
  async claimNew(revisions: RevisionRecord[]): Promise<void> {
    try {
      await this.revisions.insertMany(revisions, { ordered: false });
    } catch (error) {
      if (!duplicateIndexes(error)) throw error; // only duplicates: those versions are someone else's
    }
    if (this.faults.killAfterSeedClaims) process.kill(process.pid, "SIGKILL");
  }

  /** Brings every entry up to its newest revision (at start, and after seeding claims). */
  async rollForwardAll(): Promise<number> {
    const entries = await this.entries.find({}, { code: 1, version: 1 }).lean<{ code: number; version: number }[]>();
    const ahead: Record<string, unknown>[] = entries.map((e) => ({ code: e.code, version: { $gt: e.version } }));
    ahead.push({ code: { $nin: entries.map((e) => e.code) } });
    const pending = await this.revisions.find({ $or: ahead }).sort({ code: 1, version: 1 }).lean<RevisionRecord[]>();
    for (const revision of pending) await this.apply(revision);
    return pending.length;
  }

  /**
   * Applies every revision of one entry that the entry has not reached; returns its version
   * then. Versions are contiguous, so it looks each next one up by _id (an index lookup on
   * FerretDB, where a range query scans the whole, ever-growing history).
   */
  async rollForward(code: number): Promise<number> {
    const entry = await this.entries.findOne({ code }, { version: 1 }).lean<{ version: number }>();
    let version = entry?.version ?? 0;
    for (;;) {
      const next = await this.revisions.findOne({ _id: revisionId(code, version + 1) }).lean<RevisionRecord>();
      if (!next) return version;
      await this.apply(next);
      version = next.version;
    }
  }

  private async claim(revision: RevisionRecord): Promise<boolean> {
    try {
      await this.revisions.create(revision);
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** Applies a revision this process claimed; returns the entry as that revision left it. */
  private async applyClaimed(revision: RevisionRecord, base: StatusCodeRecord | null): Promise<StatusCodeRecord> {
    if (this.faults.killBeforeApply) process.kill(process.pid, "SIGKILL");
    if (this.faults.pauseBeforeApplyMs) await new Promise((r) => setTimeout(r, this.faults.pauseBeforeApplyMs));
    const applied = await this.apply(revision);
    // Versions are claimed one over the other, so "any newer revision" is "the next one", looked
    // up by _id: FerretDB 1.24 answers an _id lookup from its index (6 ms here) and scans the
    // collection for anything else (40 ms over a fresh catalogue's history, growing with it).
    const newer = await this.revisions.exists({ _id: revisionId(revision.code, revision.version + 1) });
    const written = entryAt(revision, base);
    if (!applied || newer) {
      await this.rollForward(revision.code);
      await this.listener?.movedOn(revision.code);
    } else {
      await this.listener?.written(written);
    }
    return written;
  }

  /** Writes a revision's state onto its entry; false when the entry was not at the version before it. */
  private async apply(revision: RevisionRecord): Promise<boolean> {
    if (revision.version === 1) {
      try {
        await this.entries.create([entryAt(revision, null)], { timestamps: false });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
      return true;
    }
    const { code, version, snapshot, entryFields, by, at } = revision;
    const result = await this.entries.updateOne(
      { code, version: version - 1 },
      { $set: { ...snapshot, ...entryFields, version, updatedBy: by, updatedAt: at, lastAction: revision.action } },
      { timestamps: false },
    );
    return result.matchedCount === 1;
  }
}

/** The entry as a revision leaves it: over `base` (the version before), or whole for version 1. */
function entryAt(revision: RevisionRecord, base: StatusCodeRecord | null): StatusCodeRecord {
  const written = { ...revision.snapshot, ...revision.entryFields, version: revision.version, updatedBy: revision.by, updatedAt: revision.at, lastAction: revision.action };
  if (base) return { ...base, ...written };
  return { code: revision.code, seed: null, ...written, createdAt: revision.at } as StatusCodeRecord;
}

export function revisionOf(
  code: number,
  version: number,
  action: RevisionAction,
  by: string,
  after: State,
  before: State | null,
  extra: { entryFields?: Record<string, unknown>; importId?: string } = {},
): RevisionRecord {
  const fields = [...CONTENT_FIELDS, "retired"] as const;
  const changes = fields
    .filter((f) => !before || JSON.stringify(before[f]) !== JSON.stringify(after[f]))
    .map((f) => ({ field: f, from: before ? before[f] : null, to: after[f] }));
  return {
    _id: revisionId(code, version),
    code,
    version,
    action,
    at: new Date(),
    by,
    changes,
    snapshot: after,
    entryFields: extra.entryFields ?? {},
    ...(extra.importId && { importId: extra.importId }),
  };
}

/** A revision's _id is its (code, version): unique by construction, and FerretDB finds it by index. */
export function revisionId(code: number, version: number): string {
  return `${code}:${version}`;
}
