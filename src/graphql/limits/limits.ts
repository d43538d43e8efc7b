import { GraphQLError } from "graphql";
import { DomainError } from "../../errors/domain-error";
import { type ErrorCode, httpStatusOf } from "../../errors/error-codes";

/** Every bound on an operation, checked before any resolver runs (README "Limits"). */
export interface OperationLimits {
  /** Lexical tokens of the document, counted before parsing. */
  tokens: number;
  /** Field nesting, fragments expanded, introspection fields not counted. */
  depth: number;
  /** Aliased fields, fragments expanded. */
  aliases: number;
  /** Fields of the operation's root selection, fragments expanded. */
  rootFields: number;
  /** Directives on any one field, fragment spread or inline fragment. */
  directives: number;
  /** Field selections, fragments expanded (what execution would have to visit). */
  selections: number;
  /** The operation's cost (see cost.ts). */
  cost: number;
}

/**
 * A refusal before execution. Thrown from an Apollo plugin hook: Apollo sends it with the HTTP
 * status of `extensions.http`, and the formatter reads code and details from the DomainError.
 */
export function limitError(code: ErrorCode, message: string, details: Record<string, unknown> = {}, headers?: Map<string, string>) {
  return new GraphQLError(message, {
    originalError: new DomainError(code, message, details),
    extensions: { http: { status: httpStatusOf(code), ...(headers && { headers }) } },
  });
}
