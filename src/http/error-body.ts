import { type ErrorCode, httpStatusOf } from "../errors/error-codes";

/** A request-level failure, shaped like a GraphQL response so clients parse one format. */
export function errorBody(code: ErrorCode, message: string) {
  return { errors: [{ message, extensions: { code, httpStatus: httpStatusOf(code) } }] };
}
