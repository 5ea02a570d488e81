/**
 * `npm run bench:progress`: what the write-behind costs and how fast it is, against the local stack, each figure
 * beside a baseline measured in the same run. Prints one JSON object on stdout; progress goes to stderr.
 *
 * - upstashCommandsPerPing: billed Upstash commands (counted by the REST bridge) per ping, 200 players watching
 *   5 simulated minutes each from random starts; baselineCommandsPerPing: the same pings as HSET+SADD+EXPIRE each
 *   (the seed's write-behind).
 * - firestoreOpsPerPingPath: Firestore reads+writes during those pings (the ping path alone).
 * - firestoreWritesPerPing: Firestore writes per ping including flushes, 100 players watching a 60-minute lecture
 *   for 30 simulated minutes with a flush after each 5-minute window closes.
 * - pingThroughputRatio: saveProgress calls/s through the callable host ÷ calls/s of an empty callable (the same
 *   wrapper, no work) in the same host, 80 callers at once as one function instance serves (median of alternating
 *   rounds); the host's CPU per call beside it, user and system apart, and how busy the host kept its core (near 1:
 *   the host is what limits both rates). The Redis stand-in and the load generator run in other processes: in
 *   production Upstash's CPU is not the function's.
 * - flushSpeedup: a naive per-key flush (HGETALL, one Firestore write, SREM per key) ÷ the real flush, 10,000 keys,
 *   each timed with the change triggers muted (their fan-out, the same for both, runs on instances of its own).
 * - getProgressP99Ms: 1,000 sequential getProgress calls through the callable host.
 */
import { randomUUID } from "node:crypto";
import { cpus } from "node:os";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { importFromFunctions, type FunctionExport } from "@learnpulse/local-stack/functions-module.ts";
import { startStack, type Stack } from "@learnpulse/local-stack";
import { startRedisInChild, type ChildRedis } from "@learnpulse/local-stack/redis/child-process.ts";
import { emulatorIdToken } from "@learnpulse/local-stack/tokens.ts";
import { pinHelper, pinHost, unpinHost } from "./cpus.ts";
import { median, progress, quantile, round } from "./stats.ts";
import { inParallel } from "../shared/parallel.ts";

// stdout carries only the result: firebase-functions logs every request through console (captured when it loads).
console.log = console.info = console.debug = console.warn = (...args: unknown[]) => console.error(...args);

const WINDOW_MS = 300_000;
const PING_EVERY_MS = 5_000;

let childRedis: ChildRedis | undefined;
const stack = await startStack({
  log: progress,
  redis: async () => (childRedis = await startRedisInChild()),
  extraCallables: async () => {
    // The baseline: a callable that does nothing, through the same firebase-functions and the same product wrapper.
    const { onCall } = await importFromFunctions<{ onCall(handler: unknown): FunctionExport }>("firebase-functions/https");
    const { callable } = await import("../../functions/lib/callable.js");
    const { EmptyRequest } = await import("../../functions/lib/schemas/common.js");
    return new Map([["benchEmpty", onCall(callable({ name: "benchEmpty", schema: EmptyRequest }, async () => ({})))]]);
  },
});
const redisCounts = async () => (await childRedis?.refresh(), stack.redis.commands());

// Product modules load after the stack has set the environment they read.
const { recordPing } = await import("../../functions/lib/progress/ping.js");
const { flushDeps, writeDirect } = await import("../../functions/lib/progress/functions.js");
const { flushAll } = await import("../../functions/lib/progress/flush.js");
const { upstash, hashFromReply } = await import("../../functions/lib/adapters/upstash.js");
const { scanPages } = await import("../../functions/lib/adapters/redis-scan.js");
const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");
const { bufferKey, pingFields, decodeProgressHash } = await import("../../functions/lib/progress/layout.js");
const { mergeBuffered } = await import("../../functions/lib/progress/merge.js");
const { ProgressDoc } = await import("../../functions/lib/schemas/progress.js");
const { windowOf } = await import("../../functions/lib/progress/window.js");

const redis = upstash();
const { db } = await firestoreKit();
await db.doc("courses/bench-course").set({ title: "bench", totalLectures: 1 });
await db.doc("courses/bench-course/lectures/bench-lecture").set({ title: "bench", durationSec: 3600 });

const firestoreOps = (s: Stack) => {
  const stats = s.firestore?.stats() ?? { reads: 0, writes: 0 };
  return stats.reads + stats.writes;
};

