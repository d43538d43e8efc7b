import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * The import rules of src/ (.dependency-cruiser.cjs: the layers in order, folders of one layer
 * not importing each other, the order inside http/, no cycles), checked by dependency-cruiser,
 * which reads every import TypeScript sees and resolves it as TypeScript does. The same rules
 * run on test/fixtures/architecture/, where an upward import is planted in each form a regular
 * expression used to miss, to show that each one fails.
 *
 * dependency-cruiser's API (`cruise`) runs in scripts/lint-imports.mjs, in a Node of its own:
 * the package is ESM only, which Jest's module registry does not load.
 */
const FIXTURE = join(PROJECT_ROOT, "test/fixtures/architecture");

/** The violations in the src/ under each root, one readable line each (rule: from -> to [how] (why)). */
async function violationsIn(...roots: string[]): Promise<Record<string, string[]>> {
  const { stdout } = await promisify(execFile)(process.execPath, [join(PROJECT_ROOT, "scripts/lint-imports.mjs"), "--json", ...roots], {
    cwd: PROJECT_ROOT,
  });
  return JSON.parse(stdout) as Record<string, string[]>;
}

let found: Record<string, string[]>;
beforeAll(async () => {
  found = await violationsIn(PROJECT_ROOT, FIXTURE);
});

describe("The imports of src/", () => {
  test("run downward only, inside http/ too, and form no cycle", () => {
    expect(found[PROJECT_ROOT]).toEqual([]);
  });
});

describe("The import rules, on planted defects (test/fixtures/architecture/)", () => {
  test.each([
    ["single quotes", "single-quotes.ts", "import"],
    ["export … from", "export-from.ts", "export"],
    ['a bare import "…"', "bare-import.ts", "import"],
    ["import()", "dynamic-import.ts", "dynamic-import"],
    ["require()", "require.ts", "require"],
    ["an indented import", "indented.ts", "import"],
  ])("an upward import written with %s fails", (_, file, how) => {
    expect(found[FIXTURE].filter((line) => line.startsWith(`layer:errors: src/errors/${file} `))).toEqual([
      expect.stringContaining(`layer:errors: src/errors/${file} -> src/graphql/schema.ts [local, ${how}] (src/errors/ is in layer 3 of 13 of src/`),
    ]);
  });

  test("each planted defect fails once, and nothing else does", () => {
    expect(found[FIXTURE].map((line) => line.replace(/ \[.*$/, ""))).toEqual([
      "http:graphql-over-http: src/http/graphql-over-http/document-limits.ts -> src/http/streams/framing.ts",
      "layer:auth: src/auth/same-layer.ts -> src/relay/node.ts",
      "layer:errors: src/errors/bare-import.ts -> src/graphql/schema.ts",
      "layer:errors: src/errors/dynamic-import.ts -> src/graphql/schema.ts",
      "layer:errors: src/errors/export-from.ts -> src/graphql/schema.ts",
      "layer:errors: src/errors/indented.ts -> src/graphql/schema.ts",
      "layer:errors: src/errors/require.ts -> src/graphql/schema.ts",
      "layer:errors: src/errors/single-quotes.ts -> src/graphql/schema.ts",
      "layer:none: src/misc/unlayered.ts -> src/relay/node.ts",
      "no-cycle: src/catalogue/cycle-a.ts -> src/catalogue/cycle-b.ts -> src/catalogue/cycle-a.ts",
    ]);
  });
});
