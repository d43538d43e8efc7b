import { type ErrorCode, ERROR_TABLE } from "./error-codes";

/**
 * The only way services fail on purpose. It knows nothing of GraphQL or HTTP: the formatter
 * turns it into `extensions.code` + `extensions.httpStatus`. `details` is sent to the client
 * as extra extensions, so it must never hold secrets or echo user input back.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_TABLE[code].description,
    readonly details: Record<string, unknown> = {},
  ) {
    // A domain error is an expected outcome, answered to the client and never logged with a
    // stack: capturing one cost 8 % of the API's work under a flood of refused documents.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = stackTraceLimit;
    this.name = "DomainError";
  }
}

/** An error made without capturing a stack, for expected outcomes answered to the client (as DomainError's). */
export function withoutStack<E extends Error>(make: () => E): E {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
