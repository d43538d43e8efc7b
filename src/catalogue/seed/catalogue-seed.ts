import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../project-root";
import { classOf, Popularity, RegistryStatus } from "../status-code.enums";
import type { StatusCodeRecord } from "../status-code.model";
import { DETAILS } from "./details";

/**
 * Bump when the seed content changes: entries nobody edited since the last seed are then
 * brought up to date on the next start; edited ones are left alone.
 */
export const SEED_REVISION = 1;

export type SeedEntry = Omit<StatusCodeRecord, "version" | "seed" | "createdAt" | "updatedAt" | "source" | "retired" | "updatedBy">;

export const SEED_CSV = join(PROJECT_ROOT, "src", "catalogue", "seed", "iana-http-status-codes.csv");

// Content must not be sent with these (RFC 9110 Sections 15.2, 15.3.5, 15.3.6, 15.4.5).
const NO_BODY = new Set([204, 205, 304]);

export function loadSeedEntries(csvPath = SEED_CSV): SeedEntry[] {
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
  const spec = /^(RFC)(\d+)(?: Section ([\d.]+))?$/.exec(row.reference);
  return {
    code,
    reasonPhrase: row.name,
    formerNames: row.former_names ? row.former_names.split(";") : [],
    class: classOf(code),
    description,
    popularity: POPULARITY[row.seed_group] ?? Popularity.OTHER,
    registryStatus: row.registry_status.toUpperCase() as RegistryStatus,
    specification: {
      document: spec ? `${spec[1]} ${spec[2]}` : row.reference,
      section: spec?.[3] ?? null,
      url: row.reference_url,
    },
    cacheableByDefault: row.heuristically_cacheable === "yes",
    bodyAllowed: code >= 200 && !NO_BODY.has(code),
    typicalHeaders: [...typicalHeaders],
    relatedCodes: [...related],
  };
}

const POPULARITY: Record<string, Popularity> = {
  popular: Popularity.POPULAR,
  less_popular: Popularity.LESS_POPULAR,
};
