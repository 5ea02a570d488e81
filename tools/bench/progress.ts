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
 *   wrapper, no work) in the same host, 80 callers at once as one function instance serves; the host's CPU per call
 *   beside it, user and system apart, and how busy the host kept its core (near 1: the host is what limits both
 *   rates). The Redis stand-in and the load generator run in other processes: in production Upstash's CPU is not the
 *   function's.
 * - flushSpeedup: the seed's flush (tools/shared/seed-write-behind.ts: SMEMBERS, one pipeline of reads, one BulkWriter,
 *   SREM) ÷ LearnPulse's, on 10,000 keys each, with pings arriving at 200/s while each flush runs; then the next
 *   flush, and `lostPings`: pings sent during a flush that Firestore does not hold after the next one (LearnPulse's
 *   must be 0). Timed with the change triggers muted (their fan-out, the same for both, runs on instances of its own).
 * - getProgressP50Ms / getProgressP99Ms: getProgress called one call after another through the callable host, beside
 *   an empty callable's emptyCallP50Ms / emptyCallP99Ms (the same wrapper, no work) in alternating rounds, from a load
 *   generator in its own process.
 *
 * Every timed figure is measured in ROUNDS rounds (`--rounds N`, at least 9), a design and its baseline alternating
 * (A B, then B A: inTurn), and given as its median with the range it moved in (`{median, min, max, rounds}`; for a ratio, the
 * range of the per-round ratios). The rounds of the timed parts (throughput, flush, reads) are taken in turn, so that
 * each figure's rounds spread over the whole run (TimedPart). Counts (commands, writes per ping) are exact and
 * measured once.
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
import { productSeedCodec, seedFlush, seedKey, seedPing, SEED_DIRTY_SET } from "../shared/seed-write-behind.ts";
import { median, progress, quantile, round, spread, type Spread } from "./stats.ts";
import { inParallel } from "../shared/parallel.ts";

// stdout carries only the result: firebase-functions logs every request through console (captured when it loads).
console.log = console.info = console.debug = console.warn = (...args: unknown[]) => console.error(...args);

const WINDOW_MS = 300_000;
const PING_EVERY_MS = 5_000;

type Figures = Record<string, number | Spread | Record<string, number | Spread>>;

/** Rounds of every timed figure: fewer than 9 cannot show how much a figure moves on these machines. */
const MIN_ROUNDS = 9;
const roundsArg = process.argv.indexOf("--rounds");
const ROUNDS = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : MIN_ROUNDS;
if (!Number.isInteger(ROUNDS) || ROUNDS < MIN_ROUNDS) throw new Error(`--rounds must be an integer of at least ${MIN_ROUNDS} (got ${process.argv[roundsArg + 1]})`);

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
const { upstash, upstashBulk } = await import("../../functions/lib/adapters/upstash.js");
const { scanPages } = await import("../../functions/lib/adapters/redis-scan.js");
const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");
const { bufferKey, pingFields } = await import("../../functions/lib/progress/layout.js");
const { windowOf } = await import("../../functions/lib/progress/window.js");
/** The seed writes the product's documents from the product's fields: only its algorithm differs. */
const seedCodec = await productSeedCodec(WINDOW_MS);

const redis = upstash();
/**
 * The flush's client (a longer deadline): seeding 10,000 keys and the seed's flush send big pipelines, which hold the
 * one-process Redis stand-in for longer than a ping's 500 ms; the pings sent during a flush wait them out too.
 */
const bulk = upstashBulk();
const { db } = await firestoreKit();
const seedCourse = async () => {
  await db.doc("courses/bench-course").set({ title: "bench", totalLectures: 1 });
  await db.doc("courses/bench-course/lectures/bench-lecture").set({ title: "bench", durationSec: 3600 });
};
await seedCourse();
/**
 * An empty Firestore stand-in but for the bench course. The stand-in shares the host's heap: the documents of earlier
 * rounds and parts (some 200,000 by the reads) would make its garbage collections, and so the timed figures, depend on
 * what ran before them. A timed round starts from this.
 */
const freshFirestore = async () => {
  stack.firestore?.clear();
  await seedCourse();
};

const firestoreOps = (s: Stack) => {
  const stats = s.firestore?.stats() ?? { reads: 0, writes: 0 };
  return stats.reads + stats.writes;
};

