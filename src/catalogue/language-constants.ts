import committed from "./seed/language-constants.json";
import type { LanguageConstant, Runtime } from "./language-constant.type";

/**
 * The names languages give status codes: a property of the number, not of a curated entry, so
 * it is read from the generated file (src/catalogue/seed/language-constants.json, written by
 * scripts/language-constants.ts from the runtimes themselves) rather than stored with entries.
 * A custom code a curator adds gets whatever the languages know of its number.
 */
const BY_CODE: ReadonlyMap<number, readonly LanguageConstant[]> = (() => {
  const byCode = new Map<number, LanguageConstant[]>();
  for (const reading of committed.runtimes) {
    for (const c of reading.constants) {
      const constant = Object.freeze({ runtime: reading.runtime as Runtime, version: reading.version, symbol: c.symbol, reasonPhrase: c.reasonPhrase });
      byCode.set(c.code, [...(byCode.get(c.code) ?? []), constant]);
    }
  }
  return byCode;
})();

/** A runtime that does not know a code has no entry for it; the order is the file's (NODE, PYTHON, GO, JAVA, RUST). */
export function constantsOf(code: number): readonly LanguageConstant[] {
  return BY_CODE.get(code) ?? [];
}

export function isKnownTo(runtime: Runtime, code: number): boolean {
  return constantsOf(code).some((c) => c.runtime === runtime);
}
