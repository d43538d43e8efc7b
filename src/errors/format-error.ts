import type { GraphQLFormattedError } from "graphql";
import { classifyError } from "./classify-error";
import { DomainError } from "./domain-error";
import { type ErrorCode, httpStatusOf } from "./error-codes";

/**
 * The one place that shapes errors for clients: a stable `code`, the equivalent `httpStatus`,
 * and nothing else from the original (no stack trace, no database message).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const { code, message, details } = classifyError(error);
  return {
    message,
    ...(formatted.locations && { locations: formatted.locations }),
    ...(formatted.path && { path: formatted.path }),
    extensions: { ...details, code, httpStatus: httpStatusOf(code) },
  };
}

/** A refusal of ours (a code, a message, details), shaped as any error is. */
export function formatRefusal(code: ErrorCode, message: string, details: Record<string, unknown> = {}): GraphQLFormattedError {
  return formatError({ message }, new DomainError(code, message, details));
}