async function commandsPerPing(): Promise<Figures> {
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
  await inParallel(starts.map((start, p) => ({ start, uid: `bench-b-${p}` })), 50, async ({ start, uid }) => {
    for (let i = 0; i < pingsEach; i++) await seedPing(redis, seedCodec, uid, "bench-course", benchPing(i * 5, start + i * PING_EVERY_MS));
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

async function firestoreWritesPerPing(): Promise<Figures> {
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

interface LoadJob {
  name: string;
  body: unknown;
  tokens: string[];
  firstUser: number;
  requestsPerUser: number;
  concurrency: number;
  durationMs?: number;
  requests?: number;
}

/** One load (tools/bench/load-process.ts) in a process of its own, off the host's core, and the host's CPU meanwhile. */
const runLoad = ({ name, body, ...job }: LoadJob) =>
  new Promise<{ perSecond: number; failed: number; ok: number; sent: number; latenciesMs: number[]; hostCpu: NodeJS.CpuUsage }>((resolve, reject) => {
    const cpuBefore = process.cpuUsage();
    const generator = fork(fileURLToPath(new URL("./load-process.ts", import.meta.url)));
    generator.once("message", (result: { perSecond: number; failed: number; ok: number; sent: number; latenciesMs: number[] }) =>
      resolve({ ...result, hostCpu: process.cpuUsage(cpuBefore) }),
    );
    generator.once("error", reject);
    pinHelper(generator.pid);
    generator.send({ durationMs: 0, ...job, url: stack.host.urlOf(name), body: JSON.stringify({ data: body }) });
  });

/**
 * A timed part of the run: set up once, then measured one round at a time. The rounds of all timed parts are taken in
 * turn (throughput 1, flush 1, reads 1, throughput 2, ...), so that each figure's rounds spread over the whole run and
 * see the machine as it moves during it: on these shared machines its speed changes within minutes, by up to 40%
 * between two parts run back to back.
 */
interface TimedPart {
  round(n: number): Promise<void>;
  figures(): Promise<Figures>;
}

/**
 * A round's design and its baseline, in the order A B in even rounds and B A in odd ones: whatever the first leaves
 * behind (garbage to collect, a cold cache) falls on each side equally often.
 */
async function inTurn(n: number, design: () => Promise<void>, baseline: () => Promise<void>): Promise<void> {
  for (const run of n % 2 ? [baseline, design] : [design, baseline]) await run();
}

/** The host on core 0 alone for `run`, its helpers (the Redis stand-in, load generators) off it; true if it was. */
async function pinnedHost(run: () => Promise<void>): Promise<boolean> {
  const pinned = pinHost() && pinHelper(childRedis?.pid);
  try {
    await run();
  } finally {
    unpinHost();
  }
  return pinned;
}

async function throughput(): Promise<TimedPart> {
  const tokens = Array.from({ length: THROUGHPUT_USERS }, (_, i) => emulatorIdToken(`bench-throughput-${i}`));
  let nextUser = 0;
  const load = async (name: string, body: unknown): Promise<LoadResult> => {
    // 80: one function instance's concurrency (functions/src/options.ts).
    const result = await runLoad({ name, body, tokens, firstUser: nextUser, requestsPerUser: PINGS_PER_WINDOW, concurrency: 80, durationMs: 2_000 });
    nextUser += Math.ceil(result.sent / PINGS_PER_WINDOW);
    if (nextUser > THROUGHPUT_USERS) throw new Error(`the throughput load ran out of its ${THROUGHPUT_USERS} users`);
    const calls = Math.max(1, result.ok);
    return { ...result, hostCpuMicros: (result.hostCpu.user + result.hostCpu.system) / calls, hostUserCpuMicros: result.hostCpu.user / calls };
  };
  const ping = { courseId: "bench-course", lectureId: "bench-lecture", position: 10, duration: 3600, playedSegments: [[0, 10]] };
  const hsetsOf = async () => (await childRedis?.refresh(), stack.redis.commandCounts()["HSET"] ?? 0);
  let pinned = await pinnedHost(async () => {
    await load("saveProgress", ping); // warm-up
    await load("benchEmpty", {});
  });
  const timeParts = await pingPartsTimer();
  const rounds: { pings: LoadResult; empty: LoadResult; parts: Record<string, number> }[] = [];
  let hsets = 0;
  const runRound = async (n: number) => {
    let pings: LoadResult | undefined;
    let empty: LoadResult | undefined;
    const loadPings = async () => {
      const hsetsBefore = await hsetsOf();
      pings = await load("saveProgress", ping);
      hsets += (await hsetsOf()) - hsetsBefore;
    };
    const loadEmpty = async () => void (empty = await load("benchEmpty", {}));
    pinned = (await pinnedHost(() => inTurn(n, loadPings, loadEmpty))) && pinned;
    if (!pings || !empty) throw new Error("a throughput round did not run");
    if (pings.failed || empty.failed) throw new Error(`load failures: ${pings.failed} pings, ${empty.failed} empty`);
    rounds.push({ pings, empty, parts: timeParts() });
    progress(`throughput round ${n + 1}: ${Math.round(pings.perSecond)} pings/s vs ${Math.round(empty.perSecond)} empty calls/s`);
  };
  const figures = async (): Promise<Figures> => {
    // Every ping must have been buffered by one HSET: pings that degraded to Firestore would measure another path.
    const pingsSent = rounds.reduce((sum, r) => sum + r.pings.ok, 0);
    if (Math.abs(hsets - pingsSent) > pingsSent * 0.001) throw new Error(`${hsets} HSETs for ${pingsSent} pings: pings degraded during the load`);
    const medianOf = (value: (round: (typeof rounds)[number]) => number) => median(rounds.map(value));
    // The share of one core the host kept busy: near 1 when the host is what limits the rate, as it must be on both
    // sides for the ratio to compare the host's work per call (not the load generator's).
    const busy = (result: LoadResult) => (result.hostCpuMicros * result.perSecond) / 1e6;
    return {
      pingThroughputRatio: spread(rounds.map((r) => r.pings.perSecond / r.empty.perSecond)),
      pingsPerSecond: Math.round(medianOf((r) => r.pings.perSecond)),
      emptyCallsPerSecond: Math.round(medianOf((r) => r.empty.perSecond)),
      hostCpuMicrosPerPing: spread(rounds.map((r) => r.pings.hostCpuMicros), 1),
      hostCpuMicrosPerEmptyCall: spread(rounds.map((r) => r.empty.hostCpuMicros), 1),
      hostUserCpuMicrosPerPing: round(medianOf((r) => r.pings.hostUserCpuMicros), 1),
      hostUserCpuMicrosPerEmptyCall: round(medianOf((r) => r.empty.hostUserCpuMicros), 1),
      // The same comparison from user-space CPU alone: the kernel's share of a loopback answer depends on whether the
      // load generator is asleep when it arrives, which production (answers go to Google's front end) does not have.
      hostUserCpuRatio: spread(rounds.map((r) => r.empty.hostUserCpuMicros / r.pings.hostUserCpuMicros)),
      hostBusyWhilePinging: round(medianOf((r) => busy(r.pings))),
      hostBusyWhileEmpty: round(medianOf((r) => busy(r.empty))),
      hostPinnedToOwnCore: pinned ? 1 : 0,
      pingPartsMicros: Object.fromEntries(Object.keys(rounds[0]!.parts).map((name) => [name, spread(rounds.map((r) => r.parts[name]!), 2)])),
    };
  };
  return { round: runRound, figures };
}

/**
 * The ping's own work beyond an empty call's, part by part, timed in this process (µs per call): what the throughput
 * figure's host CPU per ping minus per empty call is made of. The rest of that difference is the Upstash request (the
 * SDK's command, one HTTP request per coalesced batch, its answer) and the handler's await. Timed once per throughput
 * round, between the loads, so that its rounds see the machine as the loads do.
 */
async function pingPartsTimer(): Promise<() => Record<string, number>> {
  const { parseInput } = await import("../../functions/lib/validation.js");
  const { SaveProgressRequest } = await import("../../functions/lib/schemas/progress.js");
  const { EmptyRequest } = await import("../../functions/lib/schemas/common.js");
  const { RateLimiter, RATE_LIMITS } = await import("../../functions/lib/rate-limit.js");
  const { rateLimitMultiplier } = await import("../../functions/lib/config.js");
  const { userShards } = await import("../../functions/lib/progress/shards.js");
  const calls = 100_000;
  const users = Array.from({ length: THROUGHPUT_USERS }, (_, i) => `bench-parts-${i}`);
  const body = { courseId: "bench-course", lectureId: LECTURE, position: 10, duration: 3600, playedSegments: [[0, 10]] };
  // One limiter per instance, as the callable wrapper has; a new one for each timing, so that no call is refused (the
  // users would run out of burst over the rounds otherwise).
  let limiter = new RateLimiter(RATE_LIMITS.saveProgress);
  let sink = 0; // keeps each result alive, so that no part is optimised away
  const parts: Record<string, (i: number) => void> = {
    validatePing: () => (sink += parseInput(SaveProgressRequest, body).position),
    validateEmpty: () => (sink += Object.keys(parseInput(EmptyRequest, {})).length),
    rateLimit: (i) => (sink += limiter.take(users[i % users.length] as string, rateLimitMultiplier()).allowed ? 1 : 0),
    shardAndKey: (i) => {
      const uid = users[i % users.length] as string;
      sink += userShards(uid).current + bufferKey(uid, "bench-course").length;
    },
    fields: (i) => {
      const atMs = 1_700_000_000_000 + i;
      sink += Object.keys(pingFields(windowOf(atMs, WINDOW_MS), { lectureId: body.lectureId, position: body.position, duration: body.duration, playedSegments: body.playedSegments as [number, number][], atMs })).length;
    },
  };
  const timeOf = (part: (i: number) => void) => {
    limiter = new RateLimiter(RATE_LIMITS.saveProgress);
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) part(i);
    return Number(process.hrtime.bigint() - started) / calls / 1000;
  };
  const timeRound = () => {
    const micros = Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, timeOf(part)]));
    if (!sink) throw new Error("the parts computed nothing");
    const beyondEmpty = micros["validatePing"]! - micros["validateEmpty"]! + micros["rateLimit"]! + micros["shardAndKey"]! + micros["fields"]!;
    return { ...micros, sumBeyondEmpty: beyondEmpty };
  };
  timeRound(); // warm-up: optimised code, as on a busy instance
  return timeRound;
}

