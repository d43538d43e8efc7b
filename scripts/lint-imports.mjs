/**
 * The import rules of .dependency-cruiser.cjs, checked with dependency-cruiser's API on the src/
 * under each folder given (the project's own when none is): `npm run lint:imports`, and
 * test/architecture.test.ts. One readable line per violation; exit code 1 when there are any.
 * With --json, prints `{ [folder]: lines }` instead and exits 0 (what the test reads).
 *
 * An .mjs run by Node, because dependency-cruiser is ESM only: Jest's module registry resolves a
 * package through its `require` condition, and runs no import() without --experimental-vm-modules.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import extractDepcruiseOptions from "dependency-cruiser/config-utl/extract-depcruise-options";
import extractTSConfig from "dependency-cruiser/config-utl/extract-ts-config";

const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The violations in `root`/src/, sorted, each as `rule: from -> to [how] (the rule's reason)`. */
export async function importViolations(root) {
  const options = await extractDepcruiseOptions(join(PROJECT_ROOT, ".dependency-cruiser.cjs"));
  const tsConfig = extractTSConfig(join(PROJECT_ROOT, "tsconfig.json"));
  const { output } = await cruise(["src"], { ...options, baseDir: root }, {}, { tsConfig });
  const comments = new Map(options.ruleSet.forbidden.map((rule) => [rule.name, rule.comment]));
  return output.summary.violations
    .map((violation) => {
      const path = violation.cycle?.length
        ? [violation.from, ...violation.cycle.map((step) => step.name)].join(" -> ")
        : `${violation.from} -> ${violation.to}`;
      const how = violation.dependencyTypes?.length ? ` [${violation.dependencyTypes.join(", ")}]` : "";
      return `${violation.rule.name}: ${path}${how} (${comments.get(violation.rule.name)})`;
    })
    .sort();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const json = process.argv.includes("--json");
  const roots = process.argv.slice(2).filter((arg) => arg !== "--json");
  const found = {};
  for (const root of roots.length ? roots : [PROJECT_ROOT]) found[root] = await importViolations(resolve(root));
  if (json) {
    process.stdout.write(JSON.stringify(found));
  } else {
    const lines = Object.values(found).flat();
    for (const line of lines) console.error(line);
    console.log(lines.length ? `${lines.length} import(s) break the rules of .dependency-cruiser.cjs` : "imports: no violations");
    process.exitCode = lines.length ? 1 : 0;
  }
}
