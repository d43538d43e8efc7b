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

const DUPLICATE_KEY = 11000;
type State = EntryContent & { retired: Retirement | null };

/**
 * Every write of an entry, with its history, and no multi-document transactions (FerretDB has
 * none). The revision travels inside the entry write:
 *   1. one atomic update sets the new content, version+1 and `pendingRevision`
 *      (guarded by the expected version, so concurrent writers cannot both win);
 *   2. the revision is copied to the history collection (unique on code+version, so a repeat
 *      is harmless);
 *   3. `pendingRevision` is cleared.
 * A crash after 1 leaves the revision in the entry; it is copied by the next write of that
 * entry, any history read, or `flushPending()` at start. So no version ever exists without
 * its revision.
 */
export class EntryWriter {
  constructor(
    private readonly entries: StatusCodeModel,
    private readonly revisions: RevisionModel,
  ) {}

  async create(doc: Omit<StatusCodeRecord, "version" | "pendingRevision" | "createdAt" | "updatedAt" | "seed">, action = RevisionAction.CREATE) {
    const revision = revisionOf(doc.code, 1, action, doc.updatedBy, { ...contentOf(doc), retired: doc.retired }, null);
    try {
      await this.entries.create({ ...doc, version: 1, seed: null, pendingRevision: revision });
    } catch (error) {
      if ((error as { code?: number }).code === DUPLICATE_KEY) {
        throw new DomainError("CONFLICT", `Status code ${doc.code} already exists`, { statusCode: doc.code });
      }
      throw error;
    }
    await this.copy(revision);
    return this.read(doc.code);
  }

  /** Writes `next` over `current` as version current.version + 1, or fails with PRECONDITION_FAILED. */
  async write(current: StatusCodeRecord, next: Partial<State>, action: RevisionAction, by: string, extra: Record<string, unknown> = {}) {
    if (current.pendingRevision) await this.copy(current.pendingRevision);
    const state: State = { ...contentOf(current), retired: current.retired, ...next };
    const version = current.version + 1;
    const revision = revisionOf(current.code, version, action, by, state, { ...contentOf(current), retired: current.retired });
    const result = await this.entries.updateOne(
      { code: current.code, version: current.version },
      { $set: { ...state, ...extra, version, updatedBy: by, pendingRevision: revision } },
    );
    if (result.modifiedCount === 0) {
      const now = await this.entries.findOne({ code: current.code }, { version: 1 }).lean<{ version: number }>();
      throw new DomainError("PRECONDITION_FAILED", "The entry changed since it was read", {
        statusCode: current.code,
        currentVersion: now?.version ?? null,
      });
    }
    await this.copy(revision);
    return this.read(current.code);
  }

  /** Step 2 and 3 for every entry left with a pending revision (after a crash). */
  async flushPending(code?: number): Promise<number> {
    const pending = await this.entries
      .find({ pendingRevision: { $ne: null }, ...(code != null && { code }) }, { pendingRevision: 1 })
      .lean<Pick<StatusCodeRecord, "pendingRevision">[]>();
    for (const { pendingRevision } of pending) await this.copy(pendingRevision!);
    return pending.length;
  }

  private async copy(revision: RevisionRecord) {
    try {
      await this.revisions.create(revision);
    } catch (error) {
      if ((error as { code?: number }).code !== DUPLICATE_KEY) throw error;
    }
    await this.entries.updateOne(
      { code: revision.code, "pendingRevision.version": revision.version },
      { $set: { pendingRevision: null } },
    );
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
