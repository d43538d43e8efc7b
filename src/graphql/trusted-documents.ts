import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { OperationTypeNode } from "graphql";

/**
 * Trusted documents (safelisting): the operations an app was built with, from manifests in
 * GraphQL Code Generator's client-preset format (`persisted-documents.json`,
 * `{ "<sha256 hex>" | "sha256:<hex>": "<document>" }`). Everything here is pure except the
 * loading, which runs once at start (config.ts); the stages that apply it to requests are
 * trusted-documents.hook.ts (before Apollo) and trusted-documents.plugin.ts (once the
 * operation is known).
 */
export type TrustedDocumentsPolicy = "open" | "writes" | "strict";

export const TRUSTED_DOCUMENTS_POLICIES = ["open", "writes", "strict"] as const satisfies readonly TrustedDocumentsPolicy[];

export interface TrustedDocuments {
  /**
   * open: listed documents run by hash, anything else runs too; writes: mutations only from a
   * manifest; strict: every operation only from a manifest.
   */
  policy: TrustedDocumentsPolicy;
  /** By lowercase sha256 hex of the document's exact text. */
  documents: ReadonlyMap<string, string>;
}

/** What the request asked for, as Apollo reads it (GET's `extensions` already parsed from JSON). */
export interface DocumentParams {
  query?: unknown;
  extensions?: unknown;
  documentId?: unknown;
}

export type Admission =
  /** Nothing to change: Apollo runs the request as sent (and the plugin checks it once resolved). */
  | { kind: "pass" }
  /** A listed document asked for by hash or documentId: run this text, under this hash. */
  | { kind: "listed"; hash: string; document: string }
  | { kind: "refused"; code: "PERSISTED_QUERY_NOT_IN_LIST" | "BAD_REQUEST"; message: string };

const HEX = /^[0-9a-f]{64}$/i;
const DOCUMENT_ID = /^sha256:([0-9a-f]{64})$/i;

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/**
 * Reads every manifest and checks each entry: a key that is a sha256 (bare or `sha256:`), a
 * document that is a non-empty string whose sha256 is that key. Throws one Error naming every
 * problem, file by file: a manifest that does not match its documents is a broken build, and
 * the server must not start trusting it.
 */
export function loadTrustedDocuments(paths: string[], policy: TrustedDocumentsPolicy): TrustedDocuments {
  const documents = new Map<string, string>();
  const problems: string[] = [];
  for (const path of paths) {
    let manifest: unknown;
    try {
      manifest = JSON.parse(readFileSync(path, "utf8"));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message;
      problems.push(`${path}: cannot be read as JSON (${reason})`);
      continue;
    }
    if (!manifest || typeof manifest !== "object" || Array.isArray(manifest)) {
      problems.push(`${path}: must be a JSON object of "<sha256>": "<document>"`);
      continue;
    }
    for (const [key, document] of Object.entries(manifest)) {
      const hash = (DOCUMENT_ID.exec(key)?.[1] ?? (HEX.test(key) ? key : undefined))?.toLowerCase();
      if (!hash) problems.push(`${path}: key "${key.slice(0, 80)}" is not a sha256 hex digest (64 hex digits, optionally after "sha256:")`);
      else if (typeof document !== "string" || document.trim() === "") problems.push(`${path}: the document of ${hash} is not a non-empty string`);
      else if (sha256Hex(document) !== hash) problems.push(`${path}: the document under ${hash} has sha256 ${sha256Hex(document)}: the manifest does not match its documents`);
      else documents.set(hash, document);
    }
  }
  if (problems.length) throw new Error(problems.join("\n  "));
  return { policy, documents };
}

/**
 * Before Apollo sees the request: a listed hash (Apollo's `extensions.persistedQuery.sha256Hash`
 * without a query, or `documentId: "sha256:<hex>"`) becomes its document, so it runs with no
 * registration round trip; under `strict` anything else is refused here, before Apollo could
 * register it as an automatic persisted query. Under `writes` a mutation can only be told once
 * parsed: see `operationRefusal`.
 */
export function admitDocument(trusted: TrustedDocuments, params: DocumentParams): Admission {
  const { query, documentId } = params;
  const persisted = (params.extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (documentId !== undefined) {
    const hash = typeof documentId === "string" ? DOCUMENT_ID.exec(documentId)?.[1]?.toLowerCase() : undefined;
    if (!hash) return refused("BAD_REQUEST", 'documentId must be "sha256:" followed by the 64 hex digits of the document\'s SHA-256');
    if (query !== undefined || persisted !== undefined) return refused("BAD_REQUEST", "Send a documentId alone, without a query or a persistedQuery extension");
    return listedOrRefused(trusted, hash);
  }
  // A hash sent with a text must be that text's: the text is what runs, whatever the hash lists.
  if (hashMismatch(query, params.extensions)) return refused("BAD_REQUEST", HASH_MISMATCH_MESSAGE);
  if (typeof persisted?.sha256Hash === "string" && query === undefined) {
    const hash = persisted.sha256Hash.toLowerCase();
    if (trusted.documents.has(hash)) return listedOrRefused(trusted, hash);
    // Unlisted: open and writes leave it to Apollo's automatic persisted queries.
    return trusted.policy === "strict" ? notInList() : { kind: "pass" };
  }
  // A full document (with or without its own hash): listed by the hash of the text itself.
  if (trusted.policy === "strict" && typeof query === "string" && !trusted.documents.has(sha256Hex(query))) return notInList();
  return { kind: "pass" };
}

/**
 * Once Apollo knows the operation, from the hash of the text it is about to run (Apollo's
 * `queryHash`: the sha256 of the source, however it arrived): `writes` refuses a mutation that
 * is not listed; `strict` anything not listed (already refused before Apollo over HTTP; this
 * covers every other way in). Returns the refusal's message, or undefined to run.
 */
export function operationRefusal(trusted: TrustedDocuments, queryHash: string, operation: OperationTypeNode | undefined): string | undefined {
  if (trusted.policy === "open" || trusted.documents.has(queryHash)) return undefined;
  if (trusted.policy === "strict") return NOT_IN_LIST_MESSAGE;
  return operation === "mutation" ? "Mutations run only from this server's trusted documents (TRUSTED_DOCUMENTS_POLICY=writes)" : undefined;
}

/** Apollo's words for the same refusal, so that every transport says it alike. */
export const HASH_MISMATCH_MESSAGE = "provided sha does not match query";

/**
 * A text sent with `extensions.persistedQuery.sha256Hash` that is not its SHA-256 (compared as
 * Apollo compares it). Apollo refuses such a request itself; the transports that never reach
 * Apollo (graphql-ws, the HTTP streams) and the trusted-documents check ask this, so that a
 * listed hash can never carry other text past them.
 */
export function hashMismatch(query: unknown, extensions: unknown): boolean {
  const hash = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery?.sha256Hash;
  return typeof query === "string" && hash !== undefined && hash !== sha256Hex(query);
}

const NOT_IN_LIST_MESSAGE = "The operation is not in this server's trusted documents: send one the app was built with, by its hash";

function listedOrRefused(trusted: TrustedDocuments, hash: string): Admission {
  const document = trusted.documents.get(hash);
  return document === undefined ? notInList() : { kind: "listed", hash, document };
}

const notInList = (): Admission => refused("PERSISTED_QUERY_NOT_IN_LIST", NOT_IN_LIST_MESSAGE);

function refused(code: "PERSISTED_QUERY_NOT_IN_LIST" | "BAD_REQUEST", message: string): Admission {
  return { kind: "refused", code, message };
}
