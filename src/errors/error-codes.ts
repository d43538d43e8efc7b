/** What the API knows of each error code; see ERROR_TABLE. */
export interface ErrorFacts {
  httpStatus: number;
  description: string;
  /**
   * A GraphQL request error (the document could not be parsed, validated or admitted): nothing
   * ran, there is no `data`, and the response is sent with httpStatus under both media types
   * (GraphQL over HTTP, 2026 draft: a legacy client gets the full range of statuses too).
   */
  requestLevel?: true;
  /** The code of a whole HTTP request refused with this status (Fastify's, Node's, Apollo's). */
  forStatus?: true;
  /**
   * The whole request that is refused with this code, as docs/errors.md's table of HTTP statuses
   * says it (request-statuses.ts lists them).
   */
  refusedRequest?: string;
  /**
   * The status the whole response is sent with when it differs from httpStatus: Apollo's
   * automatic persisted queries answer an unknown hash with 200, and APQ links retry on it.
   */
  responseStatus?: number;
  /**
   * Raised by a resolver: a field error, sent beside whatever data resolved in a 294 Partial
   * Success (`StatusCode.apiErrorCodes` of 294 lists these).
   */
  fieldError?: true;
  /**
   * The WebSocket close code of a connection ended for this reason (graphql-ws's 4400 for a
   * message it cannot read, 4403 for a bad key, 4429 for a flood, RFC 6455's 1013 "try again
   * later" and 1011 "internal error").
   */
  closeCode?: number;
  /** Retry-After (seconds) of a response with this status, when the error itself gives none. */
  retryAfterSeconds?: number;
}

/**
 * The one table of this API's error codes. Everything else is derived from it: the GraphQL
 * `ErrorCode` enum, the `errorCodes` query, `StatusCode.apiErrorCodes`, the formatter's
 * `extensions.httpStatus`, the HTTP status and Retry-After of every response, and docs/errors.md's
 * table (checked by a test).
 */
