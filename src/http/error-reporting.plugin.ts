import type { ApolloServerPlugin } from "@apollo/server";
import type { FastifyBaseLogger } from "fastify";
import { classifyError } from "../errors/classify-error";
import { httpStatusOf } from "../errors/error-codes";
import type { AppContext } from "../graphql/context";

/**
 * Server-side half of error handling: formatError decides what the client sees, this plugin
 * logs what it must not see (the full error, with the request id) and stamps that request id
 * on every error sent, so a user's report leads straight to the log line.
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
        async willSendResponse({ contextValue, response }) {
          if (response.body.kind !== "single" || !response.body.singleResult.errors) return;
          response.body.singleResult.errors = response.body.singleResult.errors.map((e) => ({
            ...e,
            extensions: { ...e.extensions, requestId: contextValue.requestId },
          }));
        },
      };
    },
  };
}
