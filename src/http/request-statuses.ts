import { ERROR_CODES, type ErrorCode, factsOf, httpStatusOf, PARTIAL_SUCCESS } from "../errors/error-codes";

/**
 * Every HTTP status this API sends for a whole request (field errors travel inside a 294),
 * with the request that produces it: those without an error, every code the error table says
 * refuses a whole request, and the request errors of 422, by status. docs/errors.md's "HTTP status codes" table is checked
 * against this list by a test.
 */
export const REQUEST_LEVEL_STATUSES: { status: number; code: ErrorCode | null; when: string }[] = [
  { status: 200, code: null, when: "A GraphQL result without errors" },
  { status: PARTIAL_SUCCESS, code: null, when: "A GraphQL result with both `data` (even null) and `errors`: Partial Success, the GraphQL over HTTP draft's own code (field errors: an unknown code, a key without the role, a write that conflicts)" },
  { status: 302, code: null, when: "`GET /` from a browser (`Accept: text/html`) with the playground on: to `/graphql`" },
  { status: 304, code: null, when: "A GET or QUERY whose `If-None-Match` matches the current `ETag`" },
  ...ERROR_CODES.filter((code) => factsOf(code).refusedRequest)
    .map((code) => ({ status: httpStatusOf(code), code, when: factsOf(code).refusedRequest! }))
    .sort((a, b) => a.status - b.status),
  {
    status: httpStatusOf("GRAPHQL_VALIDATION_FAILED"),
    code: null,
    when: "A GraphQL request error without data, with its own code: a document that does not validate (`GRAPHQL_VALIDATION_FAILED`), an operation that cannot be chosen (`OPERATION_RESOLUTION_FAILURE`), variables that cannot be coerced (`BAD_USER_INPUT`), an operation over a limit (see Limits); a document that does not parse is 400 (`GRAPHQL_PARSE_FAILED`)",
  },
].sort((a, b) => a.status - b.status);
