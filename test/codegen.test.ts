import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../src/project-root";

/** The example client is generated from schema.graphql and committed: it must stay in step. */
const run = (command: string, args: string[]) => promisify(execFile)(command, args, { cwd: PROJECT_ROOT });

describe("When a team generates a typed client from schema.graphql", () => {
  test("then the committed generated files are what `npm run codegen` makes now", async () => {
    // --check: a dry run that fails when any generated file would change.
    const result = await run("npx", ["graphql-codegen", "--config", "codegen.ts", "--check"]).catch((error) => error);
    const stale = /stale files were detected[\s\S]*/.exec(`${result.stdout}${result.stderr}`)?.[0];
    expect({ exitCode: result.code ?? 0, stale }).toEqual({ exitCode: 0, stale: undefined });
  }, 90_000);

  test("then the example client type-checks against them, custom scalars typed as they travel", async () => {
    await expect(run(process.execPath, [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "examples/tsconfig.json"])).resolves.toBeDefined();
    const types = readFileSync(join(PROJECT_ROOT, "examples", "src", "gql", "graphql.ts"), "utf8");
    expect(types).toMatch(/updatedAt: string,/); // DateTimeISO
    expect(types).toMatch(/from: string \| number \| boolean \| null \| \{ \[key: string\]: unknown \} \| unknown\[\]/); // JSON
    expect(types).not.toMatch(/: any\b|unknown, to: unknown/);
  }, 90_000);
});
