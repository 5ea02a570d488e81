/**
 * `npm run bench:scale [-- --keys 8000 --rounds 3]`: how the write-behind scales out, measured on loopback against
 * the local stack with 4 Upstash shards (one Redis per shard, each with its REST bridge in a process of its own, so
 * that the process holding the Firestore stand-in carries no Redis work), then planned to 1,000,000 students from
 * the measured per-operation counts and published limits. One JSON object on stdout; progress on stderr.
 *
 * Measured, for 1, 2 and 4 shards:
 * - billed Upstash commands per ping on each shard: 600 players × 72 pings (6 simulated minutes from random starts,
 *   so every player crosses a window) through the product's ping path (recordPing, the coalescing HSET client),
 *   counted at each shard's bridge; beside it the same pings with the previous layout's ping (HSET, plus SADD and
 *   EXPIRE on a key's first ping of a window), on the same harness;
 * - the flush, with 1, 2 and 4 workers (each a process of its own flushing its share of the parts one at a time, as
 *   Cloud Tasks gives one part to an instance, at the product's pace): keys/s in total and per worker, billed Upstash commands and Firestore
 *   writes per flushed key, and each worker's round trips and own CPU per page. Rounds alternate the order of the
 *   configurations; figures are medians with their spread (min–max) over the rounds. The baseline of the speed-up is
 *   one worker, in the same round.
 *
 * Planned (the `capacity` part): for 10k, 100k and 1M concurrent students, every figure computed from the measured
 * counts above and the limits in `LIMITS` (each with its source), with the production latencies in `LATENCIES`.
 */