async function commandsPerPing(): Promise<Record<string, number>> {
  const players = 200;
  const pingsEach = (5 * 60_000) / PING_EVERY_MS;
  const base = (windowOf(Date.now(), WINDOW_MS) - 20) * WINDOW_MS; // simulated past, aligned on a window
  const starts = Array.from({ length: players }, () => base + Math.floor(Math.random() * WINDOW_MS));
  const ping = (uid: string, at: number, i: number) =>
    recordPing({ cache: redis, writeDirect, windowMs: WINDOW_MS, now: () => at }, uid, {
      courseId: "bench-course",
      lectureId: "bench-lecture",
      position: i * 5,
      duration: 3600,
      playedSegments: [[0, i * 5 + 5]],
    });

  await stack.redis.flushAll();
  stack.redis.resetCommands();
  const opsBefore = firestoreOps(stack);
  await inParallel(starts.map((start, p) => ({ start, uid: `bench-a-${p}` })), 50, async ({ start, uid }) => {
    for (let i = 0; i < pingsEach; i++) await ping(uid, start + i * PING_EVERY_MS, i);
  });
  const pings = players * pingsEach;
  const commands = await redisCounts();
  const firestoreOpsOnPingPath = firestoreOps(stack) - opsBefore;

  // Baseline: the original design's ping, HSET + SADD + EXPIRE, for the same pings.
  await stack.redis.flushAll();
  stack.redis.resetCommands();
  await inParallel(starts.map((_, p) => `bench-b-${p}`), 50, async (uid) => {
    for (let i = 0; i < pingsEach; i++) {
      const key = `bench:prog:${uid}:bench-course`;
      await redis.pipeline().hset(key, { "bench-lecture": String(i * 5), last: "bench-lecture" }).sadd("bench:dirty", key).expire(key, 86_400).exec();
    }
  });
  const baselineCommands = await redisCounts();
  await stack.redis.flushAll();
  return {
    pings,
    upstashCommandsPerPing: round(commands / pings),
    baselineCommandsPerPing: round(baselineCommands / pings),
    firestoreOpsPerPingPath: round(firestoreOpsOnPingPath / pings),
  };
}

async function firestoreWritesPerPing(): Promise<Record<string, number>> {
  const players = 100;
  const sessionMs = 30 * 60_000;
  const base = (windowOf(Date.now(), WINDOW_MS) - 40) * WINDOW_MS;
  const starts = Array.from({ length: players }, () => base + Math.floor(Math.random() * WINDOW_MS));
  const deps = await flushDeps();
  const writesBefore = stack.firestore?.stats().writes ?? 0;
  let pings = 0;
  let flushes = 0;
  let lastFlushedWindow = windowOf(base, WINDOW_MS) - 1;
  for (let t = base; t <= base + WINDOW_MS + sessionMs; t += PING_EVERY_MS) {
    const active = starts.map((start, p) => ({ start, p })).filter(({ start }) => t >= start && t < start + sessionMs);
    await inParallel(active, 50, async ({ start, p }) => {
      const i = Math.floor((t - start) / PING_EVERY_MS);
      await recordPing({ cache: redis, writeDirect, windowMs: WINDOW_MS, now: () => t }, `bench-f-${p}`, {
        courseId: "bench-course",
        lectureId: "bench-lecture",
        position: i * 5,
        duration: 3600,
        playedSegments: [[0, i * 5 + 5]],
      });
      pings++;
    });
    // The schedule: a flush once each window has closed and its grace has passed (simulated clock).
    const closed = windowOf(t - 15_000, WINDOW_MS) - 1;
    if (closed > lastFlushedWindow) {
      await flushAll({ ...deps, now: () => t }, [0]);
      lastFlushedWindow = closed;
      flushes++;
    }
  }
  await flushAll({ ...deps, now: () => base + 2 * sessionMs }, [0]);
  flushes++;
  const writes = (stack.firestore?.stats().writes ?? 0) - writesBefore;
  return { pingsWithFlushes: pings, flushes, firestoreWrites: writes, firestoreWritesPerPing: round(writes / pings, 4) };
}

/**
 * Callers of the throughput load. In steady state a key pings 60 times per window (5 s pings, a 5-minute window): so
 * each user sends exactly PINGS_PER_WINDOW pings, back to back, and the next user takes over, across every round.
 * (With the previous layout a key's first ping of a window also marked it; round-robin over all users made the first
 * rounds nothing but marking pings.) 10,000 users cover 600,000 pings, more than any run sends, each within its
 * burst of 60 (functions/src/rate-limit.ts); it is what one instance's limiter tracks (MAX_TRACKED_USERS).
 */
const THROUGHPUT_USERS = 10_000;
const PINGS_PER_WINDOW = WINDOW_MS / PING_EVERY_MS;

interface LoadResult {
  perSecond: number;
  failed: number;
  ok: number;
  /** The host process's CPU per successful call, and its user-space part. */
  hostCpuMicros: number;
  hostUserCpuMicros: number;
}

