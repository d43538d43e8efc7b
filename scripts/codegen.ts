import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { codegen } from "@graphql-codegen/core";
import { addTypenameSelectionDocumentTransform, preset } from "@graphql-codegen/client-preset";
import { getCachedDocumentNodeFromSchema, normalizeImportExtension, type Types } from "@graphql-codegen/plugin-helpers";
import { CodeFileLoader } from "@graphql-tools/code-file-loader";
import { GraphQLFileLoader } from "@graphql-tools/graphql-file-loader";
import { loadDocuments, loadSchema } from "@graphql-tools/load";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * Typed documents for the example client (`npm run codegen`), from the committed
 * schema.graphql: what a team generating a client from this API does. `--check` writes nothing
 * and fails when a generated file would change (test/codegen.test.ts).
 *
 * GraphQL Code Generator's client preset, run the way its CLI runs it (the same loaders and
 * options, so the output is the CLI's, byte for byte), without the CLI: its loaders of schemas
 * from URLs, GitHub, git and Apollo's registry, and its terminal UI, declare Node 22 and made
 * `npm ci` print 13 "Unsupported engine" warnings for code that never ran here (ours is a file).
 */
const SCHEMA = "schema.graphql";
const DOCUMENTS = ["examples/src/**/*.ts", "!examples/src/gql/**"];
const OUTPUT_DIR = "examples/src/gql/";
const CONFIG = {
  // The custom scalars, as they travel in JSON.
  scalars: {
    DateTimeISO: { input: "string", output: "string" },
    JSON: { input: "unknown", output: "string | number | boolean | null | { [key: string]: unknown } | unknown[]" },
  },
  enumsAsTypes: true,
  useTypeImports: true,
};
// persistedDocuments: the manifest of trusted documents (persisted-documents.json) that a
// server started with TRUSTED_DOCUMENTS runs by hash; each document carries its hash.
const PRESET_CONFIG = { fragmentMasking: false, persistedDocuments: true };
// The server runs the manifest's text, not the one Apollo Client would send: it must ask for
// __typename itself, or the client's cache cannot normalize the results.
const DOCUMENT_TRANSFORMS: Types.ConfiguredDocumentTransform[] = [
  { name: "the element at index 0 of the documentTransforms", transformObject: addTypenameSelectionDocumentTransform },
];

/** Every generated file with its content: the CLI's `generates` for one output with a preset. */
export async function generate(): Promise<{ filename: string; content: string }[]> {
  const schemaAst = await loadSchema(join(PROJECT_ROOT, SCHEMA), { loaders: [new GraphQLFileLoader()], assumeValidSDL: true, sort: true, convertExtensions: true, includeSources: true });
  const documents = await loadDocuments(DOCUMENTS, {
    loaders: [new CodeFileLoader({ pluckConfig: { skipIndent: true } })],
    cwd: PROJECT_ROOT,
    sort: true,
    skipGraphQLImport: true,
    ignore: [],
  });
  if (!documents.length) throw new Error(`No GraphQL documents in ${DOCUMENTS.join(", ")}`);
  const importExtension = normalizeImportExtension({ emitLegacyCommonJSImports: undefined, importExtension: undefined });
  const config = { ...CONFIG, importExtension, emitLegacyCommonJSImports: true };
  const outputs = await preset.buildGeneratesSection({
    baseOutputDir: OUTPUT_DIR,
    presetConfig: PRESET_CONFIG,
    plugins: [],
    schema: getCachedDocumentNodeFromSchema(schemaAst),
    schemaAst,
    documents,
    config,
    pluginMap: {},
    pluginContext: {},
    documentTransforms: DOCUMENT_TRANSFORMS,
  });
  return Promise.all(outputs.map(async (output) => ({ filename: output.filename, content: await codegen({ ...output, importExtension, emitLegacyCommonJSImports: true }) })));
}

async function main(check: boolean) {
  const stale: string[] = [];
  for (const { filename, content } of await generate()) {
    const path = join(PROJECT_ROOT, filename);
    if (existsSync(path) && readFileSync(path, "utf8") === content) continue;
    stale.push(relative(PROJECT_ROOT, path));
    if (check) continue;
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  if (check && stale.length) throw new Error(`Stale generated files (run \`npm run codegen\`): ${stale.join(", ")}`);
  console.log(stale.length ? `Wrote ${stale.join(", ")}` : "The generated files are up to date");
}

if (require.main === module) {
  main(process.argv.includes("--check")).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
