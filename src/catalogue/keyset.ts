import type { QueryFilter } from "mongoose";
import { DomainError } from "../errors/domain-error";
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

export function sortOf(field: StatusCodeOrderField, ascending: boolean): Record<string, 1 | -1> {
  const dir = ascending ? 1 : -1;
  const path = SORT_PATH[field];
  return path === "code" ? { code: dir } : { [path]: dir, code: dir };
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

/** Entries strictly past `p` in the given direction ($gt: later when ascending). */
export function beyond(p: Position, op: "$gt" | "$lt"): QueryFilter<StatusCodeRecord> {
  const path: string = SORT_PATH[p.field];
  if (path === "code") return { code: { [op]: p.code } };
  return { $or: [{ [path]: { [op]: p.value } }, { [path]: p.value, code: { [op]: p.code } }] };
}

/** Entries at `p` or before it in the given direction: the complement of beyond(). */
export function upTo(p: Position, op: "$gt" | "$lt"): QueryFilter<StatusCodeRecord> {
  const path: string = SORT_PATH[p.field];
  const eq = op === "$gt" ? "$lte" : "$gte";
  const strict = op === "$gt" ? "$lt" : "$gt";
  if (path === "code") return { code: { [eq]: p.code } };
  return { $or: [{ [path]: { [strict]: p.value } }, { [path]: p.value, code: { [eq]: p.code } }] };
}
