/**
 * No lost updates (DESIGN.md principle 4), under fire, on 3 Upstash shards. 200 concurrent players × 30 pings on
 * random lectures, positions and segments, through the production ping path (saveProgress's coalescing HSET client
 * with its 500 ms deadline) behind fronts that hold some requests past the deadline (the ping is shed, Redis applies
 * it later, the player retries as the ProgressTracker does) and reset some connections before or after Redis applied
 * them (the ping degrades to Firestore). Meanwhile two flushers race, each flushing every part with 4 workers, and 10%
 * of Firestore commits fail. One flusher dies between a Firestore commit and its Redis clean-up: from then on every
 * call it makes hangs for good, its run is abandoned, and the locks it held stay until they expire (LOCK_TTL_MS, a
 * real Redis PX) and another flusher takes their parts; a new flusher starts in its place, as a new instance would.
 * After a final flush (which finds every lock expired: nothing deletes them), Firestore must hold every player's last
 * acknowledged position and cover every acknowledged segment, and no part was ever worked on by two flushers at once.
 *
 * The stack is this file's own, started before any product module loads: the shard count is read at load.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import type { FlushCache, FlushDeps, FlushStore } from "../../src/progress/flush-ports.js";
import type { Segment } from "../../src/progress/segments.js";
import { chaosSeed, prng } from "../helpers/prng.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { startRedisFront, type FrontAction, type RedisFront } from "../helpers/redis-front.js";

const SHARDS = 3;
const PLAYERS = 200;
const PINGS = 30;
const WORKERS = 4;
const WINDOW_MS = 250;
/** Pings reach Redis within a few ms here (held ones within 700 ms); a second of grace keeps the flush off open windows. */
const GRACE_MS = 1_000;
const LECTURE_SECONDS = 60;
/**
 * The parts' lock life and time budget: short, so that a dead flusher's locks expire within the run. The lock outlives
 * the budget by 3 s, the page in flight's margin: with 0.5 s, a loaded machine let a live flusher's lock expire
 * under its last page, and another flusher took the part (production: 300 s locks).
 */
const LOCK_TTL_MS = 4_000;
const TIME_BUDGET_MS = 1_000;

/** What a dead process's calls do: never answer. */
const hang = () => new Promise<never>(() => undefined);

let stack: Stack;
let fronts: RedisFront[] = [];
beforeAll(async () => {
  // Production's Redis timeout (config.ts DEFAULT_UPSTASH_TIMEOUT_MS, which this file imports only once the stack has
  // set the shard params): the fronts below hold requests past it.
  stack = await startOwnStack({ UPSTASH_SHARDS: String(SHARDS), UPSTASH_TIMEOUT_MS: "500" }, { shards: SHARDS });
}, 60_000);
afterAll(async () => {
  await Promise.all(fronts.map((front) => front.close()));
  await stack?.stop();
});

