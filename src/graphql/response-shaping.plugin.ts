import type { ApolloServerPlugin } from "@apollo/server";
import { type ErrorCode, factsOf, httpStatusOf, isErrorCode, PARTIAL_SUCCESS } from "../errors/error-codes";
import type { AppContext } from "./context";

/**
 * The HTTP status of a GraphQL result, decided from the error table while the result is
 * produced (as GraphQL Yoga does with `extensions.http`), never by reading the serialized body
 * again. As the GraphQL over HTTP draft of 2026 says, under both media types:
 * - a result with data and no errors is 200;
 * - a result with data (even null) and errors is 294 Partial Success, unless nothing resolved
 *   because the database is down (503, with the table's Retry-After);
 * - a result without data failed as a request: its status is the table's (400 for a document
 *   that does not parse, 422 for one that does not validate or is over a limit, …).
 * Every error is stamped with the request id, and the request records the codes for the
 * transport and the metrics.
 */
export function responseShapingPlugin(): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== "single") return;
          const result = response.body.singleResult;
          const codes: ErrorCode[] = [];
          for (const error of result.errors ?? []) {
            const code = error.extensions?.code;
            if (isErrorCode(code)) codes.push(code);
            (error.extensions as Record<string, unknown>).requestId = contextValue.requestId;
          }
          contextValue.request.errorCodes = codes;
          const status = statusOfResult(result.data, codes);
          response.http.status = status;
          // The table's Retry-After when the response's status is the error's, and on a partial
          // result whose errors all say when to retry (a write refused for want of the database
          // arrives in a 294: the draft keeps data's 2xx, the client still learns when to come back).
          const retryable =
            codes.length > 0 && (status === PARTIAL_SUCCESS ? codes.every((c) => factsOf(c).retryAfterSeconds !== undefined) : httpStatusOf(codes[0]) === status);
          const retryAfter = retryable ? factsOf(codes[0]).retryAfterSeconds : undefined;
          if (retryAfter !== undefined && !response.http.headers.has("retry-after")) response.http.headers.set("retry-after", String(retryAfter));
        },
      };
    },
  };
}

/** The status of a result (data undefined: it failed before execution) with these error codes. */
export function statusOfResult(data: unknown, codes: readonly ErrorCode[]): number {
  if (codes.length === 0) return 200;
  if (data !== undefined) {
    // Executed, with errors. Nothing at all resolved for want of the database: the server is the
    // reason (data null only; a data object is a partial result, which the draft requires 2xx for).
    const unavailable = data === null && codes.every((c) => c === "SERVICE_UNAVAILABLE");
    return unavailable ? httpStatusOf("SERVICE_UNAVAILABLE") : PARTIAL_SUCCESS;
  }
  const refusal = codes.find((c) => !factsOf(c).requestLevel) ?? codes[0];
  return factsOf(refusal).responseStatus ?? httpStatusOf(refusal);
}
