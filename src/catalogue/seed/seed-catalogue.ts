import type { StatusCodeModel, StatusCodeRecord } from "../status-code.model";
import { SEED_REVISION, type SeedEntry } from "./catalogue-seed";

export interface SeedReport {
  inserted: number;
  updated: number;
  /** Entries seeded earlier and edited since: their content is left as the curators made it. */
  keptEdited: number;
}

/**
 * Idempotent and versioned:
 * - missing codes are inserted; the unique index on code means two instances seeding at once
 *   still never duplicate an entry (the loser's duplicate-key errors are ignored). Not an
 *   upsert with $setOnInsert: FerretDB 1.24 drops empty arrays from such an insert;
 * - an entry written by an older seed revision and unchanged since (its version is still the
 *   one the seed produced) gets the new content as a new version, guarded by that version so a
 *   concurrent edit wins;
 * - an entry edited after seeding is never overwritten.
 */
export async function seedCatalogue(
  model: StatusCodeModel,
  entries: SeedEntry[],
  revision = SEED_REVISION,
): Promise<SeedReport> {
  const existing = new Set((await model.find({}, { code: 1 }).lean<{ code: number }[]>()).map((e) => e.code));
  const missing = entries.filter((e) => !existing.has(e.code));
  const inserted = missing.length ? await insertIgnoringDuplicates(model, missing, revision) : 0;

  const stale = await model
    .find({ code: { $in: entries.map((e) => e.code) }, "seed.revision": { $lt: revision } })
    .lean<StatusCodeRecord[]>();
  const byCode = new Map(entries.map((e) => [e.code, e]));
  let updated = 0;
  let keptEdited = 0;
  for (const current of stale) {
    if (current.seed?.version !== current.version) {
      keptEdited += 1;
      continue;
    }
    const version = current.version + 1;
    const result = await model.updateOne(
      { code: current.code, version: current.version },
      { $set: { ...byCode.get(current.code), version, seed: { revision, version } } },
    );
    updated += result.modifiedCount;
  }
  return { inserted, updated, keptEdited };
}

async function insertIgnoringDuplicates(model: StatusCodeModel, entries: SeedEntry[], revision: number): Promise<number> {
  const docs = entries.map((entry) => ({ ...entry, version: 1, seed: { revision, version: 1 } }));
  try {
    return (await model.insertMany(docs, { ordered: false })).length;
  } catch (error) {
    const writeErrors = (error as { writeErrors?: { code?: number; err?: { code?: number } }[] }).writeErrors;
    const duplicatesOnly = writeErrors?.every((w) => (w.code ?? w.err?.code) === 11000);
    if (!duplicatesOnly) throw error;
    return docs.length - writeErrors!.length;
  }
}
