/**
 * CPU pinning for the throughput figure. On a 2-core machine the host under test, the load generator and the Redis
 * stand-in (its REST bridge and redis-server) all compete for the same cores, and only pings use the stand-in: its CPU
 * would be charged to the ping's side of the ratio, although in production Upstash runs on its own servers. Pinned,
 * the host has core 0 to itself and everything else shares the others. Linux `taskset` (util-linux); without it,
 * or on one core, nothing is pinned and the figure says so.
 */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";

const ALL = `0-${cpus().length - 1}`;
const OTHERS = cpus().length > 2 ? `1-${cpus().length - 1}` : "1";

/** Sets the CPUs of every thread of `pid`; false when the machine cannot. */
function setAffinity(pid: number, cpuList: string): boolean {
  try {
    execFileSync("taskset", ["--all-tasks", "--cpu-list", "--pid", cpuList, String(pid)], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** A process and its descendants (redis-server under the Redis child). */
function withDescendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    // pgrep exits 1 when there are none
  }
  return [pid, ...children.flatMap(withDescendants)];
}

export const canPin = cpus().length >= 2 && setAffinity(process.pid, ALL);

/** This process (the host under test) on core 0 alone. */
export const pinHost = () => canPin && setAffinity(process.pid, "0");

/** Back to every core. */
export const unpinHost = () => canPin && setAffinity(process.pid, ALL);

/** A helper process and its descendants off core 0. */
export const pinHelper = (pid: number | undefined) => canPin && pid !== undefined && withDescendants(pid).every((each) => setAffinity(each, OTHERS));
