import type { ErrorCode } from "../errors/error-codes";

/**
 * Every HTTP status this API sends for a whole request (field errors travel inside a 200),
 * with the request that produces it. The README's "HTTP status codes" table is checked against
 * this list by a test, and each code's status against the error table.
 */
export const REQUEST_LEVEL_STATUSES: { status: number; code: ErrorCode | null; when: string }[] = [
  { status: 200, code: null, when: "Any GraphQL result, with field errors if some fields failed; also parse, validation and variable errors and operations over a limit when the client accepts only `application/json`" },
  { status: 304, code: null, when: "A GET whose `If-None-Match` matches the current `ETag`" },
  { status: 400, code: "BAD_REQUEST", when: "A body that is not a GraphQL request (no `query`, malformed JSON); also, with their own codes, parse, validation and variable errors (variables nested too deep included) and operations over a limit (see Limits) under `application/graphql-response+json`" },
  { status: 401, code: "UNAUTHENTICATED", when: "An `Authorization` header with an unknown, revoked or malformed key (with `WWW-Authenticate`)" },
  { status: 404, code: "NOT_FOUND", when: "A path other than `/graphql`, `/healthz`, `/readyz`" },
  { status: 404, code: "PERSISTED_QUERY_NOT_IN_LIST", when: "With `TRUSTED_DOCUMENTS`: a `documentId` or hash that is not listed, or under `TRUSTED_DOCUMENTS_POLICY=strict` (`writes`: mutations) a document that is not (see Trusted documents)" },
  { status: 405, code: "METHOD_NOT_ALLOWED", when: "A method other than GET, HEAD and POST on `/graphql`, or a mutation sent with GET; every 405 of a path carries the same `Allow` (`GET, HEAD, POST` on `/graphql`)" },
  { status: 406, code: "NOT_ACCEPTABLE", when: "An `Accept` header that allows neither `application/graphql-response+json` nor `application/json`, or a subscription asked for as one JSON result (the message names the transports that carry subscriptions)" },
  { status: 408, code: "REQUEST_TIMEOUT", when: "A request whose headers took longer than `REQUEST_HEADERS_TIMEOUT_MS`, or whole longer than `REQUEST_TIMEOUT_MS`, to arrive (then closed)" },
  { status: 413, code: "PAYLOAD_TOO_LARGE", when: "A body over `BODY_LIMIT_BYTES` (default 1 MiB)" },
  { status: 414, code: "URI_TOO_LONG", when: "A URL over `MAX_URL_BYTES` (default 8 KiB)" },
  { status: 415, code: "UNSUPPORTED_MEDIA_TYPE", when: "A POST body whose `Content-Type` is not JSON (`text/plain`, form data)" },
  { status: 429, code: "RATE_LIMITED", when: "A client whose cost budget for the window is spent (`RATE_LIMIT_BUDGET` per address, `RATE_LIMIT_KEY_BUDGET` per API key), or an address with more than `AUTH_FAILURE_LIMIT` failed authentications (with `Retry-After`)" },
  { status: 431, code: "REQUEST_HEADER_FIELDS_TOO_LARGE", when: "Request headers over Node's 16 KiB limit" },
  { status: 503, code: "SERVICE_UNAVAILABLE", when: "The database is unreachable and the operation needed it: nothing resolved, or the API key could not be checked (with `Retry-After`); `/readyz` likewise; a connection past `MAX_CONNECTIONS` or `MAX_SOCKETS_PER_ADDRESS` (then closed)" },
];
