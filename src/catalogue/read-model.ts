import { createHash } from "node:crypto";
import { withNewFields } from "./entry-defaults";
import { StatusCodeOrderField } from "./status-code.inputs";
import type { StatusCodeRecord } from "./status-code.model";

/**
 * The whole catalogue in memory: at most 500 entries (codes 100–599) by construction, read on
 * every request and written rarely, so every read is answered from here and MongoDB stays the
 * system of record (CatalogueSync keeps this copy current). Entries are frozen: resolvers
 * share them across requests.
 */
export class CatalogueReadModel {
  private byCode = new Map<number, StatusCodeRecord>();
  /** Changes are told from the first load on (the first load itself is no change). */
  private loaded = false;

  /** `changed` hears of every entry that reaches a newer version (subscriptions). */
  constructor(private readonly changed?: (before: StatusCodeRecord | undefined, after: StatusCodeRecord) => void) {}

  private sorted = new Map<StatusCodeOrderField, StatusCodeRecord[]>();
  private currentDigest = digestOf([]);

  get(code: number): StatusCodeRecord | undefined {
    return this.byCode.get(code);
  }

  /**
   * What the model holds, as a short hash of every entry's (code, version, updatedAt): two
   * processes with the same entries have the same digest, and any write changes it. Response
   * cache keys and ETags are derived from it.
   */
  get digest(): string {
    return this.currentDigest;
  }

  /** Every entry in ascending (field, code) order, the keyset order of the connection. */
  ordered(field: StatusCodeOrderField): readonly StatusCodeRecord[] {
    let rows = this.sorted.get(field);
    if (!rows) {
      rows = [...this.byCode.values()].sort(compareBy(field));
      this.sorted.set(field, rows);
    }
    return rows;
  }

  /**
   * Everything the database holds. An entry this process already holds at a newer version
   * stays (a write of this process that landed while the load was reading), unless `restart`:
   * the database was replaced underneath (a restore), and its versions are the truth even when
   * lower.
   */
  replaceAll(entries: StatusCodeRecord[], restart = false): void {
    const before = this.byCode;
    this.byCode = new Map(
      entries.map((e) => {
        const held = before.get(e.code);
        return [e.code, !restart && held && held.version > e.version ? held : deepFreeze(withNewFields(e))];
      }),
    );
    this.reindex();
    if (this.loaded) {
      for (const entry of this.byCode.values()) {
        const held = before.get(entry.code);
        if (!held || entry.version > held.version) this.changed?.(held, entry);
      }
    }
    this.loaded = true;
  }

  /** One entry as a write left it; never moves an entry back to an older version. */
  put(written: StatusCodeRecord): boolean {
    const held = this.byCode.get(written.code);
    if (held && held.version >= written.version) return false;
    const entry = deepFreeze(withNewFields(written));
    this.byCode.set(entry.code, entry);
    this.reindex();
    if (this.loaded) this.changed?.(held, entry);
    return true;
  }

  private reindex(): void {
    this.sorted.clear();
    this.currentDigest = digestOf([...this.byCode.values()]);
  }
}

function digestOf(entries: StatusCodeRecord[]): string {
  const hash = createHash("sha256");
  for (const e of [...entries].sort((a, b) => a.code - b.code)) {
    hash.update(`${e.code}:${e.version}:${new Date(e.updatedAt).getTime()};`);
  }
  return hash.digest("base64url").slice(0, 16);
}

/** Ascending order of the keyset: (field value, code), strings by code point like MongoDB's binary order. */
export function compareBy(field: StatusCodeOrderField): (a: StatusCodeRecord, b: StatusCodeRecord) => number {
  if (field === StatusCodeOrderField.CODE) return (a, b) => a.code - b.code;
  return (a, b) => compareCodePoints(a.reasonPhrase, b.reasonPhrase) || a.code - b.code;
}

/**
 * MongoDB without collation compares strings by their UTF-8 bytes, which is code point order.
 * JavaScript's `<` compares UTF-16 units, which differs for characters above U+FFFF (a
 * surrogate pair sorts before U+E000–U+FFFF); this maps the units so the orders agree.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

/** Plain objects and arrays only: entries carry no other kind (loads leave out `_id`). */
function deepFreeze<T>(value: T): T {
  const plain = Array.isArray(value) || (typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype);
  if (plain && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value as object)) deepFreeze(v);
  }
  return value;
}
