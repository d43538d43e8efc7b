import { createHash } from "node:crypto";
import { type DocumentNode, getOperationAST, type GraphQLSchema, OperationTypeNode } from "graphql";
import { LRUCache } from "lru-cache";
import type { ApiKeyService } from "../../auth/api-key.service";
import { budgetMessage, type Charge } from "../../graphql/charge";
import { HASH_CACHE_BYTES, hashEntryBytes, type NewDocumentWork } from "../../graphql/limits/document-gate";
import type { OperationLimits } from "../../graphql/limits/limits";
import { admitDocument, HASH_MISMATCH_MESSAGE, hashMismatch, sha256Hex, type TrustedDocuments } from "../../graphql/trusted-documents";
import type { Refusal } from "../exit/refusal";
import type { RateBudgets } from "../rate-limit";
import { authenticate, isRefusal } from "./caller";
import type { RefusalHold } from "./hold";
import { costWithinLimit, documentLimits, knownValid, nestingLimit, parsedAndValid } from "./document";
import type { Subject, Transport } from "./subject";

/**
 * The one admission list: every way a GraphQL request comes in (the fast path for cache hits,
 * GraphQL over HTTP, graphql-ws, SSE, multipart) describes it as a Subject and passes it
 * through these checks, in this order. Each check reads the subject, records what it learns
 * on it, and returns nothing or its refusal (codes of the error table); the transport writes a
 * refusal its own way (exit/). A transport runs the part of the list it needs:
 * - the fast path, `caller` to `arrival` (a stored answer was admitted whole when it was made);
 * - GraphQL over HTTP, `caller` to `arrival` before the body is read, `trusted documents` to
 *   `document limits` once it is (the response cache answers between `variables` and
 *   `document limits`), then Apollo parses and validates (`document`, with its own store of
 *   documents) and its plugin runs `operation kind` and `cost` (apollo-plugin.ts);
 * - SSE and multipart, the HTTP prefix, then `document` to `cost` once a subscription is found;
 * - graphql-ws, all of it for every subscribe (the key checked again at use).
 */
export const STEPS = ["caller", "arrival", "trusted documents", "variables", "document limits", "document", "operation kind", "cost"] as const;
export type Step = (typeof STEPS)[number];

type Outcome = Refusal | readonly Refusal[] | undefined;
type Check = (subject: Subject) => Outcome | Promise<Outcome>;

export interface AdmissionOptions {
  schema: GraphQLSchema;
  apiKeys: ApiKeyService;
  budgets: RateBudgets;
  limits: OperationLimits;
  trustedDocuments?: TrustedDocuments;
  /** Bounds the work on documents never seen (pressure.ts): shed first under pressure. */
  newDocuments?: NewDocumentWork;
  /** Holds the refusals that say "come back later" (hold.ts). */
  hold?: RefusalHold;
}

export type Admit = ((subject: Subject, from: Step, to: Step) => Promise<readonly Refusal[] | undefined>) & {
  /** A document found not to parse or validate (by Apollo): new work each time it comes again (document-gate.ts). */
  invalid(query: string): void;
};

