import { exampleOf, exampleDisagreements } from "./example";
import type { EntryContent, SourceExcerptRecord, SpecificationRecord, UnofficialUseRecord } from "./status-code.model";

const sameSpecification = (a: SpecificationRecord, b: SpecificationRecord) =>
  a.document === b.document && (a.section ?? null) === (b.section ?? null) && a.url === b.url;

/**
 * A history that ends with `current`: unchanged when it does; the last item replaced when it is
 * the same document (a corrected section or link); `current` appended otherwise (a new
 * document defines the code now).
 */
export function historyEndingWith(history: readonly SpecificationRecord[] | undefined, current: SpecificationRecord): SpecificationRecord[] {
  const items = [...(history ?? [])];
  const last = items.at(-1);
  if (last && sameSpecification(last, current)) return items;
  if (last && last.document === current.document) items.pop();
  return [...items, { ...current, section: current.section ?? null }];
}

export function historyEndsWith(history: readonly SpecificationRecord[], current: SpecificationRecord): boolean {
  const last = history.at(-1);
  return last !== undefined && sameSpecification(last, current);
}

/** The excerpt of a use written before excerpts existed: empty, and saying so. */
export const NO_EXCERPT: SourceExcerptRecord = Object.freeze({
  text: "",
  readOn: "",
  provenance: "None recorded: this use was written before excerpts existed. Quote its reference to add one.",
});

/** A use as stored before labels and excerpts existed, or as one is now. */
type AnyUse = Omit<UnofficialUseRecord, "label" | "excerpt" | "reasonPhrase"> & Partial<Pick<UnofficialUseRecord, "label" | "excerpt" | "reasonPhrase">>;

/**
 * A use with a label and an excerpt: its own, else those of the seed's use of the same origin
 * and reference (or, failing that, origin), else its name and NO_EXCERPT. Its own name,
 * description and reference are kept: a curator's words win over the seed's.
 */
export function completeUse(use: AnyUse, seedUses: readonly UnofficialUseRecord[] = []): UnofficialUseRecord {
  if (use.label && use.excerpt) return { ...use, reasonPhrase: use.reasonPhrase ?? null } as UnofficialUseRecord;
  const seed = seedUses.find((s) => s.origin === use.origin && s.reference === use.reference) ?? seedUses.find((s) => s.origin === use.origin);
  const reasonPhrase = use.reasonPhrase ?? null;
  return {
    ...use,
    reasonPhrase,
    label: use.label ?? seed?.label ?? reasonPhrase ?? use.origin,
    excerpt: use.excerpt ?? (seed ? { ...seed.excerpt } : { ...NO_EXCERPT }),
  };
}

export const lacksUseFields = (entry: { unofficialUses?: readonly AnyUse[] }) => (entry.unofficialUses ?? []).some((u) => !u.label || !u.excerpt);

/**
 * The fields added after entries were first written, filled in where an entry lacks them (one
 * written before they existed, or by an older process during a rolling upgrade): the history is
 * the current specification, no vendor uses, the example built from the entry, each use's name
 * as its label and NO_EXCERPT, no temporary registration, no comparisons.
 */
export function withNewFields<T extends EntryContent & { code: number }>(entry: T): T {
  if (
    entry.specificationHistory &&
    entry.unofficialUses &&
    entry.comparisons &&
    typeof entry.example === "string" &&
    entry.temporaryRegistration !== undefined &&
    !lacksUseFields(entry)
  ) {
    return entry;
  }
  // Total, whatever the stored document holds: an entry that cannot be completed (a corrupt
  // one lacking its specification, say) is loaded as it is, never made to fail the whole reload.
  let example = entry.example;
  if (typeof example !== "string") {
    try {
      example = exampleOf(entry);
    } catch {
      example = "";
    }
  }
  return {
    ...entry,
    specificationHistory: entry.specificationHistory ?? (entry.specification ? historyEndingWith([], entry.specification) : []),
    unofficialUses: (entry.unofficialUses ?? []).map((u) => completeUse(u)),
    temporaryRegistration: entry.temporaryRegistration ?? null,
    comparisons: entry.comparisons ?? [],
    example,
  };
}

/** The entry's example if it still agrees with the entry, else one built from it. */
export function agreeingExample(entry: EntryContent & { code: number }): string {
  const current = entry.example;
  return typeof current === "string" && exampleDisagreements(current, entry).length === 0 ? current : exampleOf(entry);
}