export const ERROR_TABLE = {
  BAD_USER_INPUT: {
    httpStatus: 422,
    fieldError: true,
    requestLevel: true,
    description: "An argument or variable is invalid: out of range, malformed, or a bad cursor or id.",
  },
  BAD_REQUEST: {
    httpStatus: 400,
    closeCode: 4400,
    refusedRequest: "A body that is not JSON, or that could be read two ways (not UTF-8, a top-level member given twice, a NUL in its `query`, `operationName` or `documentId`); a query string that could be read two ways (a bad percent-escape, not UTF-8, a NUL, a parameter given twice); a persisted-query hash sent with other text",
    forStatus: true,
    description: "The HTTP request cannot be read as a GraphQL request: the body is not JSON, or the query string could be read two ways.",
  },
  INVALID_GRAPHQL_REQUEST: {
    httpStatus: 422,
    refusedRequest: "JSON that is not a GraphQL-over-HTTP request: no `query` (`{\"qeury\": …}`), `variables` or `extensions` that are not objects, an `operationName` that is not a string, a batch",
    forStatus: true,
    description: "The request is readable but is not a well-formed GraphQL-over-HTTP request: no query, or variables, extensions or operationName of the wrong type.",
  },
  GRAPHQL_PARSE_FAILED: {
    httpStatus: 400,
    requestLevel: true,
    description: "The query document is not valid GraphQL syntax.",
  },
  GRAPHQL_VALIDATION_FAILED: {
    httpStatus: 422,
    requestLevel: true,
    description: "The query does not validate against the schema (unknown field, wrong argument type).",
  },
  OPERATION_RESOLUTION_FAILURE: {
    httpStatus: 422,
    requestLevel: true,
    description: "The operation to run could not be chosen (operationName missing or unknown).",
  },
  QUERY_TOO_COMPLEX: {
    httpStatus: 422,
    requestLevel: true,
    description: "The operation's computed cost is over the limit; extensions give cost and maxCost. Ask for fewer or smaller pages.",
  },
  QUERY_TOO_DEEP: {
    httpStatus: 422,
    requestLevel: true,
    description: "The operation nests fields deeper than the limit; extensions give depth and maxDepth.",
  },
  TOO_MANY_TOKENS: {
    httpStatus: 422,
    requestLevel: true,
    description: "The query document has more lexical tokens than the limit; nothing was parsed past it.",
  },
  TOO_MANY_ALIASES: {
    httpStatus: 422,
    requestLevel: true,
    description: "The operation uses more field aliases (fragments expanded) than the limit.",
  },
  TOO_MANY_ROOT_FIELDS: {
    httpStatus: 422,
    requestLevel: true,
    description: "The operation selects more root fields (fragments expanded) than the limit: split it.",
  },
  TOO_MANY_DIRECTIVES: {
    httpStatus: 422,
    requestLevel: true,
    description: "A field or fragment carries more directives than the limit.",
  },
  TOO_MANY_SELECTIONS: {
    httpStatus: 422,
    requestLevel: true,
    description: "The document selects more fields and fragment spreads, every spread expanded, than the limit (a fragment used or not).",
  },
  PERSISTED_QUERY_NOT_SUPPORTED: {
    httpStatus: 400,
    responseStatus: 200,
    description: "The request used automatic persisted queries in a way this server does not support.",
  },
  UNAUTHENTICATED: {
    httpStatus: 401,
    closeCode: 4403,
    fieldError: true,
    refusedRequest: "An `Authorization` header with an unknown, revoked or malformed key (with `WWW-Authenticate`)",
    forStatus: true,
    description: "The operation needs credentials and none (or no valid ones) were sent.",
  },
  FORBIDDEN: {
    httpStatus: 403,
    fieldError: true,
    description: "The credentials are valid but their role does not allow this operation.",
  },
  NOT_FOUND: {
    httpStatus: 404,
    fieldError: true,
    refusedRequest: "A path other than `/`, `/graphql`, `/schema.graphql`, `/healthz`, `/readyz` (and `/metrics` with `METRICS_TOKEN`)",
    forStatus: true,
    description: "No entry exists for the requested code or id.",
  },
  PERSISTED_QUERY_NOT_FOUND: {
    httpStatus: 404,
    responseStatus: 200,
    description: "The persisted query hash is unknown: resend the request with the full query.",
  },
  PERSISTED_QUERY_NOT_IN_LIST: {
    httpStatus: 404,
    refusedRequest: "With `TRUSTED_DOCUMENTS`: a `documentId` or hash that is not listed, or under `TRUSTED_DOCUMENTS_POLICY=strict` (`writes`: mutations) a document that is not (see Trusted documents)",
    description: "The operation is not in the server's trusted documents and its policy (TRUSTED_DOCUMENTS_POLICY) requires it: send a document the app was built with, by its hash.",
  },
  METHOD_NOT_ALLOWED: {
    httpStatus: 405,
    refusedRequest: "A method other than GET, HEAD, POST and QUERY on `/graphql`, or a mutation sent with GET or QUERY; every 405 of a path carries the same `Allow` (`GET, HEAD, POST, QUERY` on `/graphql`)",
    forStatus: true,
    description: "The HTTP method or transport is not allowed here (a mutation over GET or over a WebSocket, or PUT): see the Allow header.",
  },
  NOT_ACCEPTABLE: {
    httpStatus: 406,
    refusedRequest: "An `Accept` header that allows neither `application/graphql-response+json` nor `application/json`, or a subscription asked for as one JSON result (the message names the transports that carry subscriptions)",
    forStatus: true,
    description:
      "The Accept header allows neither application/graphql-response+json nor application/json; or a subscription was asked for as a single result: subscriptions are streams, served with Accept: multipart/mixed;subscriptionSpec=\"1.0\" or text/event-stream, or over graphql-ws.",
  },
  REQUEST_TIMEOUT: {
    httpStatus: 408,
    refusedRequest: "A request whose headers took longer than `REQUEST_HEADERS_TIMEOUT_MS`, or whole longer than `REQUEST_TIMEOUT_MS`, to arrive (then closed)",
    forStatus: true,
    description: "The request did not finish arriving in time (headers, then body): the connection is closed. Retry on a faster link.",
  },
  CONFLICT: {
    httpStatus: 409,
    fieldError: true,
    description: "The write conflicts with the current state, for example the code already exists.",
  },
  GONE: {
    httpStatus: 410,
    fieldError: true,
    description: "The entry existed but has been retired.",
  },
  PRECONDITION_FAILED: {
    httpStatus: 412,
    fieldError: true,
    description: "The expected version does not match the current version of the entry.",
  },
  PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    refusedRequest: "A body over `BODY_LIMIT_BYTES` (default 1 MiB)",
    forStatus: true,
    description: "The request body is larger than the configured limit.",
  },
  URI_TOO_LONG: {
    httpStatus: 414,
    refusedRequest: "A URL over `MAX_URL_BYTES` (default 8 KiB)",
    forStatus: true,
    description: "The request URL (a GET query) is longer than the configured limit: send it as a POST.",
  },
  UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    refusedRequest: "A POST or QUERY body whose `Content-Type` is not JSON (`text/plain`, form data)",
    forStatus: true,
    description: "The request body is not JSON (Content-Type must be application/json).",
  },
  VALIDATION_FAILED: {
    httpStatus: 422,
    fieldError: true,
    description: "The input is well-formed but breaks a rule; the extensions list each field and constraint.",
  },
  LOCKED: {
    httpStatus: 423,
    fieldError: true,
    description: "The entry is locked against this kind of change for the caller's role.",
  },
  PRECONDITION_REQUIRED: {
    httpStatus: 428,
    fieldError: true,
    description: "The write must say which version it expects to replace.",
  },
  RATE_LIMITED: {
    httpStatus: 429,
    closeCode: 4429,
    refusedRequest: "A client whose cost budget for the window is spent (`RATE_LIMIT_BUDGET` per address, `RATE_LIMIT_KEY_BUDGET` per API key), or an address with more than `AUTH_FAILURE_LIMIT` failed authentications (with `Retry-After`; over HTTP, held `REFUSAL_HOLD_MS`, three times that during a flood from many addresses, before it is sent)",
    forStatus: true,
    description: "The client's cost budget for this window is spent, or it failed authentication too often: retry after the time given.",
  },
  TOO_MANY_SUBSCRIPTIONS: {
    httpStatus: 429,
    description:
      "The WebSocket connection already has the most subscriptions allowed, or the client address the most subscription connections (WebSockets and HTTP streams): complete or close one first.",
  },
  REQUEST_HEADER_FIELDS_TOO_LARGE: {
    httpStatus: 431,
    refusedRequest: "Request headers over Node's 16 KiB limit",
    forStatus: true,
    description: "The request headers are larger than the server accepts.",
  },
  INTERNAL_SERVER_ERROR: {
    httpStatus: 500,
    closeCode: 1011,
    fieldError: true,
    description: "An unexpected failure. Details are logged under the request id, never sent.",
  },
  SERVICE_UNAVAILABLE: {
    httpStatus: 503,
    closeCode: 1013,
    fieldError: true,
    refusedRequest: "The database is unreachable, or locked by another writer, and the operation needed it: nothing resolved, or the API key could not be checked (with `Retry-After`); `/readyz` likewise; `/healthz` once the database has been unreachable for `HEALTH_DATABASE_DOWN_AFTER_MS`; a connection past `MAX_CONNECTIONS` or `MAX_SOCKETS_PER_ADDRESS`, or from an address cut as too slow during a flood of slow requests (then closed); a document never seen before, shed under load (held `REFUSAL_HOLD_MS`, three times that during a flood from many addresses, before it is sent)",
    forStatus: true,
    retryAfterSeconds: 5,
    description: "The database cannot be reached or is busy right now: retry later.",
  },
  GATEWAY_TIMEOUT: {
    httpStatus: 504,
    fieldError: true,
    description: "The database did not answer within the query time limit.",
  },
} as const satisfies Record<string, ErrorFacts>;