async function throughput(): Promise<Record<string, number>> {
  const tokens = Array.from({ length: THROUGHPUT_USERS }, (_, i) => emulatorIdToken(`bench-throughput-${i}`));
  let nextUser = 0;
  const load = (name: string, body: unknown) =>
    new Promise<LoadResult>((resolve, reject) => {
      const cpuBefore = process.cpuUsage();
      const generator = fork(fileURLToPath(new URL("./load-process.ts", import.meta.url)));
      generator.once("message", (result: { perSecond: number; failed: number; ok: number; sent: number }) => {
        const cpu = process.cpuUsage(cpuBefore);
        nextUser += Math.ceil(result.sent / PINGS_PER_WINDOW);
        if (nextUser > THROUGHPUT_USERS) reject(new Error(`the throughput load ran out of its ${THROUGHPUT_USERS} users`));
        const calls = Math.max(1, result.ok);
        resolve({ ...result, hostCpuMicros: (cpu.user + cpu.system) / calls, hostUserCpuMicros: cpu.user / calls });
      });
      generator.once("error", reject);
      pinHelper(generator.pid);
      // 80: one function instance's concurrency (functions/src/options.ts).
      const job = { url: stack.host.urlOf(name), tokens, firstUser: nextUser, requestsPerUser: PINGS_PER_WINDOW, body: JSON.stringify({ data: body }), concurrency: 80, durationMs: 2_000 };
      generator.send(job);
    });
  const ping = { courseId: "bench-course", lectureId: "bench-lecture", position: 10, duration: 3600, playedSegments: [[0, 10]] };
  const pinned = pinHost() && pinHelper(childRedis?.pid);
  try {
    await load("saveProgress", ping); // warm-up
    await load("benchEmpty", {});
    const hsetsOf = async () => (await childRedis?.refresh(), stack.redis.commandCounts()["HSET"] ?? 0);
    const hsetsBefore = await hsetsOf();
    const rounds: { pings: LoadResult; empty: LoadResult }[] = [];
    for (let round_ = 0; round_ < 5; round_++) {
      const pings = await load("saveProgress", ping);
      const empty = await load("benchEmpty", {});
      if (pings.failed || empty.failed) throw new Error(`load failures: ${pings.failed} pings, ${empty.failed} empty`);
      rounds.push({ pings, empty });
      progress(`throughput round ${round_ + 1}: ${Math.round(pings.perSecond)} pings/s vs ${Math.round(empty.perSecond)} empty calls/s`);
    }
    // Every ping must have been buffered by one HSET: pings that degraded to Firestore would measure another path.
    const hsets = (await hsetsOf()) - hsetsBefore;
    const pingsSent = rounds.reduce((sum, r) => sum + r.pings.ok, 0);
    if (Math.abs(hsets - pingsSent) > pingsSent * 0.001) throw new Error(`${hsets} HSETs for ${pingsSent} pings: pings degraded during the load`);
    const medianOf = (value: (round: (typeof rounds)[number]) => number) => median(rounds.map(value));
    // The share of one core the host kept busy: near 1 when the host is what limits the rate, as it must be on both
    // sides for the ratio to compare the host's work per call (not the load generator's).
    const busy = (result: LoadResult) => (result.hostCpuMicros * result.perSecond) / 1e6;
    return {
      pingThroughputRatio: round(medianOf((r) => r.pings.perSecond / r.empty.perSecond)),
      pingsPerSecond: Math.round(medianOf((r) => r.pings.perSecond)),
      emptyCallsPerSecond: Math.round(medianOf((r) => r.empty.perSecond)),
      hostCpuMicrosPerPing: round(medianOf((r) => r.pings.hostCpuMicros), 1),
      hostCpuMicrosPerEmptyCall: round(medianOf((r) => r.empty.hostCpuMicros), 1),
      hostUserCpuMicrosPerPing: round(medianOf((r) => r.pings.hostUserCpuMicros), 1),
      hostUserCpuMicrosPerEmptyCall: round(medianOf((r) => r.empty.hostUserCpuMicros), 1),
      // The same comparison from user-space CPU alone: the kernel's share of a loopback answer depends on whether the
      // load generator is asleep when it arrives, which production (answers go to Google's front end) does not have.
      hostUserCpuRatio: round(medianOf((r) => r.empty.hostUserCpuMicros / r.pings.hostUserCpuMicros)),
      hostBusyWhilePinging: round(medianOf((r) => busy(r.pings))),
      hostBusyWhileEmpty: round(medianOf((r) => busy(r.empty))),
      hostPinnedToOwnCore: pinned ? 1 : 0,
    };
  } finally {
    unpinHost();
  }
}

/** The naive flush's set of keys to flush (the seed's SMEMBERS design); the product's flush finds keys by SCAN. */
const NAIVE_DIRTY_SET = "bench:dirty";

