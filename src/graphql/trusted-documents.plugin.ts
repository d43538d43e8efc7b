import type { ApolloServerPlugin } from "@apollo/server";
import { GraphQLError } from "graphql";
import { DomainError } from "../errors/domain-error";
import { httpStatusOf } from "../errors/error-codes";
import type { AppContext } from "./context";
import { operationRefusal, type TrustedDocuments } from "./trusted-documents";

/**
 * The half of trusted documents that needs the operation: under `writes`, a mutation that is
 * not listed (sent as text, or by a hash registered as an automatic persisted query) is
 * refused once Apollo has resolved it. Apollo registers a persisted query only after every
 * didResolveOperation succeeded, so a refused document is never registered. Also records
 * whether the document is listed: only then is a caller without a key named in the metrics.
 */
export function trustedDocumentsPlugin(trusted: TrustedDocuments): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, operation, contextValue }) {
          contextValue.request.operation.listed = trusted.documents.has(queryHash);
          const message = operationRefusal(trusted, queryHash, operation?.operation);
          if (message === undefined) return;
          throw new GraphQLError(message, {
            originalError: new DomainError("PERSISTED_QUERY_NOT_IN_LIST", message),
            extensions: { http: { status: httpStatusOf("PERSISTED_QUERY_NOT_IN_LIST") } },
          });
        },
      };
    },
  };
}
