/**
 * One page of a flush: the keys' hashes read with one pipeline, their merged progress written in conditional batches,
 * the completions they reached, and, once Firestore has committed, the deletion of exactly the fields that were
 * written (progress/flush.ts drives the pages of a part).
 */
import { hashFromReply } from "../adapters/upstash.js";
import * as logs from "../logs.js";
import { decodeProgressHash, fieldsUpToWindow, parseBufferKey } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { StaleWriteError, type FlushCache, type FlushDeps, type ProgressWrite, type StoredProgress } from "./flush-ports.js";

/** How often a single key is re-read and re-written when its write lost a precondition race or failed. */
export const PAGE_ATTEMPTS = 3;

/** Runs in a row whose write of a key failed (for a reason of its own, not a lost race) before it is quarantined. */
export const QUARANTINE_AFTER_RUNS = 3;

/**
 * The hash field that counts a key's failed runs: `{count}:{runId}`, so that a key counts once per run. Not a
 * window's field (it does not start with a window number): the decoder and the selection of fields pass it by; a
 * successful write deletes it. It never keeps a key alive alone: it is written only beside fields that failed.
 */
export const FAILURE_FIELD = "failed";

/**
 * gRPC codes with which Firestore refuses one document (INVALID_ARGUMENT: too large, too many index entries;
 * NOT_FOUND; OUT_OF_RANGE): isolated down to the key. Lost races (FAILED_PRECONDITION, ALREADY_EXISTS) are
 * StaleWriteErrors. Any other status (UNAVAILABLE, DEADLINE_EXCEEDED, PERMISSION_DENIED, ...) or a socket error says
 * Firestore itself is failing: retried whole, then the run fails (keys stay dirty); halving would not help.
 */
const KEY_CODES = new Set([3, 5, 11]);

function isSystemic(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" || (typeof code === "number" && !KEY_CODES.has(code));
}

/** A lecture named by a completion that could not be made (see FlushDeps.complete), or left out of the catalogue. */
export interface Lecture {
  courseId: string;
  lectureId: string;
}

/** A key of a page, with the fields of it this run writes (`hash`) and its failure count. */
interface PageKey {
  key: string;
  ids: { uid: string; courseId: string };
  hash: Record<string, string>;
  failures: string | undefined;
}

/** A key whose write still failed after PAGE_ATTEMPTS; `error` when for a reason of its own (not a lost race). */
interface FailedKey extends PageKey {
  error?: unknown;
}

interface Completion {
  key: string;
  uid: string;
  courseId: string;
  lectureId: string;
  /** The ping time of the lecture's newest buffered ping: the completion's day. */
  atMs: number;
}

export interface PageOutcome {
  /** Keys with fields to write (a key holding only the open window's is passed by unless `includeOpen`). */
  keys: number;
  writes: number;
  failedKeys: number;
  quarantinedKeys: number;
  /** Keys of erased learners, deleted unwritten (rights/erased.ts). */
  erasedKeys: number;
  skipped: Lecture[];
  dropped: Lecture[];
  /** The oldest window of a key left in the buffer (failed), if any. */
  oldestFailedWindow?: number;
}

export interface PageScope {
  /** The newest closed window: its fields and older ones are written and then deleted. */
  drainUpTo: number;
  /** Also write the open window's fields (flushNow); they are not deleted, so the window's next flush writes them again. */
  includeOpen: boolean;
  runId: string;
  /** Learners erased lately: their keys are deleted, never written (a ping that raced the erasure). */
  erased: ReadonlySet<string>;
}

/** Completions a page runs at once: each is a Firestore transaction on a different user, so they rarely contend. */
export const COMPLETIONS_IN_FLIGHT = 8;

/**
 * One page: read the hashes (one pipeline), write the documents (getAll + batches), then clean up. A key that fails
 * for a reason of its own never holds up the others; after QUARANTINE_AFTER_RUNS runs its fields move to the
 * quarantine. Only a failure of Firestore itself, or every key of a page failing, fails the page (and the part).
 */
