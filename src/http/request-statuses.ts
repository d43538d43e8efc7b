import { ERROR_CODES, type ErrorCode, factsOf, httpStatusOf } from "../errors/error-codes";

/**
 * Every HTTP status this API sends for a whole request (field errors travel inside a 200),
 * with the request that produces it: the three without an error, then every code the error table
 * says refuses a whole request, by status. The README's "HTTP status codes" table is checked
 * against this list by a test.
 */
export const REQUEST_LEVEL_STATUSES: { status: number; code: ErrorCode | null; when: string }[] = [
  { status: 200, code: null, when: "Any GraphQL result, with field errors if some fields failed; also parse, validation and variable errors and operations over a limit when the client accepts only `application/json`" },
  { status: 302, code: null, when: "`GET /` from a browser (`Accept: text/html`) with the playground on: to `/graphql`" },
  { status: 304, code: null, when: "A GET whose `If-None-Match` matches the current `ETag`" },
  ...ERROR_CODES.filter((code) => factsOf(code).refusedRequest)
    .map((code) => ({ status: httpStatusOf(code), code, when: factsOf(code).refusedRequest! }))
    .sort((a, b) => a.status - b.status),
];
