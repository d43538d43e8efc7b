import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import { DomainError, withoutStack } from "../../errors/domain-error";
import { type ErrorCode, httpStatusOf } from "../../errors/error-codes";
import { costExtension, rateHeaders } from "../../graphql/charge";
import type { AppContext } from "../../graphql/context";
import type { NewDocumentWork } from "../../graphql/limits/document-gate";
import type { Admit } from "./list";
import type { Subject } from "./subject";

/**
 * Where Apollo runs the request (GraphQL over HTTP), the last steps of the admission list run
 * in Apollo, once it has parsed and validated the document (with its own store of documents)
 * and resolved the operation, before any resolver: the operation kind this transport allows,
 * then the cost, within the limit and spent from the caller's budget. A document Apollo has not
 * parsed before is parsed and validated in a turn of the event loop of its own (pressure.ts).
 */
export function admissionPlugin(admission: Admit, newDocuments?: NewDocumentWork): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      let charged: number | undefined; // the operation's cost, once the budget allowed it
      return {
        async parsingDidStart({ source }) {
          await newDocuments?.ownTurn?.();
          // Apollo keeps only valid documents: an invalid one is parsed and validated each time.
          return async (error) => {
            if (error) admission.invalid(source);
          };
        },
        async validationDidStart({ source }) {
          return async (errors) => {
            if (errors?.length) admission.invalid(source);
          };
        },
        async didResolveOperation({ document, operation, operationName, queryHash, request, contextValue, response }) {
          // The HTTP route's context carries the request's state, which is its Subject (pipeline/state.ts).
          const subject = contextValue.request as Subject;
          // For the response cache (it keeps queries only) and the metrics (by operation name).
          subject.operation.type = operation?.operation;
          subject.operation.name = operationName ?? undefined;
          // No operation will run (several and no operationName, or a name that is not there):
          // Apollo refuses it next with OPERATION_RESOLUTION_FAILURE. It costs its arrival unit
          // only, and reports no cost (graphql-query-complexity would have summed every operation).
          if (!operation) return;
          subject.document = document;
          subject.documentHash = queryHash;
          // Apollo's own reading of the request (an automatic persisted query's text is its).
          subject.graphql = { ...subject.graphql, operationName: operationName ?? undefined, variables: request.variables };
          const refused = await admission(subject, "operation kind", "cost");
          const headers = new Map(subject.charge ? rateHeaders(subject.charge) : []);
          for (const [name, value] of headers) response.http.headers.set(name, value);
          if (refused) {
            const [first] = refused;
            for (const [name, value] of Object.entries(first.headers ?? {})) headers.set(name, value);
            throw limitError(first.code, first.message, first.details, headers);
          }
          charged = subject.operation.cost;
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
  // Sent, never logged with a stack, as every refusal (domain-error.ts).
  return withoutStack(
    () =>
      new GraphQLError(message, {
        originalError: new DomainError(code, message, details),
        extensions: { http: { status: httpStatusOf(code), ...(headers && { headers }) } },
      }),
  );
}
