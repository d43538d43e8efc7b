import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * The layers of src/, lowest first: a module imports only from its own folder or a lower
 * layer (folders of one layer do not import each other), and no chain of imports comes back to where it started. Read from the code's own
 * import lines, so a change that breaks either fails here.
 */
const LAYERS = [
  ["project-root.ts"],
  ["db"],
  ["errors"],
  ["auth", "relay"],
  ["catalogue"],
  ["curation"],
  ["graphql"],
  ["tracing"],
  ["config.ts", "replicas"],
  ["http"],
  ["services.ts"],
  ["app.ts"],
  ["main.ts"],
];
const SRC = join(PROJECT_ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^import\s[^;]*?from\s+"(\.[^"]+)"/gms)].map((m) => {
    const target = join(dirname(file), m[1]);
    return existsSync(`${target}.ts`) ? `${target}.ts` : join(target, "index.ts");
  });
}

const layerOf = (file: string) => {
  const top = relative(SRC, file).split("/")[0];
  const index = LAYERS.findIndex((layer) => layer.includes(top));
  if (index < 0) throw new Error(`${top} is in no layer: add it to LAYERS`);
  return { top, index };
};

const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe("The imports of src/", () => {
  test("only run downward, or within a folder", () => {
    const upward = files.flatMap((file) =>
      graph.get(file)!.flatMap((target) => {
        const from = layerOf(file);
        const to = layerOf(target);
        return from.top !== to.top && to.index >= from.index ? [`${relative(SRC, file)} -> ${relative(SRC, target)}`] : [];
      }),
    );
    expect(upward).toEqual([]);
  });

  test("form no cycle", () => {
    const cycles: string[] = [];
    const done = new Set<string>();
    const path: string[] = [];
    const visit = (file: string) => {
      path.push(file);
      for (const target of graph.get(file) ?? []) {
        if (path.includes(target)) cycles.push([...path.slice(path.indexOf(target)), target].map((f) => relative(SRC, f)).join(" -> "));
        else if (!done.has(target) && graph.has(target)) visit(target);
      }
      path.pop();
      done.add(file);
    };
    for (const file of files) if (!done.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });
});
