import { exampleOf, exampleDisagreements } from "./example";
import type { EntryContent, SpecificationRecord } from "./status-code.model";

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

/**
 * The fields added after entries were first written, filled in where an entry lacks them (one
 * written before they existed, or by an older process during a rolling upgrade): the history is
 * the current specification, no vendor uses, the example built from the entry.
 */
export function withNewFields<T extends EntryContent & { code: number }>(entry: T): T {
  if (entry.specificationHistory && entry.unofficialUses && typeof entry.example === "string") return entry;
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
    unofficialUses: entry.unofficialUses ?? [],
    example,
  };
}

/** The entry's example if it still agrees with the entry, else one built from it. */
export function agreeingExample(entry: EntryContent & { code: number }): string {
  const current = entry.example;
  return typeof current === "string" && exampleDisagreements(current, entry).length === 0 ? current : exampleOf(entry);
}
