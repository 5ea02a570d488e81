/**
 * The flush (DESIGN.md principle 4): drains the dirty sets of closed windows into Firestore without losing a ping
 * that arrives meanwhile. Pings of the open window mark `lp:dirty:{open}` and write fields scoped by that window,
 * which this flush neither deletes nor un-marks; a window's fields are deleted, and its keys un-marked, only after
 * Firestore has committed them. A crash anywhere leaves the marks in place: the next run writes the keys again
 * (at-least-once; positions are absolute and segments a union, so rewriting is harmless).
 */
import type { Redis } from "@upstash/redis";
import { hashFromReply } from "../adapters/upstash.js";
import * as logs from "../logs.js";
import type { FlushRun, ProgressDoc, UnmarkedKey } from "../schemas/progress.js";
import type { CompletionOutcome } from "./complete.js";
import { decodeProgressHash, DIRTY_PATTERN, dirtyKey, fieldsUpToWindow, parseDirtyKey, parseProgressKey, progressKey } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { FLUSH_GRACE_MS, isDrainable, windowStartMs } from "./window.js";

export type FlushCache = Pick<Redis, "set" | "get" | "del" | "scan" | "sscan" | "pipeline">;

export interface StoredProgress {
  doc: ProgressDoc;
  /** Opaque version of the stored document (its update time); undefined when it does not exist. */
  version: unknown;
}

export interface ProgressWrite {
  uid: string;
  courseId: string;
  doc: ProgressDoc;
  /** Write only if the document is still at this version (undefined: only if it still does not exist). */
  version: unknown;
}

/** A key a degraded ping recorded as possibly unmarked; `key` is undefined when the record is malformed. */
export interface RecordedUnmarked {
  id: string;
  key: UnmarkedKey | undefined;
}

/** A batch lost a race: a document it writes changed (or was created) since it was read. */
export class StaleWriteError extends Error {}

/** The Firestore port of the flush: batched reads and conditional batched writes. */
export interface FlushStore {
  read(refs: { uid: string; courseId: string }[]): Promise<StoredProgress[]>;
  /** Commits all writes or none of a batch; rejects with StaleWriteError when a precondition failed. Answers the commits made. */
  write(writes: ProgressWrite[]): Promise<number>;
  /** Up to `limit` keys that degraded pings recorded as possibly unmarked (progress/ping.ts). */
  unmarked(limit: number): Promise<RecordedUnmarked[]>;
  /** Deletes those records (at most FLUSH_PAGE_SIZE), once their keys are marked. */
  forgetUnmarked(ids: string[]): Promise<void>;
}

export interface FlushDeps {
  cache: FlushCache;
  store: FlushStore;
  windowMs: number;
  completionThreshold: number;
  /**
   * Completes a lecture exactly as completeLecture does. "not_found" (no such course or lecture) is final: the
   * progress is stored uncompleted and the key drained. A rejection is transient: the key stays dirty for the next run.
   */
  complete: (uid: string, courseId: string, lectureId: string) => Promise<CompletionOutcome>;
  now?: () => number;
  /** How long after its end a window is left alone (default FLUSH_GRACE_MS). */
  graceMs?: number;
}

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
  skipped: Lecture[];
}

interface Lecture {
  courseId: string;
  lectureId: string;
}

/** Keys per page: one pipeline of HGETALLs, one getAll and one batch (Firestore: ≤ 500 writes per batch). */
export const FLUSH_PAGE_SIZE = 500;
/**
 * Pages flushed at once. A page mostly waits (a Redis pipeline, a getAll, a commit, the clean-up pipeline), so the next
 * page's reads overlap this page's commit; two keep the flush's write rate near Firestore's ramp-up guidance for new
 * traffic (500/50/5: ~500 writes/s to start, PRICES.md) only a little above what one page at a time reaches.
 */
