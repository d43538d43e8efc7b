import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import { PROJECT_ROOT } from "../project-root";

export const JAEGER_MODULE = "github.com/jaegertracing/jaeger";
export const JAEGER_VERSION = "v1.75.0";
/** Project-local cache, as FerretDB's; the version is in the path so an upgrade never reuses an old build. */
export const JAEGER_CACHE_BIN = join(PROJECT_ROOT, ".cache", "jaeger", JAEGER_VERSION, "jaeger");

/**
 * Builds Jaeger (cmd/jaeger: the OpenTelemetry-Collector-based all-in-one, with in-memory
 * storage, an OTLP receiver and the query API and UI) from its Go module into `target`. For the
 * test suite and local runs only: StatusGraph itself needs nothing but an OTLP endpoint.
 *
 * Why not `go install ...@v1.75.0`: the module's go.mod has a replace directive, which `go
 * install pkg@version` refuses. So the module source is fetched through the Go module proxy and
 * built where it lies (the build writes nothing there). Takes several minutes the first time.
 */
export function buildJaeger(target = JAEGER_CACHE_BIN, log: (line: string) => void = console.error): string {
  const moduleRef = `${JAEGER_MODULE}@${JAEGER_VERSION}`;
  log(`Building Jaeger ${JAEGER_VERSION} with Go into ${target} (first run only, several minutes)...`);
  const started = Date.now();
  const info = JSON.parse(execFileSync("go", ["mod", "download", "-json", moduleRef], { encoding: "utf8" }));
  if (!info.Dir) throw new Error(`go mod download ${moduleRef} gave no source folder: ${info.Error ?? "unknown error"}`);
  mkdirSync(dirname(target), { recursive: true });
  // Built beside the target and renamed: an interrupted build never leaves a half-written binary.
  const partial = `${target}.partial`;
  execFileSync("go", ["build", "-o", partial, "./cmd/jaeger"], {
    cwd: info.Dir,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, CGO_ENABLED: "0", GOFLAGS: "-buildvcs=false" },
  });
  renameSync(partial, target);
  log(`Jaeger built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
  return target;
}