import { fork, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { startStack } from "@learnpulse/local-stack";
import { startRedisInChild, type ChildRedis } from "@learnpulse/local-stack/redis/child-process.ts";
import { positiveNumber } from "../shared/args.ts";
import type { WorkerReport } from "./flush-worker.ts";
import { median, progress, round } from "./stats.ts";
import { inParallel } from "../shared/parallel.ts";

// stdout carries only the result: firebase-functions logs every request through console.
console.log = console.info = console.debug = console.warn = (...args: unknown[]) => console.error(...args);

const { values } = parseArgs({ options: { keys: { type: "string", default: "8000" }, rounds: { type: "string", default: "3" } } });
const KEYS = Math.round(positiveNumber("keys", values.keys));
const ROUNDS = Math.round(positiveNumber("rounds", values.rounds));
const SHARD_COUNTS = [1, 2, 4];
const WORKER_COUNTS = [1, 2, 4];
const MAX_SHARDS = Math.max(...SHARD_COUNTS);
const WINDOW_MS = 300_000;
const PING_EVERY_MS = 5_000;

/** Published limits the plan is held to. */
const LIMITS = {
  upstashCommandsPerSecondPerDatabase: { value: 10_000, source: "Upstash pay-as-you-go and fixed plans up to 50 GB (PRICES.md [13])" },
  firestoreRampStartWritesPerSecond: { value: 500, source: "Firestore 500/50/5 rule: 500 ops/s to a new collection (PRICES.md [6])" },
  firestoreRampGrowthPer5Min: { value: 1.5, source: "Firestore 500/50/5 rule: +50% every 5 minutes (PRICES.md [6])" },
  cloudTasksDispatchesPerSecondPerQueue: { value: 500, source: "Cloud Tasks quotas: maximum dispatch rate per queue (cloud.google.com/tasks/docs/quotas)" },
  cloudTasksConcurrentDispatchesPerQueue: { value: 5_000, source: "Cloud Tasks quotas: maximum concurrent dispatches per queue (cloud.google.com/tasks/docs/quotas)" },
};

/**
 * Latencies of one request in production, same region. The worker's rate there is its measured round trips per page
 * times these, plus its measured CPU per page.
 */
const LATENCIES = {
  upstashRequestMs: { value: 5, source: "Upstash internal p99 in one region: write < 5 ms, read < 1 ms (PRICES.md [19]); the larger taken for every request" },
  firestoreRequestMs: {
    value: 100,
    source: "assumed, no published figure: a getAll of 500 documents or a commit of up to 500 writes in one region; 100 ms is well above what Google quotes for single-document operations and is doubled in `sensitivity`",
  },
};

const PARTS_PER_SHARD = 16;
const STUDENTS = [10_000, 100_000, 1_000_000];
/** Drain each window within half a window, so a slow run still ends before the next one starts. */
const DRAIN_SECONDS = WINDOW_MS / 1000 / 2;
/** Shards are planned to run at most this share of their command rate (headroom for bursts and retries): a choice. */
const SHARD_UTILISATION = 0.8;

process.env["UPSTASH_SHARDS"] = String(MAX_SHARDS);
const redisChildren: ChildRedis[] = [];
const stack = await startStack({
  shards: MAX_SHARDS,
  log: progress,
  redis: async () => {
    const child = await startRedisInChild({ backend: "auto" });
    redisChildren.push(child);
    return child;
  },
});
const refreshAll = () => Promise.all(redisChildren.map((child) => child.refresh()));
const shardCommands = async () => (await refreshAll(), stack.redisShards.map((shard) => shard.commands()));

// Product modules load after the stack has set the environment they read.
const { recordPing } = await import("../../functions/lib/progress/ping.js");
const { pingCacheOf, writeDirect } = await import("../../functions/lib/progress/functions.js");
const { upstash, upstashForHset } = await import("../../functions/lib/adapters/upstash.js");
const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");
const { bufferKey, pingFields, shardOf } = await import("../../functions/lib/progress/layout.js");
const { windowOf } = await import("../../functions/lib/progress/window.js");
const { FLUSH_KEYS_PER_SECOND_PER_WORKER } = await import("../../functions/lib/progress/flush.js");
const { db } = await firestoreKit();
await db.doc("courses/scale-course").set({ title: "scale", totalLectures: 1 });
await db.doc("courses/scale-course/lectures/scale-lecture").set({ title: "scale", durationSec: 3600 });

const spread = (values: number[], digits = 3) => ({ median: round(median(values), digits), min: round(Math.min(...values), digits), max: round(Math.max(...values), digits) });

/** Billed commands per ping on each shard, the product's ping and the previous layout's, for `shards` shards. */
async function pingCost(shards: number) {
  process.env["UPSTASH_SHARDS"] = String(shards);
  const players = 600;
  const pingsEach = (6 * 60_000) / PING_EVERY_MS;
  const base = (windowOf(Date.now(), WINDOW_MS) - 30) * WINDOW_MS;
  const users = Array.from({ length: players }, (_, p) => ({ uid: `scale-ping-${shards}-${p}`, start: base + Math.floor(Math.random() * WINDOW_MS) }));
  const pingsOn = new Array<number>(MAX_SHARDS).fill(0);
  for (const { uid } of users) pingsOn[shardOf(uid, shards)]! += pingsEach;
  const ping = (i: number) => ({ courseId: "scale-course", lectureId: "scale-lecture", position: i * 5, duration: 3600, playedSegments: [[0, i * 5 + 5]] as [number, number][] });

  await Promise.all(stack.redisShards.map((shard) => shard.flushAll()));
  const before = await shardCommands();
  const caches = Array.from({ length: shards }, (_, shard) => pingCacheOf(upstashForHset(shard)));
  await inParallel(users, 50, async ({ uid, start }) => {
    for (let i = 0; i < pingsEach; i++) {
      await recordPing({ cache: caches[shardOf(uid, shards)]!, writeDirect, windowMs: WINDOW_MS, now: () => start + i * PING_EVERY_MS }, uid, ping(i));
    }
  });
  const after = await shardCommands();

  // The previous layout's ping, on the same shards and clients: HSET, and SADD + EXPIRE when it was the window's first.
  await Promise.all(stack.redisShards.map((shard) => shard.flushAll()));
  const baselineBefore = await shardCommands();
  await inParallel(users, 50, async ({ uid, start }) => {
    const client = upstash(shardOf(uid, shards));
    for (let i = 0; i < pingsEach; i++) {
      const at = start + i * PING_EVERY_MS;
      const window = windowOf(at, WINDOW_MS);
      const fields = { [`${window}:at`]: String(at), ...pingFields(window, { ...ping(i), atMs: at }) };
      const key = `scale:prog:${uid}`;
      if ((await client.hset(key, fields)) === Object.keys(fields).length) await client.pipeline().sadd(`scale:dirty:${window}`, key).expire(key, 86_400).exec();
    }
  });
  const baselineAfter = await shardCommands();
  await Promise.all(stack.redisShards.map((shard) => shard.flushAll()));
  const perShard = (from: number[], to: number[]) =>
    Array.from({ length: shards }, (_, shard) => round(((to[shard] ?? 0) - (from[shard] ?? 0)) / (pingsOn[shard] || 1), 4));
  const measured = perShard(before, after);
  const baseline = perShard(baselineBefore, baselineAfter);
  return {
    shards,
    pings: players * pingsEach,
    pingShareOfBusiestShard: round(Math.max(...pingsOn.slice(0, shards)) / (players * pingsEach), 3),
    commandsPerPingPerShard: measured,
    commandsPerPing: Math.max(...measured),
    baselineCommandsPerPingPerShard: baseline,
    baselineCommandsPerPing: Math.max(...baseline),
  };
}

/** KEYS keys of a closed window, spread over `shards` shards (a player's three pings each). */
async function seed(label: string, shards: number): Promise<void> {
  const window = windowOf(Date.now(), WINDOW_MS) - 3;
  const byShard = Array.from({ length: shards }, () => [] as string[]);
  for (let k = 0; k < KEYS; k++) byShard[shardOf(`${label}-${k}`, shards)]!.push(`${label}-${k}`);
  for (const [shard, uids] of byShard.entries()) {
    for (let start = 0; start < uids.length; start += 1_000) {
      const pipeline = upstash(shard).pipeline();
      for (const uid of uids.slice(start, start + 1_000)) {
        for (const i of [1, 2, 3]) {
          pipeline.hset(bufferKey(uid, "scale-course"), pingFields(window, { lectureId: "scale-lecture", position: i * 5, duration: 3600, playedSegments: [[0, i * 5]], atMs: window * WINDOW_MS + i }));
        }
      }
      await pipeline.exec();
    }
  }
}

function startWorker(env: Record<string, string>, parts: { shard: number; part: number }[], runId: string): Promise<{ child: ChildProcess; done: Promise<WorkerReport> }> {
  const child = fork(new URL("./flush-worker.ts", import.meta.url), { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("message", () => {
      const done = new Promise<WorkerReport>((settle, fail) => {
        child.once("message", (report) => settle(report as WorkerReport));
        child.once("exit", (code) => (code ? fail(new Error(`flush worker exited with ${code}`)) : undefined));
      });
      resolve({ child, done });
    });
    child.send({ env, parts, runId });
  });
}

/** One flush of KEYS keys on `shards` shards by `workers` worker processes. */
async function flushOnce(shards: number, workers: number, round_: number) {
  const label = `scale-${round_}-${shards}-${workers}-${Date.now().toString(36)}`;
  await Promise.all(stack.redisShards.map((shard) => shard.flushAll()));
  await seed(label, shards);
  const parts = Array.from({ length: shards }, (_, shard) => Array.from({ length: PARTS_PER_SHARD }, (_, part) => ({ shard, part }))).flat();
  const env = { ...(stack.env as Record<string, string>), UPSTASH_SHARDS: String(shards) };
  const started = await Promise.all(
    Array.from({ length: workers }, (_, w) => startWorker(env, parts.filter((_, i) => i % workers === w), label.replace(/[^A-Za-z0-9]/g, ""))),
  );
  const commandsBefore = (await shardCommands()).reduce((a, b) => a + b, 0);
  const writesBefore = stack.firestore?.stats().writes ?? 0;
  const cpuBefore = process.cpuUsage();
  const machineBefore = machineTimes();
  const t0 = performance.now();
  for (const { child } of started) child.send("go");
  const reports = await Promise.all(started.map(({ done }) => done));
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  const machine = machineTimes();
  const commands = (await shardCommands()).reduce((a, b) => a + b, 0) - commandsBefore;
  const writes = (stack.firestore?.stats().writes ?? 0) - writesBefore;
  const keys = reports.reduce((sum, report) => sum + report.keys, 0);
  if (keys !== KEYS) throw new Error(`the flush wrote ${keys} keys of ${KEYS}`);
  const pages = reports.reduce((sum, r) => sum + r.pages, 0);
  return {
    keysPerSecond: keys / (wallMs / 1000),
    keysPerSecondPerWorker: median(reports.map((report) => report.keys / (report.busyMs / 1000))),
    commandsPerKey: commands / keys,
    firestoreWritesPerKey: writes / keys,
    redisRequestsPerPage: reports.reduce((sum, r) => sum + r.redisRequests, 0) / pages,
    firestoreRequestsPerPage: reports.reduce((sum, r) => sum + r.firestoreRequests, 0) / pages,
    workerCpuMsPerKey: reports.reduce((sum, r) => sum + r.cpuMs, 0) / keys,
    /** Share of one core the stand-ins' process (Firestore, the hosts) kept busy: near 1, it is the limit here. */
    standInsBusy: (cpu.user + cpu.system) / 1000 / wallMs,
    /** Share of all the machine's cores busy (workers, stand-ins, Redis, anything else): near 1, the machine is the limit. */
    machineBusy: (machine.busy - machineBefore.busy) / (machine.total - machineBefore.total),
  };
}

/** The machine's CPU time so far, busy and in all, over every core (os.cpus()). */
function machineTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    busy += times.user + times.nice + times.sys + times.irq;
    total += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busy, total };
}