export const FLUSH_PAGES_IN_FLIGHT = 2;
/** How often a single key is re-read and re-written when its write lost a precondition race or failed. */
export const PAGE_ATTEMPTS = 3;
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
    const totals: Totals = { keys: 0, writes: 0, failedKeys: 0, skipped: [] };
    const remarkedKeys = await markRecordedKeys(deps);
    const windows = await dirtyWindows(deps.cache);
    for (const window of windows) {
      const drainable = isDrainable(window, now(), deps.windowMs, deps.graceMs ?? FLUSH_GRACE_MS);
      if (!drainable && !options.includeOpen) continue;
      await drainWindow(deps, window, drainable, options, totals, () => now() - startedAt > FLUSH_TIME_BUDGET_MS);
      if (options.maxKeys !== undefined && totals.keys >= options.maxKeys) break;
    }
    if (totals.skipped.length) logSkipped(options.trigger ?? "schedule", totals.skipped);
    const remaining = await remainingDirty(deps.cache);
    const oldest = remaining.oldestWindow === undefined ? 0 : (now() - windowStartMs(remaining.oldestWindow, deps.windowMs)) / 1000;
    return {
      keys: totals.keys,
      writes: totals.writes,
      failedKeys: totals.failedKeys,
      skippedCompletions: totals.skipped.length,
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
    const page = flushPage(deps, keys, window, drainable).then(
      (done) => {
        totals.writes += done.writes;
        totals.failedKeys += done.failedKeys;
        totals.skipped.push(...done.skipped);
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

/** A dirty key of a page, with what Redis holds for it. */
interface PageKey {
  key: string;
  ids: { uid: string; courseId: string };
  hash: Record<string, string>;
}

interface Completion {
  key: string;
  uid: string;
  courseId: string;
  lectureId: string;
}

/** One page: read the hashes (one pipeline), write the documents (getAll + batches), then clean up. */
async function flushPage(
  deps: FlushDeps,
  keys: string[],
  window: number,
  drainable: boolean,
): Promise<{ writes: number; failedKeys: number; skipped: Lecture[] }> {
  const parsed = keys.map((key) => ({ key, ids: parseProgressKey(key) }));
  const valid = parsed.filter((entry): entry is { key: string; ids: { uid: string; courseId: string } } => !!entry.ids);
  const hashes = valid.length ? await readHashes(deps.cache, valid.map((entry) => entry.key)) : [];
  const written = await writeKeys(deps, valid.map((entry, index) => ({ ...entry, hash: hashes[index] ?? {} })));

  const failed = new Set(written.failed.map((entry) => entry.key));
  const skipped: Lecture[] = [];
  for (const { key, uid, courseId, lectureId } of written.completions) {
    const outcome = await deps.complete(uid, courseId, lectureId).catch(() => void failed.add(key));
    if (outcome === "not_found") skipped.push({ courseId, lectureId });
  }
  if (drainable) {
    // Un-mark malformed keys too: nothing valid could ever be flushed from them.
    const done = parsed.filter((entry) => !failed.has(entry.key)).map((entry) => entry.key);
    const pipeline = deps.cache.pipeline();
    valid.forEach(({ key }, index) => {
      const fields = fieldsUpToWindow(hashes[index] ?? {}, window);
      if (!failed.has(key) && fields.length) pipeline.hdel(key, ...fields);
    });
    if (done.length) pipeline.srem(dirtyKey(window), ...done);
    if (pipeline.length()) await pipeline.exec();
  }
  return { writes: written.writes, failedKeys: failed.size, skipped };
}

/**
 * Writes the keys' merged progress. A batch is all-or-nothing, so one document that changed since the read (a
 * completion, a degraded ping: the update-time precondition) fails every write of it; a failed group is therefore
 * re-read and retried in halves, which isolates the contended documents while the rest land. A single key that
 * still loses after PAGE_ATTEMPTS stays dirty for the next run, and the run goes on.
 */
async function writeKeys(deps: FlushDeps, entries: PageKey[]): Promise<{ writes: number; completions: Completion[]; failed: PageKey[] }> {
  let writes = 0;
  const completions: Completion[] = [];
  const failed: PageKey[] = [];
  let groups = entries.length ? [{ entries, attempt: 1 }] : [];
  while (groups.length) {
    const retries: typeof groups = [];
    for (const { entries: group, attempt } of groups) {
      try {
        const result = await writeGroup(deps, group);
        writes += result.writes;
        completions.push(...result.completions);
      } catch (error) {
        // Anything but a lost race means Firestore itself is failing: halving would not help, so the group is
        // retried whole and then fails the run (its keys stay dirty).
        const stale = error instanceof StaleWriteError;
        if (stale && group.length > 1) {
          const half = Math.ceil(group.length / 2);
          retries.push({ entries: group.slice(0, half), attempt: 1 }, { entries: group.slice(half), attempt: 1 });
        } else if (attempt < PAGE_ATTEMPTS) retries.push({ entries: group, attempt: attempt + 1 });
        else if (stale) failed.push(...group);
        else throw error;
      }
    }
    groups = retries;
  }
  return { writes, completions, failed };
}

async function writeGroup(deps: FlushDeps, group: PageKey[]): Promise<{ writes: number; completions: Completion[] }> {
  const stored = await deps.store.read(group.map((entry) => entry.ids));
  const writes: ProgressWrite[] = [];
  const completions: Completion[] = [];
  group.forEach(({ key, ids, hash }, index) => {
    const current = stored[index] as StoredProgress;
    const merged = mergeBuffered(current.doc, decodeProgressHash(hash), deps.completionThreshold);
    if (merged.changed) writes.push({ ...ids, doc: merged.doc, version: current.version });
    for (const lectureId of merged.newlyCompleted) completions.push({ key, ...ids, lectureId });
  });
  if (writes.length) await deps.store.write(writes);
  return { writes: writes.length, completions };
}

/** One event per run, however many keys named lectures that do not exist (a client with a stale catalogue pings many). */
function logSkipped(trigger: string, skipped: Lecture[]): void {
  const distinct = new Map(skipped.map((lecture) => [`${lecture.courseId}/${lecture.lectureId}`, lecture]));
  logs.completionsSkipped({ trigger, reason: "not_found", count: skipped.length, lectures: [...distinct.values()].slice(0, SKIPPED_LECTURES_LOGGED) });
}

async function readHashes(cache: FlushCache, keys: string[]): Promise<Record<string, string>[]> {
  const pipeline = cache.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  return ((await pipeline.exec()) as unknown[]).map(hashFromReply);
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