async function seedBufferedKeys(prefix: string, keys: number, window: number, naive: boolean): Promise<void> {
  for (let start = 0; start < keys; start += 1_000) {
    const pipeline = redis.pipeline();
    for (let k = start; k < Math.min(keys, start + 1_000); k++) {
      const key = bufferKey(`${prefix}-${k}`, "bench-course");
      for (const i of [1, 2, 3]) {
        pipeline.hset(key, pingFields(window, { lectureId: "bench-lecture", position: i * 5, duration: 3600, playedSegments: [[0, i * 5]], atMs: window * WINDOW_MS + i }));
      }
      if (naive) pipeline.sadd(NAIVE_DIRTY_SET, key);
    }
    await pipeline.exec();
  }
}

async function keysMatching(match: string): Promise<number> {
  let count = 0;
  for await (const page of scanPages(redis, match)) count += page.length;
  return count;
}

async function flushSpeed(): Promise<Record<string, number>> {
  const keys = 10_000;
  const window = windowOf(Date.now(), WINDOW_MS) - 100;
  await stack.redis.flushAll();
  const run = randomUUID().slice(0, 6);
  // Each flush is timed alone: the change triggers' fan-out (the same for both, one event per written document) runs
  // on instances of its own in production, and is not delivered here. (Held and delivered after each flush, its
  // 10,000 events kept the in-process sink stand-ins busy for minutes, well into the next flush's measurement.)
  const unmute = stack.triggers.mute();
  try {
    await seedBufferedKeys(`bench-naive-${run}`, keys, window, true);
    progress(`naive flush of ${keys} keys...`);
    const naiveStart = performance.now();
    const members = (await redis.smembers(NAIVE_DIRTY_SET)).map(String);
    for (const key of members) {
      const hash = hashFromReply(await redis.hgetall(key));
      const [, , , uid, courseId] = key.split(":");
      const { doc } = mergeBuffered(ProgressDoc.parse({}), decodeProgressHash(hash), 0.9);
      await db.doc(`users/${uid}/progress/${courseId}`).set(doc);
      await redis.srem(NAIVE_DIRTY_SET, key);
    }
    const naiveMs = performance.now() - naiveStart;

    await stack.redis.flushAll();
    await seedBufferedKeys(`bench-real-${run}`, keys, window, false);
    progress(`real flush of ${keys} keys...`);
    const realStart = performance.now();
    const result = await flushAll(await flushDeps(), [0]);
    const realMs = performance.now() - realStart;
    // Its own invariant only: a late ping of an earlier part (applied after flushAll) may add a key of its own.
    const left = await keysMatching(`lp:b:*:bench-real-${run}-*`);
    if (left || result.failedKeys || result.keys < keys) throw new Error(`flush left ${left} of its ${keys} keys (handled ${result.keys}, ${result.failedKeys} failed)`);
    await stack.redis.flushAll();
    return { flushKeys: keys, naiveFlushMs: Math.round(naiveMs), flushMs: Math.round(realMs), flushSpeedup: round(naiveMs / realMs, 2) };
  } finally {
    unmute();
  }
}

async function readLatency(): Promise<Record<string, number>> {
  const uid = "bench-reader";
  const token = emulatorIdToken(uid);
  const call = async (name: string, data: unknown) => {
    const response = await fetch(stack.host.urlOf(name), {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ data }),
    });
    if (!response.ok) throw new Error(`${name}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  await call("saveProgress", { courseId: "bench-course", lectureId: "bench-lecture", position: 30, duration: 3600, playedSegments: [[0, 30]] });
  for (let i = 0; i < 50; i++) await call("getProgress", { courseId: "bench-course" });
  const latencies: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const start = performance.now();
    await call("getProgress", { courseId: "bench-course" });
    latencies.push(performance.now() - start);
  }
  return { getProgressReads: latencies.length, getProgressP50Ms: round(median(latencies), 2), getProgressP99Ms: round(quantile(latencies, 0.99), 2) };
}

/** `--only a,b` runs just those parts (commands, writes, throughput, flush, reads): quicker when tuning one figure. */
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg > 0 ? new Set((process.argv[onlyArg + 1] ?? "").split(",")) : undefined;
const part = async (name: string, what: string, run: () => Promise<Record<string, number>>) => {
  if (only && !only.has(name)) return {};
  progress(`${what}...`);
  return run();
};

try {
  const commands = await part("commands", "commands per ping (200 players x 5 simulated minutes)", commandsPerPing);
  const writes = await part("writes", "Firestore writes per ping with flushes (100 players x 30 simulated minutes)", firestoreWritesPerPing);
  const speed = await part("throughput", "ping throughput vs an empty callable", throughput);
  const flush = await part("flush", "flush of 10,000 dirty keys, naive and real", flushSpeed);
  const reads = await part("reads", "getProgress latency", readLatency);
  const result = {
    benchmark: "progress",
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, redis: stack.redis.kind },
    ...commands,
    ...writes,
    ...speed,
    ...flush,
    ...reads,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await stack.stop();
}
