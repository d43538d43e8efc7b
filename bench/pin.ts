import { execFileSync } from "node:child_process";

/** Pins a process and all its threads to one core; false where `taskset` is missing. */
export function pin(core: number, pid: number): boolean {
  // Twice: `-a` walks the threads, and one that ends during the walk fails the call.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
      return true;
    } catch {
      // try again
    }
  }
  return false;
}