const FLUSH_KEYS = 10_000;
/** Pings sent while a flush runs, one per key (the first keys of the 10,000), at a steady trickle. */
const PINGS_DURING_FLUSH = 1_000;
const PING_GAP_DURING_FLUSH_MS = 5; // 200/s
const LECTURE = "bench-lecture";

/** A flush design of the comparison: how its keys are seeded, how it pings, and its flush (`later`: the next run). */
interface FlushDesign {
  name: "seed" | "learnpulse";
  seedKeys(prefix: string, window: number): Promise<void>;
  ping(uid: string, position: number): Promise<void>;
  flush(later: boolean): Promise<number>;
}

const benchPing = (position: number, atMs: number) => ({ lectureId: LECTURE, position, duration: 3600, playedSegments: [[0, position]] as [number, number][], atMs });

async function seedKeys(prefix: string, window: number, keyOf: (uid: string) => string, mark: boolean): Promise<void> {
  for (let start = 0; start < FLUSH_KEYS; start += 1_000) {
    const pipeline = bulk.pipeline();
    for (let k = start; k < Math.min(FLUSH_KEYS, start + 1_000); k++) {
      const key = keyOf(`${prefix}-${k}`);
      for (const i of [1, 2, 3]) pipeline.hset(key, pingFields(window, benchPing(i * 5, window * WINDOW_MS + i)));
      if (mark) pipeline.sadd(SEED_DIRTY_SET, key);
    }
    await pipeline.exec();
  }
}

