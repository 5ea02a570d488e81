/**
 * The flush (DESIGN.md principle 4, docs/architecture.md "Write-behind"): drains the buffer's closed windows into
 * Firestore without losing a ping that arrives meanwhile. The work is split into parts, (shard, part) for every shard
 * and each of BUFFER_PARTITIONS parts, that share nothing: a part's worker holds only the part's lock, finds its keys
 * with one SCAN pattern, and deletes a key's fields only once Firestore has committed them. Pings of the open window
 * write fields this flush neither writes (unless `includeOpen`) nor deletes. A crash anywhere leaves the fields in
 * place: the part's next run writes them again (at-least-once; positions merge by ping time and segments are a union,
 * so rewriting is harmless).
 *
 * Production runs one part per Cloud Task (progress/flush-tasks.ts); flushNow and the tools run them all here.
 */
import * as logs from "../logs.js";
import { SCAN_COUNT } from "../adapters/redis-scan.js";
import { erasedInRedis } from "../rights/erased.js";
import type { FlushRun } from "../schemas/progress.js";
import { flushPage, type Lecture, type PageOutcome } from "./flush-page.js";
import type { FlushCache, FlushDeps } from "./flush-ports.js";
import { BUFFER_PARTITIONS, partitionPattern } from "./layout.js";
import { FLUSH_GRACE_MS, windowOf, windowStartMs } from "./window.js";

/** One part of the buffer: a shard's keys of one partition. */
export interface Part {
  shard: number;
  part: number;
}

export interface PartOptions {
  /** Also write the open window's fields (flushNow), without deleting them. */
  includeOpen?: boolean;
  /** Stop starting pages after this many keys. */
  maxKeys?: number;
  /** Names the run in the failure counts (flush-page.ts); every part of one run shares it. */
  runId: string;
  /** Stop starting pages after this long (default FLUSH_TIME_BUDGET_MS). */
  timeBudgetMs?: number;
  /** How long the part's lock outlives a worker that dies holding it (default FLUSH_LOCK_TTL_MS; beyond the time budget). */
  lockTtlMs?: number;
  /** The worker's pace, shared by the parts it flushes one after another (default: this instance's). */
  pace?: Pace;
}



/** What one part's run did: its pages' outcomes added up. */
export interface PartReport extends Part, PageOutcome {
  /** Whether the whole part was scanned (false: stopped by the time budget or maxKeys; the rest waits for the next run). */
  complete: boolean;
  durationMs: number;
}

/** Keys per page: one pipeline of HGETALLs, one getAll and one batch (Firestore: ≤ 500 writes per batch). */
export const FLUSH_PAGE_SIZE = 500;
/**
 * Pages a part flushes at once. A page mostly waits (a Redis pipeline, a getAll, a commit, the clean-up pipeline), so
 * the next page's reads overlap this page's commit. The flush's total write rate is set by how many parts run at once
 * (the task queue's maxConcurrentDispatches, progress/flush-tasks.ts), not here.
 */
export const FLUSH_PAGES_IN_FLIGHT = 2;
/**
 * Keys a worker flushes per second at most. Each is one Firestore write, so one worker stays within the 500 writes/s
 * that Firestore's 500/50/5 rule allows new traffic, and the flush's write rate is FLUSH_WORKERS × 500: the knob to
 * raise as the project's traffic ramps up (docs/benchmarks.md has the plan). Each key also costs two billed commands
 * on its shard (HGETALL, HDEL): a worker takes 1,000 of a shard's 10,000 commands/s, and parts are enqueued shard by
 * shard in turn (partsOf), so workers spread over the shards and pings keep the rest.
 */
export const FLUSH_KEYS_PER_SECOND_PER_WORKER = 500;
/** A part stops starting pages after this long, well inside its lock and its task's deadline. */
export const FLUSH_TIME_BUDGET_MS = 4 * 60_000;
/** The lock outlives the time budget plus one page, so two workers never flush one part at once. */
export const FLUSH_LOCK_TTL_MS = 5 * 60_000;
/**
 * A worker deletes its lock at the end only this long before it could have expired (and been taken by another); a
 * tenth of a shorter lock's life.
 */
