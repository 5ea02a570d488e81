/**
 * The flush (DESIGN.md principle 4): drains the dirty sets of closed windows into Firestore without losing a ping
 * that arrives meanwhile. Pings of the open window mark `lp:dirty:{open}` and write fields scoped by that window,
 * which this flush neither deletes nor un-marks; a window's fields are deleted, and its keys un-marked, only after
 * Firestore has committed them. A crash anywhere leaves the marks in place: the next run writes the keys again
 * (at-least-once; positions are absolute and segments a union, so rewriting is harmless).
 */
import * as logs from "../logs.js";
import type { FlushRun } from "../schemas/progress.js";
import { flushPage, type Lecture } from "./flush-page.js";
import type { FlushCache, FlushDeps } from "./flush-ports.js";
import { DIRTY_PATTERN, dirtyKey, parseDirtyKey, progressKey } from "./layout.js";
import { FLUSH_GRACE_MS, isDrainable, windowStartMs } from "./window.js";

export interface FlushOptions {
  /** Also write the keys of windows that have not closed (flushNow), without un-marking them. */
  includeOpen?: boolean;
  /** Stop after this many keys. */
  maxKeys?: number;
  /** Who asked, for the report. */
  trigger?: "schedule" | "flushNow";
}

interface Totals {
  keys: number;
  writes: number;
  failedKeys: number;
  quarantinedKeys: number;
  skipped: Lecture[];
  dropped: Lecture[];
}

/** Keys per page: one pipeline of HGETALLs, one getAll and one batch (Firestore: ≤ 500 writes per batch). */
export const FLUSH_PAGE_SIZE = 500;
/**
 * Pages flushed at once. A page mostly waits (a Redis pipeline, a getAll, a commit, the clean-up pipeline), so the next
 * page's reads overlap this page's commit. Two rather than more: each page in flight adds to the flush's write rate,
 * and Firestore asks new traffic to ramp up from ~500 writes/s (500/50/5, PRICES.md).
 */
export const FLUSH_PAGES_IN_FLIGHT = 2;
/** A run stops starting pages after this long, well inside the lock and the 5-minute schedule. */
export const FLUSH_TIME_BUDGET_MS = 4 * 60_000;
export const FLUSH_LOCK_KEY = "lp:lock:flush";
/** The lock outlives the time budget plus one page, so two flushes never overlap. */
export const FLUSH_LOCK_TTL_MS = 5 * 60_000;
/** SCAN page size when looking for dirty sets (Upstash bills each SCAN call as one command). */
const SCAN_COUNT = 1_000;
/** Lectures named in a run's one `progress.completions_skipped` event; the count covers the rest. */
const SKIPPED_LECTURES_LOGGED = 20;

export class FlushLockedError extends Error {}

export async function flushProgress(deps: FlushDeps, options: FlushOptions = {}): Promise<FlushRun> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const token = `${startedAt}-${Math.random().toString(36).slice(2)}`;
  const locked = await deps.cache.set(FLUSH_LOCK_KEY, token, { nx: true, px: FLUSH_LOCK_TTL_MS }).catch(async (error: unknown) => {
    // A SET that timed out may still have taken the lock: left alone it would block every flush until it expires.
    await releaseIfOurs(deps.cache, token);
    throw error;
  });
  if (locked !== "OK") throw new FlushLockedError("Another flush is running");
  try {
    const totals: Totals = { keys: 0, writes: 0, failedKeys: 0, quarantinedKeys: 0, skipped: [], dropped: [] };
    const remarkedKeys = await markRecordedKeys(deps);
    const windows = await dirtyWindows(deps.cache);
    for (const window of windows) {
      const drainable = isDrainable(window, now(), deps.windowMs, deps.graceMs ?? FLUSH_GRACE_MS);
      if (!drainable && !options.includeOpen) continue;
      await drainWindow(deps, window, drainable, options, totals, token, () => now() - startedAt > FLUSH_TIME_BUDGET_MS);
      if (options.maxKeys !== undefined && totals.keys >= options.maxKeys) break;
    }
    if (totals.skipped.length) logSkipped(options.trigger ?? "schedule", totals.skipped);
    if (totals.dropped.length) logDropped(options.trigger ?? "schedule", totals.dropped);
    const remaining = await remainingDirty(deps.cache);
    const oldest = remaining.oldestWindow === undefined ? 0 : (now() - windowStartMs(remaining.oldestWindow, deps.windowMs)) / 1000;
    return {
      keys: totals.keys,
      writes: totals.writes,
      failedKeys: totals.failedKeys,
      quarantinedKeys: totals.quarantinedKeys,
      skippedCompletions: totals.skipped.length,
      droppedLectures: totals.dropped.length,
      remarkedKeys,
      durationMs: now() - startedAt,
      remainingDirty: remaining.keys,
      oldestDirtyAgeSeconds: Math.max(0, Math.round(oldest)),
    };
  } finally {
    // Delete the lock only while it is certainly still ours (no Lua compare-and-delete needed); otherwise it expires.
    if (now() - startedAt < FLUSH_LOCK_TTL_MS - 30_000) await deps.cache.del(FLUSH_LOCK_KEY).catch(() => undefined);
  }
}

