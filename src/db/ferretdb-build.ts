import { execFileSync } from "node:child_process";
import { cpSync, chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../project-root";

export const FERRETDB_MODULE = "github.com/FerretDB/FerretDB";
export const FERRETDB_VERSION = "v1.24.2";
/** Project-local cache; the version is in the path so an upgrade never reuses an old build. */
export const FERRETDB_CACHE_BIN = join(PROJECT_ROOT, ".cache", "ferretdb", FERRETDB_VERSION, "ferretdb");

/**
 * Builds FerretDB from its Go module into `target`.
 *
 * Why not plain `go install ...@v1.24.2`: the module as published lacks the generated
 * build/version/version.txt, and a binary built from it panics at start ("Invalid
 * build/version/version.txt file content"). So the module source is fetched through the Go
 * module proxy, copied, given that one file, and built. Takes about 1.5 minutes the first time.
 */
export function buildFerretDb(target = FERRETDB_CACHE_BIN, log: (line: string) => void = console.error): string {
  const moduleRef = `${FERRETDB_MODULE}@${FERRETDB_VERSION}`;
  log(`Building FerretDB ${FERRETDB_VERSION} with Go into ${target} (first run only, about 2 minutes)...`);
  const info = JSON.parse(execFileSync("go", ["mod", "download", "-json", moduleRef], { encoding: "utf8" }));
  if (!info.Dir) throw new Error(`go mod download ${moduleRef} gave no source folder: ${info.Error ?? "unknown error"}`);

  const work = mkdtempSync(join(tmpdir(), "ferretdb-src-"));
  try {
    cpSync(info.Dir, work, { recursive: true });
    chmodSync(join(work, "build", "version"), 0o755);
    writeFileSync(join(work, "build", "version", "version.txt"), `${FERRETDB_VERSION}\n`);
    mkdirSync(dirname(target), { recursive: true });
    execFileSync("go", ["build", "-o", target, "./cmd/ferretdb"], {
      cwd: work,
      stdio: ["ignore", "inherit", "inherit"],
      env: { ...process.env, CGO_ENABLED: "0" },
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log(`FerretDB built: ${target}`);
  return target;
}