export type ErrorCode = keyof typeof ERROR_TABLE;

/** Enum-shaped object for type-graphql's registerEnumType and for code that names a code. */
export const ErrorCode = Object.fromEntries(
  Object.keys(ERROR_TABLE).map((code) => [code, code]),
) as { [K in ErrorCode]: K };

export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_TABLE, value);
}

/** The close code of a WebSocket ended for this code's reason (the codes that end connections have one). */
export function closeCodeOf(code: ErrorCode): number {
  const close = factsOf(code).closeCode;
  if (close === undefined) throw new Error(`${code} has no WebSocket close code in the error table`);
  return close;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_TABLE[code].httpStatus;
}

/** Partial Success: the GraphQL over HTTP draft's own code for a result with both data and errors. */
export const PARTIAL_SUCCESS = 294;

/** The facts of a code, with the optional ones readable. */
export function factsOf(code: ErrorCode): ErrorFacts {
  return ERROR_TABLE[code];
}

const BY_STATUS = new Map(ERROR_CODES.filter((c) => factsOf(c).forStatus).map((c) => [httpStatusOf(c), c]));

/** The code of a whole request refused with this HTTP status (BAD_REQUEST for an unlisted 4xx). */
export function codeForStatus(status: number): ErrorCode {
  return BY_STATUS.get(status) ?? (status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST");
}