const SEED_DESIGN: FlushDesign = {
  name: "seed",
  seedKeys: (prefix, window) => seedKeys(prefix, window, (uid) => seedKey(uid, "bench-course"), true),
  ping: (uid, position) => seedPing(bulk, seedCodec, uid, "bench-course", benchPing(position, Date.now())),
  flush: () => seedFlush(bulk, db, seedCodec),
};

const LEARNPULSE_DESIGN: FlushDesign = {
  name: "learnpulse",
  seedKeys: (prefix, window) => seedKeys(prefix, window, (uid) => bufferKey(uid, "bench-course"), false),
  ping: async (uid, position) => {
    await recordPing({ cache: bulk, writeDirect, windowMs: WINDOW_MS }, uid, { courseId: "bench-course", lectureId: LECTURE, position, duration: 3600, playedSegments: [[0, position]] });
  },
  // The next run finds the window the pings went to closed.
  flush: async (later) => (await flushAll({ ...(await flushDeps()), ...(later ? { now: () => Date.now() + 2 * WINDOW_MS } : {}) }, [0])).keys,
};

interface FlushRound {
  ms: number;
  keys: number;
  pingsDuringFlush: number;
  lostPings: number;
}

/** One design's round: 10,000 keys flushed while pings arrive, then the next flush, then what Firestore lost. */
async function flushRound(design: FlushDesign): Promise<FlushRound> {
  await stack.redis.flushAll();
  await freshFirestore();
  const prefix = `bench-${design.name}-${randomUUID().slice(0, 6)}`;
  await design.seedKeys(prefix, windowOf(Date.now(), WINDOW_MS) - 100);
  const sent = new Map<string, number>();
  let flushing = true;
  const started = performance.now();
  const flush = design.flush(false).finally(() => (flushing = false));
  // On a schedule (ping i at i × the gap), not one after another: how fast pings are answered while the flush holds
  // Redis must not decide how many arrive during it.
  const pings: Promise<void>[] = [];
  for (let i = 0; flushing && i < PINGS_DURING_FLUSH; i++) {
    const uid = `${prefix}-${i}`;
    sent.set(uid, 2_000 + i);
    pings.push(design.ping(uid, 2_000 + i));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + (i + 1) * PING_GAP_DURING_FLUSH_MS - performance.now())));
  }
  const keys = await flush;
  const ms = performance.now() - started;
  await Promise.all(pings);
  await design.flush(true);
  let lostPings = 0;
  const uids = [...sent.keys()];
  for (let i = 0; i < uids.length; i += 500) {
    const docs = await db.getAll(...uids.slice(i, i + 500).map((uid) => db.doc(`users/${uid}/progress/bench-course`)));
    docs.forEach((doc, j) => {
      if ((doc.get("watchTimes") as Record<string, number> | undefined)?.[LECTURE] !== sent.get(uids[i + j] as string)) lostPings++;
    });
  }
  if (keys < FLUSH_KEYS) throw new Error(`the ${design.name} flush wrote ${keys} of its ${FLUSH_KEYS} keys`);
  if (design.name === "learnpulse") {
    // Its own invariants only: every key it seeded is gone, and no ping was lost.
    const left = await keysMatching(`lp:b:*:${prefix}-*`);
    if (left || lostPings) throw new Error(`LearnPulse's flush left ${left} of its keys and lost ${lostPings} pings`);
  }
  return { ms, keys, pingsDuringFlush: sent.size, lostPings };
}