export async function flushPage(deps: FlushDeps, cache: FlushCache, keys: string[], scope: PageScope): Promise<PageOutcome> {
  const parsed = keys.map((key) => ({ key, ids: parseBufferKey(key) }));
  const erasedKeys = parsed.filter((entry) => entry.ids && scope.erased.has(entry.ids.uid)).map((entry) => entry.key);
  const valid = parsed.filter((entry): entry is { key: string; ids: { uid: string; courseId: string; part: number } } => !!entry.ids && !scope.erased.has(entry.ids.uid));
  const hashes = valid.length ? await readHashes(cache, valid.map((entry) => entry.key)) : [];
  const work: PageKey[] = [];
  valid.forEach(({ key, ids }, index) => {
    const hash = hashes[index] ?? {};
    const fields = fieldsUpToWindow(hash, scope.includeOpen ? Number.MAX_SAFE_INTEGER : scope.drainUpTo);
    if (fields.length) work.push({ key, ids: { uid: ids.uid, courseId: ids.courseId }, hash: pick(hash, fields), failures: hash[FAILURE_FIELD] });
  });
  // A malformed key cannot come from the product (ids are validated); it is deleted so that it is not scanned forever.
  const malformed = parsed.filter((entry) => !entry.ids).map((entry) => entry.key);

  const written = await writeKeys(deps, work);
  const ownFailures = written.failed.filter((entry) => entry.error !== undefined);
  // Every key failing at once is Firestore (or a deploy), not the keys: quarantining them all would empty the buffer.
  if (work.length > 1 && ownFailures.length === work.length) throw ownFailures[0]?.error;

  const failed = new Map(written.failed.map((entry) => [entry.key, entry]));
  const quarantined = await countFailures(deps, cache, ownFailures, scope);
  for (const key of quarantined) failed.delete(key);
  const skipped: Lecture[] = [];
  await inParallel(written.completions, COMPLETIONS_IN_FLIGHT, async ({ key, uid, courseId, lectureId, atMs }) => {
    const outcome = await deps.complete(uid, courseId, lectureId, atMs).catch(() => {
      const entry = work.find((candidate) => candidate.key === key);
      if (entry) failed.set(key, entry);
    });
    if (outcome === "not_found") skipped.push({ courseId, lectureId });
  });

  // Delete exactly the fields read and written (a late HSET into the same window since the read stays for the next
  // run), of closed windows only; a quarantined key's fields are in the quarantine now; a written key forgets its
  // failed runs.
  const pipeline = cache.pipeline();
  for (const { key, hash, failures } of work) {
    if (failed.has(key)) continue;
    const fields = [...fieldsUpToWindow(hash, scope.drainUpTo), ...(failures !== undefined ? [FAILURE_FIELD] : [])];
    if (fields.length) pipeline.hdel(key, ...fields);
  }
  if (malformed.length || erasedKeys.length) pipeline.del(...malformed, ...erasedKeys);
  if (pipeline.length()) await pipeline.exec();
  const failedWindows = [...failed.values()].flatMap((entry) => decodeProgressHash(entry.hash).windows);
  return {
    keys: work.length,
    writes: written.writes,
    failedKeys: failed.size,
    quarantinedKeys: quarantined.size,
    erasedKeys: erasedKeys.length,
    skipped,
    dropped: written.dropped,
    ...(failedWindows.length ? { oldestFailedWindow: Math.min(...failedWindows) } : {}),
  };
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function pick(hash: Record<string, string>, fields: string[]): Record<string, string> {
  return Object.fromEntries(fields.map((field) => [field, hash[field] as string]));
}

/**
 * Counts a run's failure on each key that failed for a reason of its own (one HSET each), and quarantines those that
 * have failed QUARANTINE_AFTER_RUNS runs in a row: their fields of closed windows go to the quarantine, to be cleaned
 * up from the buffer like written ones. Answers the keys quarantined.
 */
async function countFailures(deps: FlushDeps, cache: FlushCache, keys: FailedKey[], scope: PageScope): Promise<Set<string>> {
  const quarantined = new Set<string>();
  if (!keys.length) return quarantined;
  const pipeline = cache.pipeline();
  for (const { key, ids, hash, failures: counted, error } of keys) {
    const [count = "0", lastRun] = (counted ?? "").split(":");
    const failures = lastRun === scope.runId ? Number(count) : Number(count) + 1;
    const closed = fieldsUpToWindow(hash, scope.drainUpTo);
    if (closed.length && failures >= QUARANTINE_AFTER_RUNS) {
      const fields = pick(hash, closed);
      const reason = error instanceof Error ? error.message : String(error);
      try {
        await deps.store.quarantine({ ...ids, fields, error: reason.slice(0, 500), failures });
        quarantined.add(key);
        logs.keyQuarantined({ ...ids, failures, fields: Object.keys(fields).length, error });
        continue;
      } catch (quarantineError) {
        // Not kept anywhere else: the key stays dirty with its fields, and the next run tries again.
        logs.quarantineFailed({ ...ids, error: quarantineError });
      }
    }
    pipeline.hset(key, { [FAILURE_FIELD]: `${failures}:${scope.runId}` });
  }
  if (pipeline.length()) await pipeline.exec();
  return quarantined;
}

/**
 * Writes the keys' merged progress. A batch is all-or-nothing, so one document that changed since the read (a
 * completion, a degraded ping: the update-time precondition) or that Firestore refuses (too large, say) fails every
 * write of it; a failed group is therefore re-read and retried in halves, which isolates that document while the rest
 * land. A single key that still fails after PAGE_ATTEMPTS stays dirty for the next run, and the run goes on. A
 * failure of Firestore itself (isSystemic) is retried whole, then fails the page.
 */
async function writeKeys(
  deps: FlushDeps,
  entries: PageKey[],
): Promise<{ writes: number; completions: Completion[]; dropped: Lecture[]; failed: FailedKey[] }> {
  let writes = 0;
  const completions: Completion[] = [];
  const dropped: Lecture[] = [];
  const failed: FailedKey[] = [];
  let groups = entries.length ? [{ entries, attempt: 1 }] : [];
  while (groups.length) {
    const retries: typeof groups = [];
    for (const { entries: group, attempt } of groups) {
      try {
        const result = await writeGroup(deps, group);
        writes += result.writes;
        completions.push(...result.completions);
        dropped.push(...result.dropped);
      } catch (error) {
        const stale = error instanceof StaleWriteError;
        if (!stale && isSystemic(error)) {
          if (attempt < PAGE_ATTEMPTS) retries.push({ entries: group, attempt: attempt + 1 });
          else throw error;
        } else if (group.length > 1) {
          const half = Math.ceil(group.length / 2);
          retries.push({ entries: group.slice(0, half), attempt: 1 }, { entries: group.slice(half), attempt: 1 });
        } else if (attempt < PAGE_ATTEMPTS) retries.push({ entries: group, attempt: attempt + 1 });
        else failed.push(...group.map((entry) => (stale ? entry : { ...entry, error })));
      }
    }
    groups = retries;
  }
  return { writes, completions, dropped, failed };
}

async function writeGroup(deps: FlushDeps, group: PageKey[]): Promise<{ writes: number; completions: Completion[]; dropped: Lecture[] }> {
  const courseIds = [...new Set(group.map((entry) => entry.ids.courseId))];
  const [stored, catalogues] = await Promise.all([
    deps.store.read(group.map((entry) => entry.ids)),
    Promise.all(courseIds.map(async (courseId) => [courseId, await deps.catalogue(courseId)] as const)).then((entries) => new Map(entries)),
  ]);
  const writes: ProgressWrite[] = [];
  const completions: Completion[] = [];
  const dropped: Lecture[] = [];
  group.forEach(({ key, ids, hash }, index) => {
    const current = stored[index] as StoredProgress;
    const buffered = decodeProgressHash(hash);
    const merged = mergeBuffered(current.doc, buffered, deps.completionThreshold, catalogues.get(ids.courseId));
    if (merged.changed) writes.push({ ...ids, doc: merged.doc, version: current.version });
    for (const lectureId of merged.newlyCompleted) {
      completions.push({ key, ...ids, lectureId, atMs: buffered.lectures.get(lectureId)?.positionAtMs ?? Date.now() });
    }
    for (const lectureId of merged.dropped) dropped.push({ courseId: ids.courseId, lectureId });
  });
  if (writes.length) await deps.store.write(writes);
  return { writes: writes.length, completions, dropped };
}

async function readHashes(cache: FlushCache, keys: string[]): Promise<Record<string, string>[]> {
  const pipeline = cache.pipeline();
  for (const key of keys) pipeline.hgetall(key);
  return ((await pipeline.exec()) as unknown[]).map(hashFromReply);
}
