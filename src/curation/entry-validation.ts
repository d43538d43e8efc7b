import { DomainError } from "../errors/domain-error";
import { MAX_CODE, MIN_CODE } from "../catalogue/status-code.inputs";
import type { EntryContent, UnofficialUseRecord } from "../catalogue/status-code.model";

export type SpecificationInput = { document: string; section?: string | null; url: string };
/** A vendor use as a client sends it: the name, label and excerpt may be left out. */
export type UnofficialUseInput = Omit<UnofficialUseRecord, "reasonPhrase" | "label" | "excerpt"> & {
  reasonPhrase?: string | null;
  label?: string | null;
  excerpt?: { text: string; readOn: string; provenance?: string | null } | null;
};

/** A comparison as a client sends it: a reference's section may be left out. */
export type ComparisonInput = { other: number; chooseThisWhen: string; chooseOtherWhen: string; references: SpecificationInput[] };

/** What a client may send for a new entry; missing fields get defaults. */
export type EntryInput = Partial<Omit<EntryContent, "specification" | "specificationHistory" | "unofficialUses" | "temporaryRegistration" | "comparisons">> & {
  specification?: SpecificationInput | null;
  specificationHistory?: SpecificationInput[] | null;
  unofficialUses?: UnofficialUseInput[] | null;
  comparisons?: ComparisonInput[] | null;
};
export type NewEntry = EntryInput & { code: number };

/** A broken rule: the field and the constraint, never the rejected value. */
export interface FieldError {
  field: string;
  constraint: string;
}

export const LIMITS = {
  reasonPhrase: 80,
  description: 2000,
  formerNames: 10,
  formerName: 80,
  typicalHeaders: 20,
  relatedCodes: 10,
  specificationDocument: 100,
  specificationSection: 40,
  url: 500,
  retireReason: 500,
  origin: 80,
  unofficialUses: 10,
  specificationHistory: 10,
  example: 2000,
  excerpt: 1000,
  provenance: 500,
  comparisons: 20,
  comparisonReferences: 4,
} as const;

const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/; // an RFC 9110 token

/** Checks the fields present in `input` (all of them when `complete`). Pure: no database. */
export function checkContent(input: EntryInput, complete: boolean): FieldError[] {
  const errors: FieldError[] = [];
  const fail = (field: string, constraint: string) => errors.push({ field, constraint });
  const text = (field: string, value: string | undefined | null, max: number, required = complete) => {
    if (value == null) return required ? fail(field, "required") : undefined;
    if (!value.trim()) return fail(field, "notEmpty");
    if (value.length > max) fail(field, "maxLength");
  };

  text("reasonPhrase", input.reasonPhrase, LIMITS.reasonPhrase);
  text("description", input.description, LIMITS.description);
  if (input.formerNames) {
    if (input.formerNames.length > LIMITS.formerNames) fail("formerNames", "arrayMaxSize");
    input.formerNames.forEach((n, i) => text(`formerNames.${i}`, n, LIMITS.formerName, true));
  }
  if (input.typicalHeaders) {
    if (input.typicalHeaders.length > LIMITS.typicalHeaders) fail("typicalHeaders", "arrayMaxSize");
    input.typicalHeaders.forEach((h, i) => HEADER_NAME.test(h) || fail(`typicalHeaders.${i}`, "headerName"));
  }
  if (input.relatedCodes) {
    if (input.relatedCodes.length > LIMITS.relatedCodes) fail("relatedCodes", "arrayMaxSize");
    input.relatedCodes.forEach((c, i) => isCode(c) || fail(`relatedCodes.${i}`, "range"));
  }
  const specification = (path: string, spec: NonNullable<EntryInput["specification"]>) => {
    text(`${path}.document`, spec.document, LIMITS.specificationDocument, true);
    if (spec.section != null) text(`${path}.section`, spec.section, LIMITS.specificationSection, true);
    if (!isHttpUrl(spec.url)) fail(`${path}.url`, "url");
  };
  if (input.specification === undefined || input.specification === null) {
    if (complete && !input.specificationHistory?.length) fail("specification", "required");
  } else {
    specification("specification", input.specification);
  }
  if (input.specificationHistory) {
    const size = input.specificationHistory.length;
    if (size < 1 || size > LIMITS.specificationHistory) fail("specificationHistory", "arraySize");
    input.specificationHistory.forEach((s, i) => specification(`specificationHistory.${i}`, s));
  }
  if (input.unofficialUses) {
    if (input.unofficialUses.length > LIMITS.unofficialUses) fail("unofficialUses", "arrayMaxSize");
    input.unofficialUses.forEach((u, i) => {
      text(`unofficialUses.${i}.origin`, u.origin, LIMITS.origin, true);
      text(`unofficialUses.${i}.reasonPhrase`, u.reasonPhrase, LIMITS.reasonPhrase, false);
      // A use always has a label: its own, or the vendor's name.
      text(`unofficialUses.${i}.label`, u.label, LIMITS.reasonPhrase, u.reasonPhrase == null);
      if (u.excerpt) {
        text(`unofficialUses.${i}.excerpt.text`, u.excerpt.text, LIMITS.excerpt, true);
        if (!ISO_DATE.test(u.excerpt.readOn)) fail(`unofficialUses.${i}.excerpt.readOn`, "isoDate");
        text(`unofficialUses.${i}.excerpt.provenance`, u.excerpt.provenance, LIMITS.provenance, false);
      }
      text(`unofficialUses.${i}.description`, u.description, LIMITS.description, true);
      if (!isHttpUrl(u.reference, ["https:"])) fail(`unofficialUses.${i}.reference`, "httpsUrl");
    });
  }
  if (input.comparisons) {
    if (input.comparisons.length > LIMITS.comparisons) fail("comparisons", "arrayMaxSize");
    input.comparisons.forEach((c, i) => {
      text(`comparisons.${i}.chooseThisWhen`, c.chooseThisWhen, LIMITS.description, true);
      text(`comparisons.${i}.chooseOtherWhen`, c.chooseOtherWhen, LIMITS.description, true);
      const size = c.references.length;
      // Each side cites what decides it: at least one reference.
      if (size < 1 || size > LIMITS.comparisonReferences) fail(`comparisons.${i}.references`, "arraySize");
      c.references.forEach((r, j) => specification(`comparisons.${i}.references.${j}`, r));
    });
  }
  if (input.example != null) text("example", input.example, LIMITS.example, true);
  return errors;
}

export function isCode(code: number): boolean {
  return Number.isInteger(code) && code >= MIN_CODE && code <= MAX_CODE;
}

export function isHttpUrl(value: string | undefined, protocols = ["http:", "https:"]): boolean {
  if (!value || value.length > LIMITS.url) return false;
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

export function validationFailed(errors: FieldError[]): DomainError {
  const fields = [...new Set(errors.map((e) => e.field))].join(", ");
  return new DomainError("VALIDATION_FAILED", `Invalid input: ${fields}`, { fieldErrors: errors });
}