async function keysMatching(match: string): Promise<number> {
  let count = 0;
  for await (const page of scanPages(redis, match)) count += page.length;
  return count;
}

async function flushSpeed(): Promise<TimedPart> {
  const rounds: { seed: FlushRound; learnpulse: FlushRound }[] = [];
  const runRound = async (n: number) => {
    // Each flush is timed alone: the change triggers' fan-out (the same for both, one event per written document) runs
    // on instances of its own in production, and is not delivered here.
    const unmute = stack.triggers.mute();
    try {
      let seed: FlushRound | undefined;
      let learnpulse: FlushRound | undefined;
      await inTurn(
        n,
        async () => void (learnpulse = await flushRound(LEARNPULSE_DESIGN)),
        async () => void (seed = await flushRound(SEED_DESIGN)),
      );
      if (!seed || !learnpulse) throw new Error("a flush round did not run");
      rounds.push({ seed, learnpulse });
      progress(`flush round ${n + 1}: seed ${Math.round(seed.ms)} ms (lost ${seed.lostPings} of ${seed.pingsDuringFlush} pings), LearnPulse ${Math.round(learnpulse.ms)} ms (lost ${learnpulse.lostPings} of ${learnpulse.pingsDuringFlush})`);
    } finally {
      unmute();
      await stack.redis.flushAll();
    }
  };
  const figures = async (): Promise<Figures> => ({
    flushKeys: FLUSH_KEYS,
    seedFlushMs: spread(rounds.map((r) => r.seed.ms), 0),
    flushMs: spread(rounds.map((r) => r.learnpulse.ms), 0),
    flushSpeedup: spread(rounds.map((r) => r.seed.ms / r.learnpulse.ms), 2),
    pingsDuringFlush: { seed: spread(rounds.map((r) => r.seed.pingsDuringFlush), 0), learnpulse: spread(rounds.map((r) => r.learnpulse.pingsDuringFlush), 0) },
    lostPings: { seed: spread(rounds.map((r) => r.seed.lostPings), 0), learnpulse: Math.max(...rounds.map((r) => r.learnpulse.lostPings)) },
  });
  return { round: runRound, figures };
}

