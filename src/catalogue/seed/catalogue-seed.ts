import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../project-root";
import { exampleOf } from "../example";
import { classOf, EntrySource, Popularity, RegistryStatus } from "../status-code.enums";
import type { StatusCodeRecord } from "../status-code.model";
import { comparisonsOf } from "./comparisons";
import { DETAILS } from "./details";
import { SPECIFICATION_HISTORY } from "./specifications";
import { TEMPORARY_REGISTRATIONS } from "./temporary";
import { REGISTERED_USES, specificationOfUse, UNOFFICIAL } from "./unofficial";

/**
 * Bump when the seed content changes: entries nobody edited since the last seed are then
 * brought up to date on the next start; edited ones are left alone (but gain fields they lack).
 * 2: specification histories and sections, vendor uses, examples, and the unofficial codes.
 * 3: every vendor use pinned to an excerpt of its source (issue 24), with a label and no
 *    reasonPhrase where the vendor gives none; 104 (temporary) and 294, 430, 529, 540 added,
 *    508's CloudLinux use, 510's status change; the facts the sources contradicted corrected.
 * 4: comparisons ("which one should I use?"), stored on the lower code of each pair.
 * 5: Esri's 498 Invalid Token added (issue 24: an Esri knowledge-base article states it), and
 *    499 relates to it.
 */
export const SEED_REVISION = 5;

export type SeedEntry = Omit<StatusCodeRecord, "version" | "seed" | "createdAt" | "updatedAt" | "retired" | "updatedBy">;

export const SEED_CSV = join(PROJECT_ROOT, "src", "catalogue", "seed", "iana-http-status-codes.csv");

// Content must not be sent with these (RFC 9110 Sections 15.2, 15.3.5, 15.3.6, 15.4.5).
const NO_BODY = new Set([204, 205, 304]);

/** The IANA registry's codes (from the CSV), then the unofficial ones, in code order. */
export function loadSeedEntries(csvPath = SEED_CSV): SeedEntry[] {
  return [...loadRegisteredEntries(csvPath), ...unofficialEntries()].sort((a, b) => a.code - b.code);
}

export function loadRegisteredEntries(csvPath = SEED_CSV): SeedEntry[] {
  const [header, ...rows] = readFileSync(csvPath, "utf8").trim().split(/\r?\n/);
  const columns = header.split(",");
  return rows.map((line) => {
    // The registry has no quoted fields; a comma inside one would shift columns, so refuse it.
    const cells = line.split(",");
    if (cells.length !== columns.length) throw new Error(`Malformed seed row: ${line}`);
    const row = Object.fromEntries(columns.map((c, i) => [c, cells[i]]));
    return toEntry(row);
  });
}

function toEntry(row: Record<string, string>): SeedEntry {
  const code = Number(row.code);
  const details = DETAILS[code];
  if (!details) throw new Error(`No description written for status ${code}`);
  const [description, typicalHeaders, related] = details;
  const history = SPECIFICATION_HISTORY[code];
  if (!history) throw new Error(`No specification history written for status ${code}`);
  const temporary = row.registry_status === "temporary" ? TEMPORARY_REGISTRATIONS[code] : null;
  if (temporary === undefined) throw new Error(`No registration dates written for temporary status ${code}`);
  const entry = {
    code,
    reasonPhrase: row.name,
    formerNames: row.former_names ? row.former_names.split(";") : [],
    class: classOf(code),
    description,
    popularity: POPULARITY[row.seed_group] ?? Popularity.OTHER,
    registryStatus: row.registry_status.toUpperCase() as RegistryStatus,
    // The registry names the document (a test checks it); the history adds the section IANA omits.
    specification: { ...history.at(-1)! },
    specificationHistory: history.map((s) => ({ ...s })),
    unofficialUses: (REGISTERED_USES[code] ?? []).map((u) => ({ ...u, excerpt: { ...u.excerpt } })),
    temporaryRegistration: temporary && { ...temporary, extendedOn: [...temporary.extendedOn], excerpt: { ...temporary.excerpt } },
    comparisons: comparisonsOf(code),
    cacheableByDefault: row.heuristically_cacheable === "yes",
    bodyAllowed: code >= 200 && !NO_BODY.has(code),
    typicalHeaders: [...typicalHeaders],
    relatedCodes: [...related],
    source: EntrySource.IANA,
  };
  return { ...entry, example: exampleOf(entry) };
}

/** The vendor codes: UNREGISTERED, grouped OTHER, defined by their first use's documentation. */
export function unofficialEntries(): SeedEntry[] {
  return Object.entries(UNOFFICIAL).map(([key, seed]) => {
    const code = Number(key);
    const specification = specificationOfUse(seed.uses[0]);
    const entry = {
      code,
      reasonPhrase: seed.reasonPhrase,
      formerNames: [...(seed.formerNames ?? [])],
      class: classOf(code),
      description: seed.description,
      popularity: Popularity.OTHER,
      registryStatus: RegistryStatus.UNREGISTERED,
      specification,
      specificationHistory: [{ ...specification }],
      unofficialUses: seed.uses.map((u) => ({ ...u, excerpt: { ...u.excerpt } })),
      temporaryRegistration: null,
      comparisons: comparisonsOf(code),
      cacheableByDefault: false,
      bodyAllowed: seed.bodyAllowed ?? true,
      typicalHeaders: [...seed.typicalHeaders],
      relatedCodes: [...seed.relatedCodes],
      source: EntrySource.VENDOR,
    };
    return { ...entry, example: exampleOf(entry) };
  });
}

const POPULARITY: Record<string, Popularity> = {
  popular: Popularity.POPULAR,
  less_popular: Popularity.LESS_POPULAR,
};
