import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { PROJECT_ROOT } from "../src/project-root";

/** The example client is generated from schema.graphql and committed: it must stay in step. */
const run = (command: string, args: string[]) => promisify(execFile)(command, args, { cwd: PROJECT_ROOT });

describe("When a team generates a typed client from schema.graphql", () => {
  test("then the committed generated files are what `npm run codegen` makes now", async () => {
    // --check: a dry run that fails when any generated file would change (built by `npm test`).
    const result = await run(process.execPath, [join(PROJECT_ROOT, "dist", "scripts", "codegen.js"), "--check"]).catch((error) => error);
    const stale = /Stale generated files[\s\S]*/.exec(`${result.stdout}${result.stderr}`)?.[0];
    expect({ exitCode: result.code ?? 0, stale }).toEqual({ exitCode: 0, stale: undefined });
  }, 90_000);

  test("then it makes the four files the client imports, without GraphQL Code Generator's CLI", async () => {
    // In a process of its own, as `npm run codegen` runs it: the preset's plugins load ES modules.
    const script = `require(${JSON.stringify(join(PROJECT_ROOT, "dist", "scripts", "codegen.js"))}).generate().then((files) => console.log(JSON.stringify(files.map((f) => f.filename).sort())))`;
    const { stdout } = await run(process.execPath, ["-e", script]);
    expect(JSON.parse(stdout)).toEqual(["examples/src/gql/gql.ts", "examples/src/gql/graphql.ts", "examples/src/gql/index.ts", "examples/src/gql/persisted-documents.json"]);
    expect(existsSync(join(PROJECT_ROOT, "node_modules", "@graphql-codegen", "cli"))).toBe(false);
  }, 90_000);

  test("then the example client type-checks against them, custom scalars typed as they travel", async () => {
    await expect(run(process.execPath, [join(PROJECT_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "examples/tsconfig.json"])).resolves.toBeDefined();
    const types = readFileSync(join(PROJECT_ROOT, "examples", "src", "gql", "graphql.ts"), "utf8");
    expect(types).toMatch(/updatedAt: string,/); // DateTimeISO
    expect(types).toMatch(/from: string \| number \| boolean \| null \| \{ \[key: string\]: unknown \} \| unknown\[\]/); // JSON
    expect(types).not.toMatch(/: any\b|unknown, to: unknown/);
  }, 90_000);
});
