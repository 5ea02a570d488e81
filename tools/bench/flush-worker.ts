/**
 * One flush worker of `npm run bench:scale`, in a process of its own as in production (one part per instance): it
 * loads the built functions with the env it is sent, says `ready`, and on `go` flushes its parts one after another
 * through the product's `flushPart`, then reports its keys, its busy time, its own CPU and the requests it made.
 */
import type { Part } from "../../functions/lib/progress/flush.js";

interface Job {
  env: Record<string, string>;
  parts: Part[];
  runId: string;
}

export interface WorkerReport {
  keys: number;
  writes: number;
  busyMs: number;
  cpuMs: number;
  /** Round trips: Redis requests (a pipeline is one), Firestore requests (a getAll, a commit). */
  redisRequests: number;
  firestoreRequests: number;
  /** Pages of 500 keys (or fewer, a part's last): what the round trips are counted per. */
  pages: number;
}

const job = await new Promise<Job>((resolve) => process.once("message", (message) => resolve(message as Job)));
Object.assign(process.env, job.env);
// Product code logs through firebase-functions' logger on stdout: keep it off the parent's terminal.
console.log = console.info = console.debug = console.warn = () => undefined;
const { FLUSH_PAGE_SIZE, flushPart } = await import("../../functions/lib/progress/flush.js");
const { flushDeps } = await import("../../functions/lib/progress/functions.js");

const deps = await flushDeps();
const counts = { redisRequests: 0, firestoreRequests: 0 };
const countedCache = <T extends object>(cache: T): T =>
  new Proxy(cache, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "pipeline") {
        return () => {
          const pipeline = (value as () => { exec: () => Promise<unknown> }).call(target);
          const exec = pipeline.exec.bind(pipeline);
          pipeline.exec = () => (counts.redisRequests++, exec());
          return pipeline;
        };
      }
      return (...args: unknown[]) => (counts.redisRequests++, (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
const store = {
  ...deps.store,
  read: (refs: Parameters<typeof deps.store.read>[0]) => (counts.firestoreRequests++, deps.store.read(refs)),
  write: async (writes: Parameters<typeof deps.store.write>[0]) => {
    const commits = await deps.store.write(writes);
    counts.firestoreRequests += commits;
    return commits;
  },
};
const measured = { ...deps, caches: deps.caches.map(countedCache), store };

process.send?.("ready");
await new Promise((resolve) => process.once("message", resolve));
const cpuBefore = process.cpuUsage();
const started = performance.now();
let keys = 0;
let writes = 0;
let pages = 0;
for (const part of job.parts) {
  const report = await flushPart(measured, part, { runId: job.runId });
  keys += report.keys;
  writes += report.writes;
  pages += Math.ceil(report.keys / FLUSH_PAGE_SIZE);
}
const cpu = process.cpuUsage(cpuBefore);
const result: WorkerReport = { keys, writes, pages, busyMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, ...counts };
process.send?.(result, () => process.exit(0));