const LOCK_RELEASE_MARGIN_MS = 30_000;
/** Lectures named in a run's one `progress.completions_skipped` event; the count covers the rest. */
const SKIPPED_LECTURES_LOGGED = 20;

export const flushLockKey = (part: number) => `lp:lock:flush:${String(part).padStart(2, "0")}`;

/** Waits until a worker may start a page of `keys` keys. */
export type Pace = (keys: number) => Promise<void>;

/**
 * A worker's pace: keys booked at `keysPerSecond` after those booked before, one page's worth at once when idle. Real
 * time, whatever clock the windows are computed with.
 */
export function workerPace(keysPerSecond = FLUSH_KEYS_PER_SECOND_PER_WORKER): Pace {
  let bookedUntil = Number.NEGATIVE_INFINITY;
  return async (keys) => {
    const now = performance.now();
    bookedUntil = Math.max(bookedUntil, now - (FLUSH_PAGE_SIZE / keysPerSecond) * 1_000) + (keys / keysPerSecond) * 1_000;
    if (bookedUntil > now) await new Promise((resolve) => setTimeout(resolve, bookedUntil - now));
  };
}

/** This instance's pace: a Cloud Functions instance flushes one part at a time (concurrency 1), one after another. */
const instancePace = workerPace();

export class FlushLockedError extends Error {
  override name = "FlushLockedError";
}

/** The newest window that closed a grace period ago: the flush writes and deletes it and every older one. */
export function drainableUpTo(nowMs: number, windowMs: number, graceMs = FLUSH_GRACE_MS): number {
  return windowOf(nowMs - graceMs, windowMs) - 1;
}

/** Flushes one part under its lock. Throws FlushLockedError when another worker holds it (the task is retried). */
export async function flushPart(deps: FlushDeps, { shard, part }: Part, options: PartOptions): Promise<PartReport> {
  const cache = deps.caches[shard];
  if (!cache) throw new Error(`No Upstash client for shard ${shard}`);
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const lockKey = flushLockKey(part);
  const token = `${options.runId}-${Math.random().toString(36).slice(2)}`;
  const lockTtlMs = options.lockTtlMs ?? FLUSH_LOCK_TTL_MS;
  const locked = await cache.set(lockKey, token, { nx: true, px: lockTtlMs }).catch(async (error: unknown) => {
    // A SET that timed out may still have taken the lock: left alone it would block this part until it expires.
    await releaseIfOurs(cache, lockKey, token);
    throw error;
  });
  if (locked !== "OK") throw new FlushLockedError(`Part ${shard}/${part} is being flushed`);
  try {
    const scope = {
      drainUpTo: drainableUpTo(startedAt, deps.windowMs, deps.graceMs),
      includeOpen: options.includeOpen ?? false,
      runId: options.runId,
      erased: await erasedInRedis(cache),
    };
    const budgetMs = options.timeBudgetMs ?? FLUSH_TIME_BUDGET_MS;
    const report: PartReport = { shard, part, keys: 0, writes: 0, failedKeys: 0, quarantinedKeys: 0, erasedKeys: 0, skipped: [], dropped: [], complete: true, durationMs: 0 };
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    let scanned = 0;
    const buffer: string[] = [];
    let cursor = "0";
    const pace = options.pace ?? instancePace;
    const startPage = async (keys: string[]) => {
      await pace(keys.length);
      scanned += keys.length;
      const page = flushPage(deps, cache, keys, scope).then(
        (done) => addPage(report, done),
        (error: unknown) => void (failure ??= { error }),
      );
      inFlight.add(page);
      void page.finally(() => inFlight.delete(page));
    };
    const atLimit = () => options.maxKeys !== undefined && scanned >= options.maxKeys;
    do {
      if (now() - startedAt > budgetMs) {
        report.complete = false;
        break;
      }
      const [next, found] = await cache.scan(cursor, { match: partitionPattern(part), count: SCAN_COUNT });
      cursor = String(next);
      buffer.push(...found.map(String));
      // SCAN may return a key twice; a page of duplicates would only write it twice, but a set keeps pages honest.
      while (!failure && !atLimit() && (buffer.length >= FLUSH_PAGE_SIZE || (cursor === "0" && buffer.length))) {
        await startPage([...new Set(buffer.splice(0, pageSize(options.maxKeys, scanned)))]);
        if (inFlight.size >= FLUSH_PAGES_IN_FLIGHT) await Promise.race(inFlight);
      }
      if (atLimit()) {
        report.complete = !buffer.length && cursor === "0";
        break;
      }
    } while (!failure && cursor !== "0");
    await Promise.all(inFlight);
    if (failure) throw failure.error;
    report.durationMs = now() - startedAt;
    return report;
  } finally {
    // Delete the lock only while it is certainly still ours (no Lua compare-and-delete needed); otherwise it expires.
    if (now() - startedAt < lockTtlMs - Math.min(LOCK_RELEASE_MARGIN_MS, lockTtlMs / 10)) await cache.del(lockKey).catch(() => undefined);
  }
}

