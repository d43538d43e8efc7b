import { type DocumentNode, type GraphQLSchema, parse, validate } from "graphql";
import { LRUCache } from "lru-cache";
import { DomainError } from "../../errors/domain-error";
import { documentBytes } from "../../graphql/document-caches";
import type { ChargeFn } from "../../graphql/charge";
import { assertWithinCost, operationCost } from "../../graphql/limits/cost";
import { type DocumentGate, documentGate, type NewDocumentWork } from "../../graphql/limits/document-gate";
import { variablesDepthError } from "../../graphql/limits/variables-depth";
import type { OperationLimits } from "../../graphql/limits/limits";
import type { Refusal } from "../exit/refusal";
import type { GraphqlRequest } from "./request";

/**
 * The bounds of a query document, checked before anything parses or validates it (see
 * document-gate.ts), whatever carries it.
 */
export function documentLimits(limits: OperationLimits, newWork?: NewDocumentWork): ((query: unknown) => Refusal | undefined) & Pick<DocumentGate, "forget"> {
  const gate = documentGate(limits, newWork);
  const check = (query: unknown) => {
    if (typeof query !== "string") return undefined;
    const error = gate(query);
    return error && { code: error.code, message: error.message, details: error.details };
  };
  return Object.assign(check, { forget: gate.forget });
}

/**
 * Variables (or extensions) nested deeper than MAX_VARIABLE_DEPTH, refused before anything walks
 * them recursively (the response-cache key, a GET's re-encoding for Apollo, the cost estimate
 * would overflow the stack).
 */
export function variablesLimit(variables: unknown, name = "variables"): Refusal | undefined {
  const error = variablesDepthError(variables, undefined, name);
  return error && { code: error.code, message: error.message, details: error.details };
}

/** The request's variables, then its extensions (a GET's are stringified again for Apollo), within their depth. */
export function nestingLimit(request: GraphqlRequest | undefined): Refusal | undefined {
  return variablesLimit(request?.variables) ?? variablesLimit(request?.extensions, "extensions");
}

/**
 * Where Apollo does not run the request (graphql-ws, multipart HTTP, SSE): the text parses and
 * validates against the schema. The parsed document, or the refusals.
 */
export function parsedAndValid(schema: GraphQLSchema, query: string): DocumentNode | Refusal[] {
  const hit = knownValid(schema, query);
  if (hit) return hit;
  const document = parsedDocument(query);
  if (Array.isArray(document)) return document;
  const invalid = validationErrors(schema, document);
  if (invalid.length) return invalid;
  validDocuments(schema).set(query, document);
  return document;
}

/** The document, if the text was parsed and found valid before (and is still remembered). */
export function knownValid(schema: GraphQLSchema, query: string): DocumentNode | undefined {
  return validDocuments(schema).get(query);
}

function validDocuments(schema: GraphQLSchema): LRUCache<string, DocumentNode> {
  let known = valid.get(schema);
  if (!known) valid.set(schema, (known = new LRUCache({ maxSize: VALID_DOCUMENTS_BYTES, sizeCalculation: documentBytes })));
  return known;
}

/**
 * Valid documents by their text, per schema: the subscriptions of one document, however many,
 * and whatever carries them, share one parsed document instead of each holding its own for as
 * long as it lives (its tokens, locations and nodes: about 4-5 KB of a small subscription's 20,
 * measured); graphql-js never changes a document it runs. Bounded by their
 * estimated heap bytes, as Apollo's store of documents is; only valid documents are kept.
 */
const VALID_DOCUMENTS_BYTES = 2 * 1024 * 1024;
const valid = new WeakMap<GraphQLSchema, LRUCache<string, DocumentNode>>();

/** The document, or the refusal of a text that does not parse. */
export function parsedDocument(query: string): DocumentNode | Refusal[] {
  try {
    return parse(query);
  } catch (error) {
    return [{ code: "GRAPHQL_PARSE_FAILED", message: (error as Error).message }];
  }
}

/** The refusals of a parsed document that does not validate against the schema (none: it does). */
export function validationErrors(schema: GraphQLSchema, document: DocumentNode): Refusal[] {
  return validate(schema, document).map((e) => ({ code: "GRAPHQL_VALIDATION_FAILED", message: e.message }));
}

/** The operation's cost once within the limit, or its refusal (over the limit, or variables that do not fit). */
export function costWithinLimit(
  schema: GraphQLSchema,
  limits: OperationLimits,
  document: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | null | undefined,
): number | Refusal {
  try {
    const cost = operationCost(schema, document, operationName ?? undefined, variables ?? undefined);
    assertWithinCost(cost, limits.cost);
    return cost;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
}

/** The charge of pushed events: nothing, since the subscribe paid for the subscription. */
export const PUSHES_ARE_FREE: ChargeFn = async () => ({ allowed: true, limit: 0, remaining: 0, resetSeconds: 0, windowSeconds: 0, policy: "address" });
