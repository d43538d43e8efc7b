import type { ApolloServerPlugin } from "@apollo/server";
import { type ErrorCode, factsOf, httpStatusOf, isErrorCode } from "../errors/error-codes";
import type { AppContext } from "./context";

/**
 * The HTTP status of a GraphQL result, decided from the error table while the result is
 * produced (as GraphQL Yoga does with `extensions.http`), never by reading the serialized body
 * again:
 * - a result with data is 200, field errors or not, unless nothing resolved because the
 *   database is down (503, with the table's Retry-After);
 * - a result without data failed as a request: a request-level error (parse, validation,
 *   limits) is 200 under plain `application/json` and its status under
 *   `application/graphql-response+json`; any other refusal has its own status.
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
          const status = statusOfResult(result.data, codes, contextValue.request.mediaType ?? "application/json");
          response.http.status = status;
          const retryAfter = codes[0] && httpStatusOf(codes[0]) === status ? factsOf(codes[0]).retryAfterSeconds : undefined;
          if (retryAfter !== undefined && !response.http.headers.has("retry-after")) response.http.headers.set("retry-after", String(retryAfter));
        },
      };
    },
  };
}

/** The status of a result (data undefined: it failed before execution) with these error codes. */
export function statusOfResult(data: unknown, codes: readonly ErrorCode[], mediaType: string): number {
  if (data !== undefined) {
    // Executed (data null: a non-null root field failed).
    const nothingResolved = data === null || Object.values(data as Record<string, unknown>).every((v) => v === null);
    return nothingResolved && codes.length > 0 && codes.every((c) => c === "SERVICE_UNAVAILABLE") ? httpStatusOf("SERVICE_UNAVAILABLE") : 200;
  }
  if (codes.length === 0) return 200;
  if (codes.every((c) => factsOf(c).requestLevel)) return mediaType.startsWith("application/json") ? 200 : httpStatusOf(codes[0]);
  const refusal = codes.find((c) => !factsOf(c).requestLevel)!;
  return factsOf(refusal).responseStatus ?? httpStatusOf(refusal);
}