function pageSize(maxKeys: number | undefined, scanned: number): number {
  return maxKeys === undefined ? FLUSH_PAGE_SIZE : Math.max(0, Math.min(FLUSH_PAGE_SIZE, maxKeys - scanned));
}

function addPage(report: PartReport, page: PageOutcome): void {
  report.keys += page.keys;
  report.writes += page.writes;
  report.failedKeys += page.failedKeys;
  report.quarantinedKeys += page.quarantinedKeys;
  report.erasedKeys += page.erasedKeys;
  report.skipped.push(...page.skipped);
  report.dropped.push(...page.dropped);
  if (page.oldestFailedWindow !== undefined) report.oldestFailedWindow = Math.min(report.oldestFailedWindow ?? Infinity, page.oldestFailedWindow);
}

/** Deletes the lock if it holds this run's token (best effort: GET then DEL, no Lua; the token is unique). */
async function releaseIfOurs(cache: FlushCache, lockKey: string, token: string): Promise<void> {
  try {
    if ((await cache.get(lockKey)) === token) await cache.del(lockKey);
  } catch {
    // Redis is still out of reach: the lock expires on its own (FLUSH_LOCK_TTL_MS).
  }
}

/** Every part of the given shards, shard by shard in turn (part 0 of each, then part 1, ...), so that workers taking them in order spread over the shards. */
export function partsOf(shards: readonly number[]): Part[] {
  return Array.from({ length: BUFFER_PARTITIONS }, (_, part) => shards.map((shard) => ({ shard, part }))).flat();
}

export interface FlushAllOptions extends Omit<PartOptions, "runId"> {
  /** Parts flushed at once in this process. */
  concurrency?: number;
  /** How long to wait for a part another worker holds before giving up with FlushLockedError. @default 0 */
  lockWaitMs?: number;
  /** Who asked, for the report. */
  trigger?: "schedule" | "flushNow" | "task";
  runId?: string;
}

/** Parts flushed at once by flushAll: each mostly waits on Redis and Firestore. */
export const FLUSH_PARTS_IN_PROCESS = 4;

