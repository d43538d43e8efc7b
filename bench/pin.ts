import { execFileSync } from "node:child_process";

/** Pins a process and all its threads to one core; false where `taskset` is missing. */
export function pin(core: number, pid: number): boolean {
  try {
    execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
