import type { CodegenConfig } from "@graphql-codegen/cli";
import { addTypenameSelectionDocumentTransform } from "@graphql-codegen/client-preset";

/**
 * Typed documents for the example client (`npm run codegen`), from the committed
 * schema.graphql: what a team generating a client from this API does. A test fails when the
 * generated files are stale.
 */
const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["examples/src/**/*.ts", "!examples/src/gql/**"],
  generates: {
    "examples/src/gql/": {
      preset: "client",
      config: {
        // The custom scalars, as they travel in JSON.
        scalars: {
          DateTimeISO: { input: "string", output: "string" },
          JSON: { input: "unknown", output: "string | number | boolean | null | { [key: string]: unknown } | unknown[]" },
        },
        enumsAsTypes: true,
        useTypeImports: true,
      },
      // persistedDocuments: the manifest of trusted documents (persisted-documents.json) that a
      // server started with TRUSTED_DOCUMENTS runs by hash; each document carries its hash.
      presetConfig: { fragmentMasking: false, persistedDocuments: true },
      // The server runs the manifest's text, not the one Apollo Client would send: it must ask
      // for __typename itself, or the client's cache cannot normalize the results.
      documentTransforms: [addTypenameSelectionDocumentTransform],
    },
  },
  ignoreNoDocuments: false,
};

export default config;
