import type { ApolloServerPlugin } from "@apollo/server";
import { createHash } from "node:crypto";
import { GraphQLError } from "graphql";
import { LRUCache } from "lru-cache";
import type { AppContext } from "../context";
import { budgetMessage, costExtension, rateHeaders } from "../charge";
import { assertWithinCost, operationCost } from "./cost";
import { HASH_CACHE_BYTES, hashEntryBytes } from "./document-gate";
import type { OperationLimits } from "./limits";
import { DomainError } from "../../errors/domain-error";
import { type ErrorCode, httpStatusOf } from "../../errors/error-codes";

/**
 * The last bound, checked once the operation and its variables are known and before any
 * resolver runs: its cost (see cost.ts), which is then spent from the caller's rate budget.
 * (The document's own bounds were checked before Apollo saw it: see document-gate.ts.)
 */
export function operationLimitsPlugin(limits: OperationLimits): ApolloServerPlugin<AppContext> {
  // The cost of an operation depends only on its document, name and variables: clients repeat
  // a few of those, so it is computed once for each (by hash, in at most HASH_CACHE_BYTES).
  const costs = new LRUCache<string, number>({ maxSize: HASH_CACHE_BYTES, sizeCalculation: hashEntryBytes });
  return {
    async requestDidStart() {
      let charged: number | undefined; // the operation's cost, once the budget allowed it
      return {
        async didResolveOperation({ schema, document, operation, operationName, queryHash, request, contextValue, response }) {
          // For the response cache (it keeps queries only) and the metrics (by operation name).
          contextValue.request.operation.type = operation?.operation;
          contextValue.request.operation.name = operationName ?? undefined;
          // QUERY is safe and idempotent (draft-ietf-httpbis-safe-method-w-body), as GET is.
          if (contextValue.request.method === "QUERY" && operation?.operation !== "query") {
            throw limitError("METHOD_NOT_ALLOWED", `QUERY runs queries only: send a ${operation?.operation ?? "non-query"} as POST`);
          }
          // No operation will run (several and no operationName, or a name that is not there):
          // Apollo refuses it next with OPERATION_RESOLUTION_FAILURE. It costs its arrival unit
          // only, and reports no cost (graphql-query-complexity would have summed every operation).
          if (!operation) return;
          const key = createHash("sha256").update(`${queryHash}\n${operationName ?? ""}\n${JSON.stringify(request.variables ?? {})}`).digest("base64url");
          let cost = costs.get(key);
          try {
            if (cost === undefined) {
              cost = operationCost(schema, document, operationName ?? undefined, request.variables);
              costs.set(key, cost);
            }
            contextValue.request.operation.cost = cost;
            assertWithinCost(cost, limits.cost);
          } catch (error) {
            if (error instanceof DomainError) throw limitError(error.code, error.message, error.details);
            throw error;
          }
          const charge = await contextValue.charge(cost);
          const headers = new Map(rateHeaders(charge));
          for (const [name, value] of headers) response.http.headers.set(name, value);
          if (!charge.allowed) {
            headers.set("retry-after", String(charge.resetSeconds));
            throw limitError("RATE_LIMITED", budgetMessage(charge), { cost }, headers);
          }
          charged = cost;
        },
        // Budgets a client can read: the cost in the body, the budget in the RateLimit headers.
        async willSendResponse({ response }) {
          if (charged === undefined || response.body.kind !== "single") return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, cost: costExtension(charged) };
        },
      };
    },
  };
}

/**
 * A refusal before execution. Thrown from an Apollo plugin hook: Apollo sends it with the HTTP
 * status of `extensions.http`, and the formatter reads code and details from the DomainError.
 */
function limitError(code: ErrorCode, message: string, details: Record<string, unknown> = {}, headers?: Map<string, string>) {
  return new GraphQLError(message, {
    originalError: new DomainError(code, message, details),
    extensions: { http: { status: httpStatusOf(code), ...(headers && { headers }) } },
  });
}