/** Reads per round: a p99 of 300 is the third-slowest read, not the slowest. */
const READS_PER_ROUND = 300;

/**
 * getProgress's latency beside an empty callable's, each round READS_PER_ROUND calls of each, one after another from a
 * load generator in its own process (the host pinned as for throughput). Each round starts on a fresh Firestore with
 * the reader's buffered ping, since the flush rounds between clear both.
 */
async function readLatency(): Promise<TimedPart> {
  const uid = "bench-reader";
  const token = emulatorIdToken(uid);
  const prepare = async () => {
    await freshFirestore();
    await recordPing({ cache: redis, writeDirect, windowMs: WINDOW_MS }, uid, { courseId: "bench-course", lectureId: "bench-lecture", position: 30, duration: 3600, playedSegments: [[0, 30]] });
  };
  const reads = async (name: string, body: unknown, requests: number) => {
    const result = await runLoad({ name, body, tokens: [token], firstUser: 0, requestsPerUser: Number.MAX_SAFE_INTEGER, concurrency: 1, requests });
    if (result.failed) throw new Error(`${name}: ${result.failed} of ${requests} calls failed`);
    return result.latenciesMs;
  };
  await prepare();
  let pinned = await pinnedHost(async () => {
    await reads("getProgress", { courseId: "bench-course" }, 50); // warm-up
    await reads("benchEmpty", {}, 50);
  });
  const rounds: { get: number[]; empty: number[] }[] = [];
  const runRound = async (n: number) => {
    await prepare();
    let get: number[] = [];
    let empty: number[] = [];
    const readGet = async () => void (get = await reads("getProgress", { courseId: "bench-course" }, READS_PER_ROUND));
    const readEmpty = async () => void (empty = await reads("benchEmpty", {}, READS_PER_ROUND));
    pinned = (await pinnedHost(() => inTurn(n, readGet, readEmpty))) && pinned;
    rounds.push({ get, empty });
    progress(`read round ${n + 1}: getProgress p99 ${quantile(get, 0.99).toFixed(1)} ms, empty call p99 ${quantile(empty, 0.99).toFixed(1)} ms`);
  };
  const of = (side: "get" | "empty", q: number) => spread(rounds.map((r) => quantile(r[side], q)), 2);
  const figures = async (): Promise<Figures> => ({
    getProgressReads: ROUNDS * READS_PER_ROUND,
    getProgressP50Ms: of("get", 0.5),
    getProgressP99Ms: of("get", 0.99),
    emptyCallP50Ms: of("empty", 0.5),
    emptyCallP99Ms: of("empty", 0.99),
    readsPinned: pinned ? 1 : 0,
  });
  return { round: runRound, figures };
}

/** `--only a,b` runs just those parts (commands, writes, throughput, flush, reads): quicker when tuning one figure. */
const onlyArg = process.argv.indexOf("--only");
const only = onlyArg > 0 ? new Set((process.argv[onlyArg + 1] ?? "").split(",")) : undefined;
const chosen = (name: string) => !only || only.has(name);
const part = async (name: string, what: string, run: () => Promise<Figures>) => {
  if (!chosen(name)) return {};
  progress(`${what}...`);
  return run();
};

/** The timed parts, their rounds taken in turn (TimedPart). */
async function timedParts(): Promise<Figures> {
  const parts: TimedPart[] = [];
  for (const [name, what, start] of [
    ["throughput", "ping throughput vs an empty callable", throughput],
    ["flush", "flush of 10,000 dirty keys, the seed's and LearnPulse's, with pings arriving", flushSpeed],
    ["reads", "getProgress latency beside an empty callable's", readLatency],
  ] as const) {
    if (!chosen(name)) continue;
    progress(`${what}: warming up`);
    parts.push(await start());
  }
  for (let n = 0; n < ROUNDS; n++) for (const timed of parts) await timed.round(n);
  const figures: Figures = {};
  for (const timed of parts) Object.assign(figures, await timed.figures());
  return figures;
}

try {
  const commands = await part("commands", "commands per ping (200 players x 5 simulated minutes)", commandsPerPing);
  const writes = await part("writes", "Firestore writes per ping with flushes (100 players x 30 simulated minutes)", firestoreWritesPerPing);
  const timed = await timedParts();
  const result = {
    benchmark: "progress",
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, node: process.version, redis: stack.redis.kind },
    ...commands,
    ...writes,
    ...timed,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await stack.stop();
}
