import type { CodegenConfig } from "@graphql-codegen/cli";

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
      presetConfig: { fragmentMasking: false },
    },
  },
  ignoreNoDocuments: false,
};

export default config;
