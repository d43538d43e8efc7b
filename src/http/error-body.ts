import { type ErrorCode, httpStatusOf } from "../errors/error-codes";

/** A request-level failure, shaped like a GraphQL response so clients parse one format. */
export function errorBody(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
  return { errors: [{ message, extensions: { ...details, code, httpStatus: httpStatusOf(code) } }] };
}