/** Flushes every part of `shards` in this process (flushNow, tools) and aggregates the run. */
export async function flushAll(deps: FlushDeps, shards: readonly number[], options: FlushAllOptions = {}): Promise<FlushRun> {
  const now = deps.now ?? Date.now;
  const startedAt = now();
  const runId = options.runId ?? `${startedAt}-${Math.random().toString(36).slice(2, 8)}`;
  const queue = partsOf(shards);
  // maxKeys bounds the whole run: each part takes its share.
  const perPart = options.maxKeys === undefined ? {} : { maxKeys: Math.max(1, Math.ceil(options.maxKeys / queue.length)) };
  const reports: PartReport[] = [];
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    const pace = workerPace(); // each of this process's workers keeps a worker's pace
    for (let next = queue.shift(); next && !failure; next = queue.shift()) {
      const part = next;
      const deadline = now() + (options.lockWaitMs ?? 0);
      for (;;) {
        try {
          reports.push(await flushPart(deps, part, { ...options, ...perPart, runId, pace }));
          break;
        } catch (error) {
          if (!(error instanceof FlushLockedError) || now() >= deadline) {
            failure ??= { error };
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? FLUSH_PARTS_IN_PROCESS }, worker));
  if (failure) throw failure.error;
  const run = aggregateParts(reports.map(summarize), { nowMs: now(), windowMs: deps.windowMs, durationMs: now() - startedAt });
  logOutcasts(options.trigger ?? "schedule", reports);
  return run;
}

/** A run's report from its parts' reports (flushAll here; the task workers' reports in flush-tasks.ts). */
export function aggregateParts(parts: readonly PartSummary[], context: { nowMs: number; windowMs: number; durationMs: number }): FlushRun {
  const sum = (field: keyof PartSummary) => parts.reduce((total, part) => total + Number(part[field] ?? 0), 0);
  const oldest = Math.min(...parts.map((part) => part.oldestFailedWindow ?? Infinity));
  return {
    keys: sum("keys"),
    writes: sum("writes"),
    failedKeys: sum("failedKeys"),
    quarantinedKeys: sum("quarantinedKeys"),
    erasedKeys: sum("erasedKeys"),
    skippedCompletions: sum("skippedCompletions"),
    droppedLectures: sum("droppedLectures"),
    remainingDirty: sum("failedKeys"),
    incompleteParts: parts.filter((part) => !part.complete).length,
    durationMs: context.durationMs,
    oldestDirtyAgeSeconds: Number.isFinite(oldest) ? Math.max(0, Math.round((context.nowMs - windowStartMs(oldest, context.windowMs)) / 1000)) : 0,
  };
}

/** A part's report as stored for the run (counts, not lecture lists). */
export interface PartSummary {
  keys: number;
  writes: number;
  failedKeys: number;
  quarantinedKeys: number;
  erasedKeys: number;
  skippedCompletions: number;
  droppedLectures: number;
  complete: boolean;
  oldestFailedWindow?: number;
  durationMs: number;
}

export function summarize(report: PartReport): PartSummary {
  return {
    keys: report.keys,
    writes: report.writes,
    failedKeys: report.failedKeys,
    quarantinedKeys: report.quarantinedKeys,
    erasedKeys: report.erasedKeys,
    skippedCompletions: report.skipped.length,
    droppedLectures: report.dropped.length,
    complete: report.complete,
    ...(report.oldestFailedWindow !== undefined ? { oldestFailedWindow: report.oldestFailedWindow } : {}),
    durationMs: report.durationMs,
  };
}

/** One event per run (or part) for completions skipped and lectures dropped, however many keys named them. */
export function logOutcasts(trigger: string, reports: readonly PartReport[]): void {
  const skipped = reports.flatMap((report) => report.skipped);
  const dropped = reports.flatMap((report) => report.dropped);
  if (skipped.length) logs.completionsSkipped({ trigger, reason: "not_found", count: skipped.length, lectures: distinct(skipped) });
  if (dropped.length) logs.lecturesDropped({ trigger, count: dropped.length, lectures: distinct(dropped) });
}

function distinct(lectures: Lecture[]): Lecture[] {
  return [...new Map(lectures.map((lecture) => [`${lecture.courseId}/${lecture.lectureId}`, lecture])).values()].slice(0, SKIPPED_LECTURES_LOGGED);
}