/** Deletes the lock if it holds this run's token (best effort: GET then DEL, no Lua; the token is unique). */
async function releaseIfOurs(cache: FlushCache, token: string): Promise<void> {
  try {
    if ((await cache.get(FLUSH_LOCK_KEY)) === token) await cache.del(FLUSH_LOCK_KEY);
  } catch {
    // Redis is still out of reach: the lock expires on its own (FLUSH_LOCK_TTL_MS).
  }
}

/**
 * Marks dirty the keys that degraded pings recorded as possibly unmarked, then forgets the records: their windows
 * are then drained like any other. A crash between the two marks them again next run, which is harmless.
 */
async function markRecordedKeys(deps: FlushDeps): Promise<number> {
  let marked = 0;
  for (;;) {
    const recorded = await deps.store.unmarked(FLUSH_PAGE_SIZE);
    if (!recorded.length) return marked;
    const pipeline = deps.cache.pipeline();
    for (const { key } of recorded) if (key) pipeline.sadd(dirtyKey(key.window), progressKey(key.uid, key.courseId));
    if (pipeline.length()) await pipeline.exec();
    await deps.store.forgetUnmarked(recorded.map((entry) => entry.id));
    marked += pipeline.length();
    if (recorded.length < FLUSH_PAGE_SIZE) return marked;
  }
}

async function drainWindow(
  deps: FlushDeps,
  window: number,
  drainable: boolean,
  options: FlushOptions,
  totals: Totals,
  runId: string,
  outOfTime: () => boolean,
): Promise<void> {
  const setKey = dirtyKey(window);
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let cursor = "0";
  do {
    if (outOfTime() || failure) break;
    const budget = options.maxKeys === undefined ? FLUSH_PAGE_SIZE : Math.min(FLUSH_PAGE_SIZE, options.maxKeys - totals.keys);
    if (budget <= 0) break;
    const [next, members] = await deps.cache.sscan(setKey, cursor, { count: budget });
    cursor = String(next);
    const keys = [...new Set(members.map(String))];
    if (!keys.length) continue;
    // Counted when started, so that maxKeys holds with pages in flight.
    totals.keys += keys.length;
    const page = flushPage(deps, keys, window, drainable, runId).then(
      (done) => {
        totals.writes += done.writes;
        totals.failedKeys += done.failedKeys;
        totals.quarantinedKeys += done.quarantinedKeys;
        totals.skipped.push(...done.skipped);
        totals.dropped.push(...done.dropped);
      },
      (error: unknown) => void (failure ??= { error }),
    );
    inFlight.add(page);
    void page.finally(() => inFlight.delete(page));
    if (inFlight.size >= FLUSH_PAGES_IN_FLIGHT) await Promise.race(inFlight);
  } while (cursor !== "0");
  await Promise.all(inFlight);
  if (failure) throw failure.error;
}

/** One event per run, however many keys named lectures that do not exist (a client with a stale catalogue pings many). */
function logSkipped(trigger: string, skipped: Lecture[]): void {
  const distinct = new Map(skipped.map((lecture) => [`${lecture.courseId}/${lecture.lectureId}`, lecture]));
  logs.completionsSkipped({ trigger, reason: "not_found", count: skipped.length, lectures: [...distinct.values()].slice(0, SKIPPED_LECTURES_LOGGED) });
}

/** One event per run, however many keys named lectures their course does not have (made up, or since removed). */
function logDropped(trigger: string, dropped: Lecture[]): void {
  const distinct = new Map(dropped.map((lecture) => [`${lecture.courseId}/${lecture.lectureId}`, lecture]));
  logs.lecturesDropped({ trigger, count: dropped.length, lectures: [...distinct.values()].slice(0, SKIPPED_LECTURES_LOGGED) });
}

/** Every window that has a dirty set, ascending. SCAN also finds late marks into windows drained before. */
async function dirtyWindows(cache: FlushCache): Promise<number[]> {
  const windows = new Set<number>();
  let cursor = "0";
  do {
    const [next, keys] = await cache.scan(cursor, { match: DIRTY_PATTERN, count: SCAN_COUNT });
    cursor = String(next);
    for (const key of keys) {
      const window = parseDirtyKey(String(key));
      if (window !== undefined) windows.add(window);
    }
  } while (cursor !== "0");
  return [...windows].sort((a, b) => a - b);
}

async function remainingDirty(cache: FlushCache): Promise<{ keys: number; oldestWindow?: number }> {
  const windows = await dirtyWindows(cache);
  if (!windows.length) return { keys: 0 };
  const pipeline = cache.pipeline();
  for (const window of windows) pipeline.scard(dirtyKey(window));
  const counts = (await pipeline.exec()) as number[];
  const nonEmpty = windows.filter((_, index) => Number(counts[index]) > 0);
  const keys = counts.reduce((sum, count) => sum + Number(count), 0);
  return nonEmpty.length ? { keys, oldestWindow: nonEmpty[0] as number } : { keys };
}
