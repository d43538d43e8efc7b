import { DomainError } from "../errors/domain-error";
import { compareCodePoints } from "./read-model";
import { StatusCodeOrderField } from "./status-code.inputs";
import type { StatusCodeRecord } from "./status-code.model";

/**
 * Keyset pagination over (sort field, code). `code` is unique, so every position is total and
 * a cursor stays valid while entries are added or removed around it (unlike skip/offset).
 */
type SortPath = "code" | "reasonPhrase";
const SORT_PATH: Record<StatusCodeOrderField, SortPath> = {
  [StatusCodeOrderField.CODE]: "code",
  [StatusCodeOrderField.REASON_PHRASE]: "reasonPhrase",
};

export interface Position {
  field: StatusCodeOrderField;
  value: number | string;
  code: number;
}

export function positionOf(field: StatusCodeOrderField, entry: StatusCodeRecord): Position {
  return { field, value: entry[SORT_PATH[field]], code: entry.code };
}

/** Opaque to clients: base64url of JSON. The order field is inside so a cursor from one order can't be misread by another. */
export function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify([p.field, p.value, p.code])).toString("base64url");
}

export function decodeCursor(cursor: string, field: StatusCodeOrderField): Position {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    parsed = undefined;
  }
  const valueType = SORT_PATH[field] === "code" ? "number" : "string";
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 3 ||
    parsed[0] !== field ||
    typeof parsed[1] !== valueType ||
    !Number.isInteger(parsed[2])
  ) {
    throw new DomainError("BAD_USER_INPUT", "Invalid cursor: use a cursor returned by this query with the same orderBy");
  }
  return { field, value: parsed[1], code: parsed[2] };
}

/** Where an entry lies against a position, in ascending keyset order: < 0 before, 0 at, > 0 after. */
export function comparePosition(entry: StatusCodeRecord, p: Position): number {
  if (SORT_PATH[p.field] === "code") return entry.code - p.code;
  return compareCodePoints(entry.reasonPhrase, p.value as string) || entry.code - p.code;
}
