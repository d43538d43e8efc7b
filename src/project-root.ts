import { existsSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * The folder holding package.json. Paths are resolved from here, not from __dirname, because
 * compiled code runs from dist/ while tests run the TypeScript sources.
 */
export const PROJECT_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${__dirname}`);
    dir = parent;
  }
  return dir;
})();
