import { DomainError } from "../errors/domain-error";
import { type EntryWriter, revisionOf } from "./entry-writer";
import { agreeingExample, completeUse, historyEndingWith, lacksUseFields } from "../catalogue/entry-defaults";
import { RevisionAction } from "../catalogue/status-code.enums";
import { contentOf, type StatusCodeModel, type StatusCodeRecord } from "../catalogue/status-code.model";
import { SEED_REVISION, type SeedEntry } from "../catalogue/seed/catalogue-seed";

export const SEED_AUTHOR = "seed";

export interface SeedReport {
  inserted: number;
  updated: number;
  /** Entries seeded earlier and edited since: their content is left as the curators made it. */
  keptEdited: number;
  /** Entries written before some content fields existed, given those fields (and nothing else). */
  completed: number;
}

/**
 * Idempotent and versioned:
 * - missing codes get their version-1 revisions claimed (see EntryWriter), then every entry
 *   is rolled forward to its newest revision, which inserts them. A crash in between leaves
 *   claims that the next start (of this or any process) rolls forward the same way, so the
 *   catalogue is never left partial. Two instances seeding at once never duplicate an entry.
 *   Not an upsert with $setOnInsert: FerretDB 1.24 drops empty arrays from such an insert;
 * - an entry written by an older seed revision and unchanged since (its version is still the
 *   one the seed produced) gets the new content as a new version, guarded by that version so a
 *   concurrent edit wins;
 * - an entry edited after seeding is never overwritten; if it lacks fields added since (a
 *   specification history, vendor uses, an example, a use's label and excerpt, comparisons), it gains them:
 *   the seed's, reconciled with what the curators left (their specification ends the history,
 *   their flags shape the example, their uses keep their words and take the label and excerpt
 *   of the seed's use from the same vendor), or defaults for a curator's own entry.
 * Every seeded version gets a revision, like any other write.
 */
export async function seedCatalogue(
  entries: StatusCodeModel,
  writer: EntryWriter,
  seed: SeedEntry[],
  revision = SEED_REVISION,
): Promise<SeedReport> {
  const existing = new Set((await entries.find({}, { code: 1 }).lean<{ code: number }[]>()).map((e) => e.code));
  const missing = seed.filter((e) => !existing.has(e.code));
  let inserted = 0;
  if (missing.length) {
    await writer.claimNew(missing.map((entry) => seedRevision(entry, revision)));
    await writer.rollForwardAll();
    inserted = await entries.countDocuments({ code: { $in: missing.map((e) => e.code) } });
  }

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
  const completed = await completeOlderEntries(entries, writer, byCode);
  return { inserted, updated, keptEdited, completed };
}

/** Lacks a field added since it was written; a use's label and excerpt are array elements, so checked here, not in a query. */
const lacksNewFields = (e: StatusCodeRecord) =>
  !e.specificationHistory || !e.unofficialUses || e.example === undefined || !e.comparisons || lacksUseFields(e);

async function completeOlderEntries(entries: StatusCodeModel, writer: EntryWriter, seed: Map<number, SeedEntry>): Promise<number> {
  // The whole catalogue (at most 500 entries), once per start.
  const older = (await entries.find({}).lean<StatusCodeRecord[]>()).filter(lacksNewFields);
  let completed = 0;
  for (const current of older) {
    const fromSeed = seed.get(current.code);
    const filled = {
      ...current,
      specificationHistory: current.specificationHistory ?? historyEndingWith(fromSeed?.specificationHistory, current.specification),
      unofficialUses: (current.unofficialUses ?? fromSeed?.unofficialUses ?? []).map((u) => completeUse(u, fromSeed?.unofficialUses)),
    };
    const next = {
      specificationHistory: filled.specificationHistory,
      unofficialUses: filled.unofficialUses,
      // The seed's comparisons of this code with others: a curator's entry keeps its own.
      comparisons: current.comparisons ?? fromSeed?.comparisons ?? [],
      example: agreeingExample({ ...filled, example: current.example ?? fromSeed?.example ?? "" }),
    };
    try {
      await writer.write(current, next, RevisionAction.SEED, SEED_AUTHOR);
      completed += 1;
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "PRECONDITION_FAILED")) throw error;
      // Written meanwhile by another process, which completes it on its own start or write.
    }
  }
  return completed;
}

/** Version 1 of a seeded entry: the whole entry, as an IANA entry written by this seed revision. */
function seedRevision(entry: SeedEntry, revision: number) {
  const state = { ...contentOf(entry), retired: null };
  return revisionOf(entry.code, 1, RevisionAction.SEED, SEED_AUTHOR, state, null, {
    entryFields: { class: entry.class, source: entry.source, seed: { revision, version: 1 } },
  });
}
