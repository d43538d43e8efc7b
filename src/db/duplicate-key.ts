/** MongoDB's (and FerretDB's) code for a unique-index violation. */
const DUPLICATE_KEY = 11000;

export function isDuplicateKey(error: unknown): boolean {
  return (error as { code?: unknown }).code === DUPLICATE_KEY;
}

/**
 * For an unordered bulk insert that failed: the indexes of the documents refused as duplicates,
 * or null when anything else went wrong.
 */
export function duplicateIndexes(error: unknown): Set<number> | null {
  const writeErrors = (error as { writeErrors?: { index: number; code?: number; err?: { code?: number } }[] }).writeErrors;
  if (!writeErrors?.every((w) => (w.code ?? w.err?.code) === DUPLICATE_KEY)) return null;
  return new Set(writeErrors.map((w) => w.index));
}
