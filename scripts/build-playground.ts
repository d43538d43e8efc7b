import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * Bundles the playground (GraphiQL 5, React, Monaco and its workers)
 * into dist/playground/, served by the API from its own origin: nothing is fetched from a CDN
 * at run time. Part of `npm run build`.
 */
export const PLAYGROUND_DIR = join(PROJECT_ROOT, "dist", "playground");

/** Where the digest of the last bundle's inputs is kept: the same inputs, no second bundle. */
const INPUTS_FILE = join(PROJECT_ROOT, "dist", ".playground-inputs"); // not in the served folder

/**
 * What the bundle is made of: the playground's sources, this script, the README's example tabs
 * (not the rest of the README) and the locked dependency versions (GraphiQL, React, esbuild).
 */
function inputsDigest(): string {
  const hash = createHash("sha256");
  const dir = join(PROJECT_ROOT, "playground");
  for (const name of readdirSync(dir).sort()) hash.update(name).update(readFileSync(join(dir, name)));
  hash.update(readFileSync(join(PROJECT_ROOT, "scripts", "build-playground.ts")));
  hash.update(JSON.stringify(exampleTabs()));
  hash.update(readFileSync(join(PROJECT_ROOT, "package-lock.json")));
  return hash.digest("hex");
}

async function main() {
  const digest = inputsDigest();
  if (existsSync(PLAYGROUND_DIR) && existsSync(INPUTS_FILE) && readFileSync(INPUTS_FILE, "utf8") === digest) return;
  // esbuild is a dev dependency: only this build step needs it.
  const { build } = await import("esbuild");
  rmSync(PLAYGROUND_DIR, { recursive: true, force: true });
  rmSync(INPUTS_FILE, { force: true });
  mkdirSync(PLAYGROUND_DIR, { recursive: true });
  await build({
    entryPoints: {
      app: join(PROJECT_ROOT, "playground", "index.tsx"),
      "editor.worker": "monaco-editor/esm/vs/editor/editor.worker.js",
      "json.worker": "monaco-editor/esm/vs/language/json/json.worker.js",
      "graphql.worker": "monaco-graphql/esm/graphql.worker.js",
    },
    bundle: true,
    format: "esm",
    minify: true,
    outdir: PLAYGROUND_DIR,
    loader: { ".ttf": "file", ".woff": "file", ".woff2": "file" },
    define: { "process.env.NODE_ENV": '"production"', EXAMPLE_TABS: JSON.stringify(exampleTabs()) },
    logLevel: "warning",
  });
  writeFileSync(INPUTS_FILE, digest); // last: an interrupted build is redone
}

/** Where the examples are, in the order their tabs open: the README's queries, then the docs'. */
const EXAMPLE_FILES = ["README.md", "docs/queries.md", "docs/curation.md", "docs/operations.md"];

/**
 * Every operation of the README's and the docs' GraphQL examples, one tab each,
 * in the README's order except that its subscriptions come second: GraphiQL's tab bar shows
 * about eight tabs at 1,400 px, and the walkthrough's `WatchChanges` was the 13th.
 */
export function exampleTabs(readme = EXAMPLE_FILES.map((file) => readFileSync(join(PROJECT_ROOT, file), "utf8")).join("\n")): { query: string; headers?: string }[] {
  const [first, ...rest] = readmeOperations(readme);
  const subscription = (tab: { query: string }) => tab.query.startsWith("subscription");
  return first ? [first, ...rest.filter(subscription), ...rest.filter((tab) => !subscription(tab))] : [];
}

function readmeOperations(readme: string): { query: string; headers?: string }[] {
  const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
  const tabs: { query: string; headers?: string }[] = [];
  for (const block of blocks) {
    for (const operation of topLevelOperations(block).filter((op) => !op.includes("…"))) { // "…": elided, not runnable
      const mutation = operation.startsWith("mutation");
      // A curator's tab carries the header to fill in; reads need none.
      tabs.push(mutation ? { query: operation, headers: '{\n  "Authorization": "Bearer <your API key>"\n}' } : { query: operation });
    }
  }
  return tabs;
}

/** Splits a block into its top-level operations by brace depth, dropping trailing `#` comments. */
function topLevelOperations(block: string): string[] {
  const operations: string[] = [];
  let depth = 0;
  let current = "";
  for (const line of block.split("\n")) {
    const code = depth === 0 ? line.replace(/\s+#.*$/, "") : line;
    if (!code.trim() && depth === 0) continue;
    current += `${code}\n`;
    for (const ch of code) depth += ch === "{" ? 1 : ch === "}" ? -1 : 0;
    if (depth === 0 && current.includes("{")) {
      operations.push(current.trim());
      current = "";
    }
  }
  return operations;
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