export function admissionList(options: AdmissionOptions): Admit {
  const { budgets } = options;
  const withinLimits = documentLimits(options.limits, options.newDocuments);
  // The cost of an operation depends only on its document, name and variables: clients repeat
  // a few of those, so it is computed once for each (by hash, in at most HASH_CACHE_BYTES).
  const costs = new LRUCache<string, number>({ maxSize: HASH_CACHE_BYTES, sizeCalculation: hashEntryBytes });
  const spend = async (subject: Subject, units: number, details?: Record<string, unknown>) => {
    const charge = await budgets.chargerOf(subject.principal?.keyId, subject.address)(units);
    subject.charge = charge;
    return budgetRefusal(charge, details);
  };

  const checks: Record<Step, Check> = {
    // Who sent it: no credentials is anonymous (reads are public); a key is checked at use, from
    // the ≤ 1 s cache of keys, on every request and every subscribe of an open socket.
    caller: (subject) => {
      if (subject.credentials === undefined) {
        subject.principal = null;
        return undefined;
      }
      return authenticate(options.apiKeys, budgets, subject.credentials, subject.address).then((outcome) => {
        if (isRefusal(outcome)) return outcome;
        subject.principal = outcome;
        return undefined;
      });
    },
    // 1 unit on arrival, from the key's budget or else the address's: a request refused later was paid for.
    arrival: (subject) => spend(subject, 1),
    // A listed hash or documentId becomes its document; under `strict` nothing else runs; a hash
    // sent with a text must be that text's, listed or not (the text is what runs).
    "trusted documents": (subject) => {
      const request = subject.graphql;
      if (!request) return undefined;
      if (!options.trustedDocuments) return hashMismatch(request.query, request.extensions) ? { code: "BAD_REQUEST", message: HASH_MISMATCH_MESSAGE } : undefined;
      const admitted = admitDocument(options.trustedDocuments, request);
      if (admitted.kind === "refused") return { code: admitted.code, message: admitted.message };
      if (admitted.kind === "listed") {
        delete request.documentId;
        request.query = admitted.document;
        request.extensions = { ...request.extensions, persistedQuery: { version: 1, sha256Hash: admitted.hash } };
      }
      return undefined;
    },
    variables: (subject) => nestingLimit(subject.graphql),
    "document limits": (subject) => withinLimits(subject.graphql?.query),
    document: (subject) => {
      const query = subject.graphql?.query;
      if (typeof query !== "string") return { code: "BAD_REQUEST", message: "The request has no query" };
      const admitted = (document: DocumentNode | Refusal[]) => {
        if (Array.isArray(document)) {
          withinLimits.forget(query);
          return document;
        }
        subject.document = document;
        return undefined;
      };
      const known = knownValid(options.schema, query);
      if (known) return admitted(known);
      // A document not seen before is parsed and validated in a turn of its own (pressure.ts).
      const turn = options.newDocuments?.ownTurn?.();
      const parse = () => admitted(parsedAndValid(options.schema, query));
      return turn ? turn.then(parse) : parse();
    },
    "operation kind": (subject) => {
      const operation = subject.document && getOperationAST(subject.document, subject.graphql?.operationName);
      if (!operation) return { code: "OPERATION_RESOLUTION_FAILURE", message: "The operation to run cannot be determined: name one of the document's operations in operationName" };
      subject.operation.type = operation.operation;
      subject.operation.name = operation.name?.value;
      if (ALLOWED[subject.transport].includes(operation.operation)) return undefined;
      return { code: "METHOD_NOT_ALLOWED", message: NOT_ALLOWED[subject.transport](operation.operation) };
    },
    // The operation's cost within the limit, then spent from the same budget as the arrival.
    cost: (subject) => {
      const { graphql: request = {}, document } = subject;
      if (!document) return undefined;
      const documentHash = subject.documentHash ?? sha256Hex(request.query ?? "");
      const key = createHash("sha256").update(`${documentHash}\n${request.operationName ?? ""}\n${JSON.stringify(request.variables ?? {})}`).digest("base64url");
      let cost = costs.get(key);
      if (cost === undefined) {
        const computed = costWithinLimit(options.schema, options.limits, document, request.operationName, request.variables);
        if (typeof computed !== "number") return computed;
        costs.set(key, (cost = computed)); // only costs within the limit are kept
      }
      subject.operation.cost = cost;
      return spend(subject, cost, { cost });
    },
  };
  const ordered = STEPS.map((step) => checks[step]);

  const admit = async (subject: Subject, from: Step, to: Step) => {
    for (let i = STEPS.indexOf(from), last = STEPS.indexOf(to); i <= last; i += 1) {
      let outcome = ordered[i](subject);
      if (outcome instanceof Promise) outcome = await outcome;
      if (!outcome) continue;
      const refusals = Array.isArray(outcome) ? outcome : [outcome as Refusal];
      return options.hold ? options.hold.hold(subject, refusals) : refusals;
    }
    return undefined;
  };
  return Object.assign(admit, { invalid: (query: string) => withinLimits.forget(query) });
}

/** The document the list's `document` step admitted: a transport that ran that step without a refusal has one. */
export function admittedDocument(subject: Subject): DocumentNode {
  if (!subject.document) throw new Error("The admission list's document step admitted no document");
  return subject.document;
}

/**
 * The refusal of a spend the budget could not cover: 429, with when to retry both as
 * Retry-After (HTTP) and in the details (a WebSocket message has no headers), on every transport.
 */
export function budgetRefusal(charge: Charge, details?: Record<string, unknown>): Refusal | undefined {
  if (charge.allowed) return undefined;
  return {
    code: "RATE_LIMITED",
    message: budgetMessage(charge),
    details: { ...details, retryAfterSeconds: charge.resetSeconds },
    headers: { "retry-after": String(charge.resetSeconds) },
  };
}

const { QUERY, MUTATION, SUBSCRIPTION } = OperationTypeNode;

/** The operations each transport runs: writes only by POST, subscriptions only as streams. */
const ALLOWED: Record<Transport, readonly OperationTypeNode[]> = {
  GET: [QUERY],
  QUERY: [QUERY],
  POST: [QUERY, MUTATION, SUBSCRIPTION],
  "graphql-ws": [QUERY, SUBSCRIPTION],
  sse: [SUBSCRIPTION],
  multipart: [SUBSCRIPTION],
  other: [],
};

const NOT_ALLOWED: Record<Transport, (operation: string) => string> = {
  // Apollo refuses these first, with its own words (and the route's Allow).
  GET: (operation) => `GET requests only support query operations, not ${operation} operations`,
  // QUERY is safe and idempotent (draft-ietf-httpbis-safe-method-w-body), as GET is.
  QUERY: (operation) => `QUERY runs queries only: send a ${operation} as POST`,
  POST: (operation) => `A ${operation} cannot run here`,
  // A write is one HTTP request, authenticated, budgeted and logged as one.
  "graphql-ws": () => "Mutations are not run over WebSocket: send them as HTTP POST /graphql",
  sse: (operation) => `A ${operation} is not a stream: send it as a plain request`,
  multipart: (operation) => `A ${operation} is not a stream: send it as a plain request`,
  other: (operation) => `A ${operation} cannot run here`,
};
