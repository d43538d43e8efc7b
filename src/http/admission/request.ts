/**
 * A GraphQL request as every transport describes it to the admission list: decoded once, with
 * its variables and extensions as objects. A GET carries them as JSON text, a POST as JSON
 * values, a graphql-ws subscribe as a message's fields: each transport turns what it received
 * into this value (or refuses it as no GraphQL request at all), and nothing after that reads
 * the request's raw form again. Before, a GET's variables were JSON-parsed by five stages.
 */
export interface GraphqlRequest {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  /** A trusted document's id (`sha256:<hex>`), resolved by the trusted-documents check. */
  documentId?: unknown;
}

/**
 * The request in `params` (a POST's parsed body, a GET's decoded query string: `inUrl`, whose
 * variables and extensions are JSON text), or why it is no well-formed GraphQL-over-HTTP
 * request: the 2026 draft gives that 422 INVALID_GRAPHQL_REQUEST (a body that is no JSON at
 * all was refused before, 400).
 */
export function decodeGraphqlRequest(params: unknown, inUrl: boolean): GraphqlRequest | string {
  if (params === null || typeof params !== "object" || Array.isArray(params)) {
    return "A GraphQL-over-HTTP request is one JSON object (batches are not accepted)";
  }
  const { query, operationName, variables, extensions, documentId } = params as Record<string, unknown>;
  if (query !== undefined && typeof query !== "string") return "query must be a string";
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") return "operationName must be a string";
  const objects: Record<string, Record<string, unknown> | undefined> = {};
  for (const [name, value] of [["variables", variables], ["extensions", extensions]] as const) {
    const object = inUrl ? jsonOf(value) : value;
    if (object !== undefined && object !== null && (typeof object !== "object" || Array.isArray(object))) return `${name} must be ${inUrl ? "the JSON text of " : ""}an object`;
    objects[name] = (object ?? undefined) as Record<string, unknown> | undefined;
  }
  if (query === undefined && documentId === undefined && objects.extensions?.persistedQuery === undefined) {
    return "The request has no query: send `query` (or a persisted query's hash, or a documentId)";
  }
  const request: GraphqlRequest = {};
  if (query !== undefined) request.query = query;
  if (typeof operationName === "string") request.operationName = operationName;
  if (objects.variables) request.variables = objects.variables;
  if (objects.extensions) request.extensions = objects.extensions;
  if (documentId !== undefined) request.documentId = documentId;
  return request;
}

/** A GET's JSON parameter: undefined when absent, a symbol when it is no JSON (never an object). */
function jsonOf(value: unknown): unknown {
  if (value === undefined || value === "") return undefined;
  try {
    return JSON.parse(String(value));
  } catch {
    return NOT_JSON;
  }
}
const NOT_JSON = Symbol("not JSON");

/** The request as a query string again, for Apollo, which parses a GET's parameters itself. */
export function searchOf(request: GraphqlRequest): string {
  const params = new URLSearchParams();
  if (request.query !== undefined) params.set("query", request.query);
  if (request.operationName !== undefined) params.set("operationName", request.operationName);
  if (request.variables !== undefined) params.set("variables", JSON.stringify(request.variables));
  if (request.extensions !== undefined) params.set("extensions", JSON.stringify(request.extensions));
  return params.toString();
}
