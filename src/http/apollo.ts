import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ErrorsAreMissesCache } from "@apollo/utils.keyvaluecache";
import type { FastifyBaseLogger } from "fastify";
import type { GraphQLSchema } from "graphql";
import type { Config } from "../config";
import { formatError } from "../errors/format-error";
import type { AppContext } from "../graphql/context";
import type { NewDocumentWork } from "../graphql/limits/document-gate";
import { documentStore, persistedQueryStore } from "../graphql/document-caches";
import { responseShapingPlugin } from "../graphql/response-shaping.plugin";
import { trustedDocumentsPlugin } from "../graphql/trusted-documents.plugin";
import type { SharedState } from "../replicas/shared-state";
import { tracing } from "../tracing";
import { admissionPlugin } from "./admission/apollo-plugin";
import type { Admit } from "./admission/list";
import { errorReportingPlugin } from "./error-reporting.plugin";

export interface ApolloOptions {
  schema: GraphQLSchema;
  config: Config;
  shared?: SharedState;
  log: FastifyBaseLogger;
  /** The admission list: its operation kind and cost steps run in Apollo (admission/apollo-plugin.ts). */
  admission: Admit;
  /** The work on new documents: Apollo parses and validates one in a turn of its own. */
  newDocuments?: NewDocumentWork;
}

/**
 * Apollo, which runs what the stages let through: its plugins check trusted mutations, run the
 * admission list's last steps (operation kind, cost), and decide the status while the result
 * is produced.
 */
export async function startApollo(options: ApolloOptions): Promise<ApolloServer<AppContext>> {
  const { config } = options;
  const apollo = new ApolloServer<AppContext>({
    schema: options.schema,
    formatError,
    includeStacktraceInErrorResponses: false, // whatever NODE_ENV says
    // The schema is public by design (committed, published for codegen): introspection stays on in production.
    introspection: true,
    // Safe without Apollo's CSRF header check: non-JSON bodies get 415 (body-parsers.ts), GET never
    // runs a mutation (405), and credentials travel only in the Authorization header, never in cookies.
    csrfPrevention: false,
    // Shared by every replica with Redis (a miss, Redis down included, makes the client resend the query).
    persistedQueries: {
      cache: options.shared ? new ErrorsAreMissesCache(options.shared.persistedQueries()) : persistedQueryStore(config.persistedQueryCacheBytes),
    },
    // Anyone can send new documents: their parsed forms are kept by heap bytes, not JSON length.
    documentStore: documentStore(config.documentCacheBytes),
    plugins: [
      // Under `writes`, an unlisted mutation is refused once resolved.
      ...(config.trustedDocuments ? [trustedDocumentsPlugin(config.trustedDocuments)] : []),
      admissionPlugin(options.admission, options.newDocuments),
      responseShapingPlugin(),
      errorReportingPlugin(options.log),
      ...(tracing ? [tracing.apolloPlugin()] : []),
      ApolloServerPluginCacheControlDisabled(),
      // Apollo's landing pages load from a CDN; ours (PLAYGROUND) is served from this origin.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}
