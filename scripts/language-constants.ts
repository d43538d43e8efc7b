import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PROJECT_ROOT } from "../src/project-root";

/**
 * The name each language gives each status code, read from the languages themselves: a small
 * program per runtime (scripts/language-constants/) prints what its standard library (or, for
 * Rust, the http crate) knows, and this script writes it to src/catalogue/seed/language-constants.json
 * with the version it read. Never a hand-typed table. `npm run constants` regenerates the file;
 * a runtime not installed keeps its committed reading. test/language-constants.test.ts re-runs
 * the probes of the runtimes present and fails on any difference.
 *
 * Builds (Go, Java, Rust) are cached under .cache/language-constants/, keyed by the probe's
 * source and the toolchain's version, so that a re-run costs a process start, not a compile.
 */

export const RUNTIMES = ["NODE", "PYTHON", "GO", "JAVA", "RUST"] as const;
export type RuntimeName = (typeof RUNTIMES)[number];

export interface ConstantReading {
  code: number;
  /** How code names it, e.g. "http.StatusTooEarly"; null where the language has no name (Node). */
  symbol: string | null;
  /** The phrase the library gives; null where it has none (Java). */
  reasonPhrase: string | null;
}
export interface RuntimeReading {
  runtime: RuntimeName;
  version: string;
  constants: ConstantReading[];
}
export interface ConstantsFile {
  generatedBy: string;
  runtimes: RuntimeReading[];
}

export const CONSTANTS_FILE = join(PROJECT_ROOT, "src", "catalogue", "seed", "language-constants.json");
const PROBES = join(PROJECT_ROOT, "scripts", "language-constants");
const CACHE = join(PROJECT_ROOT, ".cache", "language-constants");
const RUST_MANIFEST = join(PROBES, "rust", "Cargo.toml");

/** The commands a runtime's probe needs, each answering `--version` (or `version`). */
const NEEDS: Record<RuntimeName, string[][]> = {
  NODE: [[process.execPath, "--version"]],
  PYTHON: [["python3", "--version"]],
  GO: [["go", "version"]],
  JAVA: [["javac", "-version"], ["java", "-version"]],
  RUST: [["cargo", "--version"]],
};

export function isInstalled(runtime: RuntimeName): boolean {
  return NEEDS[runtime].every(([command, ...args]) => spawnSync(command, args, { stdio: "ignore" }).status === 0);
}

const run = (command: string, args: string[], cwd = PROBES) => execFileSync(command, args, { cwd, encoding: "utf8", maxBuffer: 1 << 24, stdio: ["ignore", "pipe", "pipe"] });
const toolVersion = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: "utf8" });
  return `${result.stdout}${result.stderr}`.trim();
};
/** A folder under the cache named by what its build depends on: a new probe or toolchain builds anew. */
function cacheDir(runtime: string, inputs: string[]): string {
  const key = createHash("sha256").update(inputs.join("\0")).digest("hex").slice(0, 16);
  const dir = join(CACHE, `${runtime}-${key}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The probe's output for one runtime, in code order (a code named twice keeps its first name). */
export function readRuntime(runtime: RuntimeName): RuntimeReading {
  const printed = JSON.parse(probe(runtime)) as { version: string; constants: ConstantReading[] };
  const seen = new Set<number>();
  const constants = printed.constants
    .filter((c) => c.code >= 100 && c.code <= 599 && !seen.has(c.code) && seen.add(c.code))
    .sort((a, b) => a.code - b.code)
    .map((c) => ({ code: c.code, symbol: c.symbol ?? null, reasonPhrase: c.reasonPhrase ?? null }));
  return { runtime, version: printed.version, constants };
}

function probe(runtime: RuntimeName): string {
  switch (runtime) {
    case "NODE":
      return run(process.execPath, [join(PROBES, "probe.js")]);
    case "PYTHON":
      return run("python3", [join(PROBES, "probe.py")]);
    case "GO": {
      const source = join(PROBES, "probe.go");
      const binary = join(cacheDir("go", [readFileSync(source, "utf8"), toolVersion("go", ["version"])]), "probe");
      // GOFLAGS off: the probe is one file of the standard library's packages, outside any module.
      if (!existsSync(binary)) run("go", ["build", "-o", binary, source], PROBES);
      return run(binary, []);
    }
    case "JAVA": {
      const source = join(PROBES, "Probe.java");
      const classes = cacheDir("java", [readFileSync(source, "utf8"), toolVersion("javac", ["-version"]), toolVersion("java", ["-version"])]);
      if (!existsSync(join(classes, "Probe.class"))) run("javac", ["-d", classes, source]);
      return run("java", ["-cp", classes, "Probe"]);
    }
    case "RUST": {
      const target = join(CACHE, "rust-target");
      // --locked: the crate version is the one in the committed Cargo.lock; cargo itself skips an up-to-date build.
      run("cargo", ["build", "--release", "--locked", "--quiet", "--manifest-path", RUST_MANIFEST, "--target-dir", target]);
      const metadata = JSON.parse(run("cargo", ["metadata", "--format-version", "1", "--locked", "--manifest-path", RUST_MANIFEST])) as {
        packages: { name: string; version: string; manifest_path: string }[];
      };
      const http = metadata.packages.find((p) => p.name === "http");
      if (!http) throw new Error("cargo metadata lists no http package");
      const statusRs = join(http.manifest_path, "..", "src", "status.rs");
      return run(join(target, "release", "statusgraph-constants-probe"), [statusRs, http.version]);
    }
  }
}

export function readCommitted(): ConstantsFile {
  return JSON.parse(readFileSync(CONSTANTS_FILE, "utf8")) as ConstantsFile;
}

/** Every installed runtime read anew; the others as committed. */
export function generate(log: (line: string) => void = () => {}): ConstantsFile {
  const committed = existsSync(CONSTANTS_FILE) ? readCommitted().runtimes : [];
  const runtimes = RUNTIMES.flatMap((runtime) => {
    if (isInstalled(runtime)) {
      const reading = readRuntime(runtime);
      log(`${runtime} ${reading.version}: ${reading.constants.length} codes`);
      return [reading];
    }
    const kept = committed.find((r) => r.runtime === runtime);
    log(`${runtime}: not installed, ${kept ? `keeping the committed reading of ${kept.version}` : "no reading"}`);
    return kept ? [kept] : [];
  });
  return { generatedBy: "scripts/language-constants.ts (npm run constants): do not edit by hand", runtimes };
}

/** One line per code, so that a change to the data is a readable diff. */
export function format(file: ConstantsFile): string {
  const runtimes = file.runtimes.map((r) => {
    const lines = r.constants.map((c) => `        ${JSON.stringify(c)}`).join(",\n");
    return `    {\n      "runtime": ${JSON.stringify(r.runtime)},\n      "version": ${JSON.stringify(r.version)},\n      "constants": [\n${lines}\n      ]\n    }`;
  });
  return `{\n  "generatedBy": ${JSON.stringify(file.generatedBy)},\n  "runtimes": [\n${runtimes.join(",\n")}\n  ]\n}\n`;
}

if (require.main === module) {
  const file = generate((line) => console.log(line));
  writeFileSync(CONSTANTS_FILE, format(file));
  console.log(`Wrote ${CONSTANTS_FILE}`);
}
