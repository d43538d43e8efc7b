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
 * - missing codes are inserted ($setOnInsert upserts on the unique code: never a duplicate,
 *   even with two instances starting at once);
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
  const inserts = await model.bulkWrite(
    entries.map((entry) => ({
      updateOne: {
        filter: { code: entry.code },
        update: { $setOnInsert: { ...entry, version: 1, seed: { revision, version: 1 } } },
        upsert: true,
      },
    })),
    { ordered: false },
  );

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
  return { inserted: inserts.upsertedCount, updated, keptEdited };
}