describe("no lost updates (chaos)", () => {
  it(`when pings on ${SHARDS} shards race partitioned flushes that fail and crash, then Firestore ends with every acknowledged position and segment`, async () => {
    const { firestore } = await import("../../src/adapters/firestore.js");
    const { createUpstashClient } = await import("../../src/adapters/upstash.js");
    const { DEFAULT_UPSTASH_TIMEOUT_MS } = await import("../../src/config.js");
    const { RateLimitedError } = await import("../../src/errors.js");
    const { flushAll } = await import("../../src/progress/flush.js");
    const { flushDeps, pingCacheOf, writeDirect } = await import("../../src/progress/functions.js");
    const { partitionOf } = await import("../../src/progress/layout.js");
    const { recordPing } = await import("../../src/progress/ping.js");
    const { coverageOf, fromFlat } = await import("../../src/progress/segments.js");
    const { userShards, allShards } = await import("../../src/progress/shards.js");
    const { createCourse } = await import("../helpers/progress.js");
    const { uniqueId } = await import("../helpers/stack.js");

    const seed = chaosSeed();
    const random = prng(seed);
    expect(allShards()).toEqual([0, 1, 2]);
    const { courseId, lectureIds } = await createCourse(5);

    // The pings' way to Redis: 5% held past the deadline, 2% reset before Redis sees them, 2% after it applied them.
    const faulty = (): FrontAction => {
      const roll = random();
      if (roll < 0.05) return { kind: "hold", ms: DEFAULT_UPSTASH_TIMEOUT_MS + 200 };
      if (roll < 0.07) return { kind: "reset-before" };
      if (roll < 0.09) return { kind: "reset-after" };
      return { kind: "pass" };
    };
    fronts = await Promise.all(stack.redisShards.map((shard) => startRedisFront(shard.restUrl, faulty)));
    const pingCaches = stack.redisShards.map((shard, n) =>
      pingCacheOf(createUpstashClient({ url: (fronts[n] as RedisFront).url, token: shard.token, timeoutMs: DEFAULT_UPSTASH_TIMEOUT_MS, retries: 0 })),
    );

    const base: FlushDeps = { ...(await flushDeps()), windowMs: WINDOW_MS, graceMs: GRACE_MS };
    expect(base.caches).toHaveLength(SHARDS);

    // The flush's Firestore port fails 10% of its commits; after its 4th good commit, its flusher dies.
    let attempts = 0;
    let commits = 0;
    let injectedFailures = 0;
    let killArmed: number | undefined;
    let dead: number | undefined;
    const locksAtDeath: string[] = [];
    const held = new Map<number, Set<string>>();
    const failingStore = (inner: FlushStore, flusher: number): FlushStore => ({
      ...inner,
      async read(refs) {
        if (dead === flusher) return hang();
        return inner.read(refs);
      },
      async write(writes) {
        if (dead === flusher) return hang();
        if (++attempts % 10 === 3) {
          injectedFailures++;
          throw new Error("injected Firestore commit failure");
        }
        const result = await inner.write(writes);
        if (++commits === 4 && dead === undefined) killArmed = flusher;
        return result;
      },
    });
    // The flusher's Redis port: its locks are tracked; once it is dead (at its first Redis call after the armed
    // commit), every call hangs, so it cleans nothing up and releases nothing. A pipeline is built synchronously and
    // sent by exec: a dead flusher's pipelines take commands and never send them.
    const deadPipeline = (): unknown => new Proxy({}, { get: (_target, property) => (property === "exec" ? hang : () => deadPipeline()) });
    const dying = (cache: FlushCache, shard: number, flusher: number) =>
      new Proxy(cache, {
        get(target, property, receiver) {
          const value = Reflect.get(target, property, receiver);
          if (typeof value !== "function") return value;
          return (...args: unknown[]) => {
            if (killArmed === flusher) {
              killArmed = undefined;
              dead = flusher;
              locksAtDeath.push(...(held.get(flusher) ?? []));
              flushers.push(startFlusher(nextFlusher++));
            }
            if (dead === flusher) return property === "pipeline" ? deadPipeline() : hang();
            const result = (value as (...a: unknown[]) => unknown).apply(target, args);
            const lock = String(args[0]);
            if (!lock.startsWith("lp:lock:flush:") || !(result instanceof Promise)) return result;
            return result.then((answer: unknown) => {
              const key = `${shard}/${lock}`;
              if (property === "set" && answer === "OK") held.set(flusher, (held.get(flusher) ?? new Set()).add(key));
              if (property === "del") held.get(flusher)?.delete(key);
              return answer;
            });
          };
        },
      });

    // Each flusher's Firestore activity per part, to show that two flushers never work on one part at once.
    const activity: { flusher: number; part: string; start: number; end: number }[] = [];
    const watched = (inner: FlushStore, flusher: number): FlushStore => {
      const around = async <T>(refs: { uid: string }[], call: () => Promise<T>): Promise<T> => {
        const start = performance.now();
        try {
          return await call();
        } finally {
          for (const part of new Set(refs.map(({ uid }) => `${userShards(uid).current}/${partitionOf(uid)}`))) activity.push({ flusher, part, start, end: performance.now() });
        }
      };
      return { ...inner, read: (refs) => around(refs, () => inner.read(refs)), write: (writes) => around(writes, () => inner.write(writes)) };
    };

    let flushing = true;
    let flushRuns = 0;
    let nextFlusher = 1;
    const startFlusher = (id: number) =>
      (async () => {
        const deps: FlushDeps = { ...base, store: failingStore(watched(base.store, id), id), caches: base.caches.map((cache, shard) => dying(cache, shard, id)) };
        while (flushing) {
          await flushAll(deps, allShards(), { concurrency: WORKERS, lockWaitMs: 0, lockTtlMs: LOCK_TTL_MS, timeBudgetMs: TIME_BUDGET_MS }).then(
            () => flushRuns++,
            (error: unknown) => {
              if (!String(error).includes("injected") && !(error instanceof Error && error.name === "FlushLockedError")) throw error;
            },
          );
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
    const flushers = [startFlusher(nextFlusher++), startFlusher(nextFlusher++)];

    // Each player watches as one user; remember what was acknowledged.
    const lastPosition = new Map<string, number>();
    const acknowledgedSegments = new Map<string, Segment[]>();
    const outcomes = { buffered: 0, degraded: 0, shed: 0 };
    const players = Array.from({ length: PLAYERS }, (_, i) => `${uniqueId("chaos")}-${i}`);
    await Promise.all(
      players.map(async (uid) => {
        const cache = pingCaches[userShards(uid).current] as (typeof pingCaches)[number];
        for (let n = 0; n < PINGS; n++) {
          const lectureId = lectureIds[Math.floor(random() * lectureIds.length)] as string;
          const start = Math.floor(random() * (LECTURE_SECONDS - 5));
          const end = Math.min(LECTURE_SECONDS, start + 1 + Math.floor(random() * 20));
          const ping = { courseId, lectureId, position: end, duration: LECTURE_SECONDS, playedSegments: [[start, end]] as [number, number][] };
          for (;;) {
            try {
              outcomes[await recordPing({ cache, writeDirect, windowMs: WINDOW_MS }, uid, ping)]++;
              break;
            } catch (error) {
              if (!(error instanceof RateLimitedError)) throw error;
              outcomes.shed++; // not acknowledged: the player keeps the ping and sends it again, as the tracker does
              await new Promise((resolve) => setTimeout(resolve, 20));
            }
          }
          const key = `${uid}/${lectureId}`;
          lastPosition.set(key, end);
          acknowledgedSegments.set(key, [...(acknowledgedSegments.get(key) ?? []), [start, end]]);
          await new Promise((resolve) => setTimeout(resolve, 40 + random() * 80));
        }
      }),
    );
    flushing = false;
    // The dead flusher's run never ends: it is abandoned, as a dead instance's is.
    await Promise.all(flushers.filter((_, index) => index + 1 !== dead));

    // Final flush once every window has closed (held HSETs landed) and its grace passed, and the dead flusher's locks
    // expired on their own (nothing deletes them), with a healthy Firestore.
    await new Promise((resolve) => setTimeout(resolve, Math.max(WINDOW_MS + GRACE_MS, LOCK_TTL_MS) + 800));
    const final = await flushAll(base, allShards());
    expect(final.failedKeys).toBe(0);

    const db = await firestore();
    const docs = await db.getAll(...players.map((uid) => db.doc(`users/${uid}/progress/${courseId}`)));
    let checked = 0;
    docs.forEach((snapshot, index) => {
      const uid = players[index] as string;
      for (const lectureId of lectureIds) {
        const key = `${uid}/${lectureId}`;
        if (!lastPosition.has(key)) continue;
        expect(snapshot.get(`watchTimes.${lectureId}`), key).toBe(lastPosition.get(key));
        const stored = fromFlat(snapshot.get(`segments.${lectureId}`) as number[]);
        for (const [start, end] of acknowledgedSegments.get(key) ?? []) {
          const covered = coverageOf(stored.map(([s, e]) => [Math.max(s, start) - start, Math.min(e, end) - start] as Segment), end - start);
          expect(covered, `${key} [${start}, ${end}]`).toBe(1);
        }
        checked++;
      }
    });

    const overlaps = activity.filter((a) => activity.some((b) => b.flusher > a.flusher && b.part === a.part && b.start < a.end && a.start < b.end));
    const faults = fronts.map((front) => front.counts);
    console.log(JSON.stringify({ chaos: "no-lost-updates", seed, shards: SHARDS, players: PLAYERS, outcomes, flushRuns, injectedFailures, dead, locksAtDeath, faults, lecturesChecked: checked }));
    expect(outcomes.buffered + outcomes.degraded).toBe(PLAYERS * PINGS);
    expect(overlaps).toEqual([]);
    // The faults happened, on every path: a dead worker, failed commits, shed and degraded pings, every shard pinged.
    expect(dead).toBeDefined();
    expect(locksAtDeath.length).toBeGreaterThan(0);
    expect(injectedFailures).toBeGreaterThan(0);
    expect(outcomes.shed).toBeGreaterThan(0);
    expect(outcomes.degraded).toBeGreaterThan(0);
    for (const front of fronts) expect(front.counts.pass).toBeGreaterThan(0);
    // The flushers that lived, the one that died and its replacement all flushed.
    expect(new Set(activity.map((a) => a.flusher))).toEqual(new Set([1, 2, 3]));
    expect(checked).toBeGreaterThan(PLAYERS);
  });
});