function capacity(pingCosts: Awaited<ReturnType<typeof pingCost>>[], flush: Record<string, ReturnType<typeof summarize>>) {
  const commandsPerPing = Math.max(...pingCosts.map((cost) => cost.commandsPerPing));
  const one = flush["1x1"] as ReturnType<typeof summarize>;
  const flushCommandsPerKey = one.commandsPerKey.median;
  const writesPerKey = one.firestoreWritesPerKey.median;
  // A worker's page in production: its measured round trips at production latencies, plus its measured CPU.
  const pageMs = (firestoreMs: number) =>
    one.redisRequestsPerPage.median * LATENCIES.upstashRequestMs.value + one.firestoreRequestsPerPage.median * firestoreMs + one.workerCpuMsPerKey.median * 500;
  // The pace the product holds a worker to caps it, whatever the latencies.
  const workerRate = (firestoreMs: number) =>
    Math.min((2 * 500) / (pageMs(firestoreMs) / 1000), 1000 / one.workerCpuMsPerKey.median, FLUSH_KEYS_PER_SECOND_PER_WORKER);
  const plan = (students: number, firestoreMs: number) => {
    const pingsPerSecond = students / (PING_EVERY_MS / 1000);
    const keysPerWindow = students; // one course open per student
    const commandsPerSecond = pingsPerSecond * commandsPerPing + (keysPerWindow * flushCommandsPerKey) / (WINDOW_MS / 1000);
    const shards = Math.ceil(commandsPerSecond / (LIMITS.upstashCommandsPerSecondPerDatabase.value * SHARD_UTILISATION));
    const workers = Math.ceil(keysPerWindow / (workerRate(firestoreMs) * DRAIN_SECONDS));
    const writesPerSecond = (keysPerWindow * writesPerKey) / DRAIN_SECONDS;
    const rampSteps = Math.max(0, Math.ceil(Math.log(writesPerSecond / LIMITS.firestoreRampStartWritesPerSecond.value) / Math.log(LIMITS.firestoreRampGrowthPer5Min.value)));
    const tasksPerRun = shards * PARTS_PER_SHARD;
    return {
      students,
      pingsPerSecond: Math.round(pingsPerSecond),
      upstashCommandsPerSecond: Math.round(commandsPerSecond),
      shards,
      flushWorkers: workers,
      flushKeysPerSecond: Math.round(keysPerWindow / DRAIN_SECONDS),
      firestoreWritesPerSecond: Math.round(writesPerSecond),
      firestoreRampMinutes: rampSteps * 5,
      taskDispatchesPerSecond: round(tasksPerRun / (WINDOW_MS / 1000), 2),
      taskDispatchesPerSecondLimit: LIMITS.cloudTasksDispatchesPerSecondPerQueue.value,
      concurrentDispatches: Math.min(workers, tasksPerRun),
      concurrentDispatchesLimit: LIMITS.cloudTasksConcurrentDispatchesPerQueue.value,
      partsPerRun: tasksPerRun,
      workersUsable: workers <= tasksPerRun,
      mirrorTriggerInvocationsPerSecond: Math.round(writesPerSecond),
    };
  };
  return {
    inputs: {
      commandsPerPing: { value: commandsPerPing, from: "measured: pings, the busiest shard of 1, 2 and 4" },
      flushCommandsPerKey: { value: flushCommandsPerKey, from: "measured: flush, 1 shard, 1 worker" },
      firestoreWritesPerKey: { value: writesPerKey, from: "measured: flush, 1 shard, 1 worker" },
      redisRequestsPerPage: { value: one.redisRequestsPerPage.median, from: "measured: a worker's Redis round trips per 500-key page" },
      firestoreRequestsPerPage: { value: one.firestoreRequestsPerPage.median, from: "measured: a worker's Firestore round trips per page" },
      workerCpuMsPerKey: { value: one.workerCpuMsPerKey.median, from: "measured: a worker process's own CPU per flushed key" },
      unpacedKeysPerSecondPerWorker: {
        value: Math.round(Math.min((2 * 500) / (pageMs(LATENCIES.firestoreRequestMs.value) / 1000), 1000 / one.workerCpuMsPerKey.median)),
        from: "2 pages in flight × 500 keys ÷ (round trips × LATENCIES + CPU per page), capped by CPU",
      },
      workerPaceKeysPerSecond: { value: FLUSH_KEYS_PER_SECOND_PER_WORKER, from: "the product's pace (functions/src/progress/flush.ts): Firestore's 500/50/5 starting rate" },
      productionKeysPerSecondPerWorker: { value: Math.round(workerRate(LATENCIES.firestoreRequestMs.value)), from: "the lower of the unpaced rate and the pace" },
      pingEverySeconds: { value: PING_EVERY_MS / 1000, from: "API.md: the 5-second ping" },
      windowSeconds: { value: WINDOW_MS / 1000, from: "FLUSH_SCHEDULE default" },
      drainSeconds: { value: DRAIN_SECONDS, from: "a choice: half a window" },
      shardUtilisation: { value: SHARD_UTILISATION, from: "a choice: headroom below the command rate" },
    },
    limits: LIMITS,
    latencies: LATENCIES,
    table: STUDENTS.map((students) => plan(students, LATENCIES.firestoreRequestMs.value)),
    sensitivity: {
      firestoreRequestMs: LATENCIES.firestoreRequestMs.value * 2,
      table: STUDENTS.map((students) => plan(students, LATENCIES.firestoreRequestMs.value * 2)),
    },
  };
}

