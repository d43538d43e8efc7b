import { createHash } from "node:crypto";
import { parse } from "graphql";
import { LRUCache } from "lru-cache";
import { DomainError } from "../../errors/domain-error";
import { brokenLimit, shapesOf, tooManyTokens } from "./document-shape";
import type { OperationLimits } from "./limits";

const SHAPE_ERRORS = {
  depth: { code: "QUERY_TOO_DEEP", what: "nests", unit: "fields deep", detail: "maxDepth" },
  aliases: { code: "TOO_MANY_ALIASES", what: "uses", unit: "aliases", detail: "maxAliases" },
  rootFields: { code: "TOO_MANY_ROOT_FIELDS", what: "selects", unit: "root fields", detail: "maxRootFields" },
  directives: { code: "TOO_MANY_DIRECTIVES", what: "puts", unit: "directives on one field", detail: "maxDirectives" },
  selections: { code: "TOO_MANY_SELECTIONS", what: "selects", unit: "fields and fragment spreads with fragments expanded", detail: "maxSelections" },
} as const;

/**
 * Memory for remembered hashes (here, and the costs of operation-limits.plugin.ts), by bytes:
 * a base64url SHA-256 key (43 characters), its value and the LRU's bookkeeping take about 200.
 * 1 MiB remembers about 5,000 documents.
 */
export const HASH_CACHE_BYTES = 1024 * 1024;
export const hashEntryBytes = (_value: unknown, key: string) => 2 * key.length + 120;

/**
 * The bounds of a query document, checked before Apollo parses and validates it, because
 * graphql-js's validation rules are superlinear on some shapes (tens of thousands of repeated
 * fields, nested fragment spreads) and cannot be stopped once started:
 * 1. the token count, before parsing (the lexer stops one token past the limit);
 * 2. depth, aliases, root fields, directives and selections, in time linear in the document.
 * A document that does not parse passes: Apollo reports its syntax error as usual.
 * Documents found within the limits are remembered by hash (clients repeat a few documents),
 * so a repeated one is not lexed and walked again, nor counted as new work. One found not to
 * parse or validate later is forgotten (`forget`): nothing keeps its parse and validation, so
 * each time it comes again it is that work again, and is counted and shed as new work.
 */
export type DocumentGate = ((query: string) => DomainError | undefined) & { forget(query: string): void };

export function documentGate(limits: OperationLimits, newWork?: NewDocumentWork): DocumentGate {
  // Two segments (a segmented LRU): documents accepted once, and documents seen again. A flood
  // of distinct documents churns the first only; the documents clients repeat stay known, and are
  // never counted as new work again (a single LRU let the flood evict them every few seconds).
  const once = new LRUCache<string, true>({ maxSize: HASH_CACHE_BYTES, sizeCalculation: hashEntryBytes });
  const repeated = new LRUCache<string, true>({ maxSize: HASH_CACHE_BYTES, sizeCalculation: hashEntryBytes });
  const hashOf = (query: string) => createHash("sha256").update(query).digest("base64url");
  const check = (query: string) => {
    const hash = hashOf(query);
    if (repeated.get(hash)) return undefined;
    if (once.has(hash)) {
      once.delete(hash);
      repeated.set(hash, true);
      return undefined;
    }
    // A document never seen costs a lexing, a walk, then Apollo's parse and validation: under
    // pressure these are what is shed, while known documents and cache hits keep flowing.
    if (newWork && !newWork.admit()) return new DomainError("SERVICE_UNAVAILABLE", BUSY_MESSAGE, { newDocuments: "shed" });
    const started = newWork && process.cpuUsage();
    const error = documentLimitError(query, limits);
    if (newWork && started) {
      const used = process.cpuUsage(started);
      newWork.spend((used.user + used.system) / 1000);
    }
    if (!error) once.set(hash, true);
    return error;
  };
  return Object.assign(check, {
    forget(query: string) {
      const hash = hashOf(query);
      once.delete(hash);
      repeated.delete(hash);
    },
  });
}

/** Work on documents the server has not seen, bounded by the transport that owns the event loop. */
export interface NewDocumentWork {
  /** Whether a new document may be worked on now. */
  admit(): boolean;
  /** What checking one took, in CPU milliseconds. */
  spend(ms: number): void;
  /** Resolves in a turn of the event loop of its own: a new document is parsed and validated there. */
  ownTurn?(): Promise<void>;
}

const BUSY_MESSAGE = "The server is busy: documents it has not seen before are refused for a moment (ones it knows still run); retry shortly";

export function documentLimitError(query: string, limits: OperationLimits): DomainError | undefined {
  if (tooManyTokens(query, limits.tokens) !== undefined) {
    return new DomainError("TOO_MANY_TOKENS", `The document has more than ${limits.tokens} tokens`, { maxTokens: limits.tokens });
  }
  let document;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return undefined;
  }
  for (const shape of shapesOf(document)) {
    const broken = brokenLimit(shape, limits);
    if (!broken) continue;
    const e = SHAPE_ERRORS[broken.limit];
    const value = Number.isFinite(broken.value) ? String(broken.value) : "more than 1e308";
    const message = `The operation ${e.what} ${value} ${e.unit}; the maximum is ${limits[broken.limit]}`;
    // The measured value beside its maximum, as QUERY_TOO_COMPLEX gives cost and maxCost (one too
    // large for JSON is only in the message).
    const measured = Number.isFinite(broken.value) ? { [broken.limit]: broken.value } : {};
    return new DomainError(e.code, message, { ...measured, [e.detail]: limits[broken.limit] });
  }
  return undefined;
}
