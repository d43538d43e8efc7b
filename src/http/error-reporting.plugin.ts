import type { ApolloServerPlugin } from "@apollo/server";
import type { FastifyBaseLogger } from "fastify";
import { classifyError } from "../errors/classify-error";
import { httpStatusOf } from "../errors/error-codes";
import type { AppContext } from "../graphql/context";

/**
 * Server-side half of error handling: formatError decides what the client sees, this plugin
 * logs what it must not see (the full error) under the request id that every error response
 * carries (stamped by the response policy), so a user's report leads straight to the log line.
 */
export function errorReportingPlugin(log: FastifyBaseLogger): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const { code } = classifyError(error);
            if (httpStatusOf(code) >= 500) {
              log.error({ requestId: contextValue.requestId, code, err: error.originalError ?? error }, "request failed");
            }
          }
        },
      };
    },
  };
}