function summarize(runs: Awaited<ReturnType<typeof flushOnce>>[]) {
  const field = (name: keyof (typeof runs)[number], digits = 3) => spread(runs.map((run) => run[name]), digits);
  return {
    keysPerSecond: field("keysPerSecond", 0),
    keysPerSecondPerWorker: field("keysPerSecondPerWorker", 0),
    commandsPerKey: field("commandsPerKey"),
    firestoreWritesPerKey: field("firestoreWritesPerKey"),
    redisRequestsPerPage: field("redisRequestsPerPage", 2),
    firestoreRequestsPerPage: field("firestoreRequestsPerPage", 2),
    workerCpuMsPerKey: field("workerCpuMsPerKey", 4),
    standInsBusy: field("standInsBusy", 2),
    machineBusy: field("machineBusy", 2),
  };
}

try {
  const pingCosts = [];
  for (const shards of SHARD_COUNTS) {
    progress(`commands per ping on ${shards} shard(s)...`);
    pingCosts.push(await pingCost(shards));
  }

  const configs = SHARD_COUNTS.flatMap((shards) => WORKER_COUNTS.map((workers) => ({ shards, workers })));
  const runs = new Map<string, Awaited<ReturnType<typeof flushOnce>>[]>();
  const speedups = new Map<string, number[]>();
  const unmute = stack.triggers.mute(); // the change triggers' fan-out runs on instances of its own in production
  try {
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      const order = round_ % 2 ? [...configs].reverse() : configs;
      const thisRound = new Map<string, number>();
      for (const { shards, workers } of order) {
        const run = await flushOnce(shards, workers, round_);
        const id = `${shards}x${workers}`;
        runs.set(id, [...(runs.get(id) ?? []), run]);
        thisRound.set(id, run.keysPerSecond);
        progress(`round ${round_ + 1}: ${shards} shard(s), ${workers} worker(s): ${Math.round(run.keysPerSecond)} keys/s (machine ${Math.round(run.machineBusy * 100)}% busy, stand-ins' process ${round(run.standInsBusy, 2)} of a core)`);
      }
      for (const { shards, workers } of configs) {
        const id = `${shards}x${workers}`;
        speedups.set(id, [...(speedups.get(id) ?? []), (thisRound.get(id) ?? 0) / (thisRound.get(`${shards}x1`) ?? 1)]);
      }
    }
  } finally {
    unmute();
  }
  const flush = Object.fromEntries([...runs].map(([id, list]) => [id, { ...summarize(list), speedupOverOneWorker: spread(speedups.get(id) ?? [], 2) }]));
  const result = {
    benchmark: "scale",
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, redis: stack.redis.kind },
    keysPerFlush: KEYS,
    rounds: ROUNDS,
    pings: pingCosts,
    flush,
    capacity: capacity(pingCosts, flush as Record<string, ReturnType<typeof summarize>>),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await stack.stop();
}
