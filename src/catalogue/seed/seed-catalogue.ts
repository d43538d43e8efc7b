import { DomainError } from "../../errors/domain-error";
import { EntryWriter, revisionOf } from "../entry-writer";
import { EntrySource, RevisionAction } from "../status-code.enums";
import { contentOf, type RevisionModel, type StatusCodeModel, type StatusCodeRecord } from "../status-code.model";
import { SEED_REVISION, type SeedEntry } from "./catalogue-seed";

export const SEED_AUTHOR = "seed";

export interface SeedReport {
  inserted: number;
  updated: number;
  /** Entries seeded earlier and edited since: their content is left as the curators made it. */
  keptEdited: number;
}

/**
 * Idempotent and versioned:
 * - missing codes are inserted, each after claiming its version-1 revision (see EntryWriter),
 *   so two instances seeding at once never duplicate an entry. Not an upsert with
 *   $setOnInsert: FerretDB 1.24 drops empty arrays from such an insert;
 * - an entry written by an older seed revision and unchanged since (its version is still the
 *   one the seed produced) gets the new content as a new version, guarded by that version so a
 *   concurrent edit wins;
 * - an entry edited after seeding is never overwritten.
 * Every seeded version gets a revision, like any other write.
 */
export async function seedCatalogue(
  entries: StatusCodeModel,
  revisions: RevisionModel,
  seed: SeedEntry[],
  revision = SEED_REVISION,
): Promise<SeedReport> {
  const writer = new EntryWriter(entries, revisions);
  const existing = new Set((await entries.find({}, { code: 1 }).lean<{ code: number }[]>()).map((e) => e.code));
  const missing = seed.filter((e) => !existing.has(e.code));
  const inserted = missing.length ? await insertClaimed(entries, writer, missing, revision) : 0;

  const stale = await entries
    .find({ code: { $in: seed.map((e) => e.code) }, "seed.revision": { $lt: revision } })
    .lean<StatusCodeRecord[]>();
  const byCode = new Map(seed.map((e) => [e.code, e]));
  let updated = 0;
  let keptEdited = 0;
  for (const current of stale) {
    if (current.seed?.version !== current.version) {
      keptEdited += 1;
      continue;
    }
    const version = current.version + 1;
    try {
      await writer.write(current, contentOf(byCode.get(current.code)!), RevisionAction.SEED, SEED_AUTHOR, { seed: { revision, version } });
      updated += 1;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "PRECONDITION_FAILED")) throw error;
      keptEdited += 1; // edited while we were seeding: the edit wins
    }
  }
  return { inserted, updated, keptEdited };
}

/** Claims version 1 of each missing code, then inserts the entries this seeder won. */
async function insertClaimed(model: StatusCodeModel, writer: EntryWriter, seed: SeedEntry[], revision: number): Promise<number> {
  const won = await writer.claimNew(
    seed.map((entry) => revisionOf(entry.code, 1, RevisionAction.SEED, SEED_AUTHOR, { ...contentOf(entry), retired: null }, null)),
  );
  const docs = seed
    .filter((entry) => won.has(entry.code))
    .map((entry) => ({ ...entry, source: EntrySource.IANA, retired: null, version: 1, updatedBy: SEED_AUTHOR, seed: { revision, version: 1 } }));
  if (docs.length) await model.insertMany(docs, { ordered: false });
  return docs.length;
}
