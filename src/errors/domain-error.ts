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
    super(message);
    this.name = "DomainError";
  }
}
