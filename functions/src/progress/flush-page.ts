/**
 * One page of a flush: the dirty keys' hashes read with one pipeline, their merged progress written in conditional
 * batches, the completions they reached, and, once Firestore has committed, the clean-up of the window's fields and
 * marks (progress/flush.ts drives the pages).
 */
import { hashFromReply } from "../adapters/upstash.js";
import * as logs from "../logs.js";
import { decodeProgressHash, dirtyKey, fieldsUpToWindow, parseProgressKey } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { StaleWriteError, type FlushCache, type FlushDeps, type ProgressWrite, type StoredProgress } from "./flush-ports.js";

/** How often a single key is re-read and re-written when its write lost a precondition race or failed. */
export const PAGE_ATTEMPTS = 3;

/** Runs in a row whose write of a key failed (for a reason of its own, not a lost race) before it is quarantined. */
export const QUARANTINE_AFTER_RUNS = 3;

/**
 * The hash field that counts a key's failed runs: `{count}:{runId}`, so that a key in several dirty windows counts
 * once per run. Not a window's field (it does not start with a window number): the decoder and the clean-up of a
 * window pass it by; a successful write deletes it.
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

/** A dirty key of a page, with what Redis holds for it. */
interface PageKey {
  key: string;
  ids: { uid: string; courseId: string };
  hash: Record<string, string>;
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
  writes: number;
  failedKeys: number;
  quarantinedKeys: number;
  skipped: Lecture[];
  dropped: Lecture[];
}

/**
 * One page: read the hashes (one pipeline), write the documents (getAll + batches), then clean up. A key that fails
 * for a reason of its own never holds up the others; after QUARANTINE_AFTER_RUNS runs its fields move to the
 * quarantine. Only a failure of Firestore itself, or every key of a page failing, fails the page (and the run).
 */
export async function flushPage(deps: FlushDeps, keys: string[], window: number, drainable: boolean, runId: string): Promise<PageOutcome> {
  const parsed = keys.map((key) => ({ key, ids: parseProgressKey(key) }));
  const valid = parsed.filter((entry): entry is { key: string; ids: { uid: string; courseId: string } } => !!entry.ids);
  const hashes = valid.length ? await readHashes(deps.cache, valid.map((entry) => entry.key)) : [];
  const written = await writeKeys(deps, valid.map((entry, index) => ({ ...entry, hash: hashes[index] ?? {} })));
  const ownFailures = written.failed.filter((entry) => entry.error !== undefined);
  // Every key failing at once is Firestore (or a deploy), not the keys: quarantining them all would empty the buffer.
  if (valid.length > 1 && ownFailures.length === valid.length) throw ownFailures[0]?.error;

  const failed = new Set(written.failed.map((entry) => entry.key));
  const quarantined = await countFailures(deps, ownFailures, window, drainable, runId);
  for (const key of quarantined) failed.delete(key);
  const skipped: Lecture[] = [];
  for (const { key, uid, courseId, lectureId, atMs } of written.completions) {
    const outcome = await deps.complete(uid, courseId, lectureId, atMs).catch(() => void failed.add(key));
    if (outcome === "not_found") skipped.push({ courseId, lectureId });
  }
  if (drainable) {
    // Un-mark malformed keys too: nothing valid could ever be flushed from them. A quarantined key's fields are in
    // the quarantine now, so it is cleaned up like a written one; a written key forgets its failed runs.
    const done = parsed.filter((entry) => !failed.has(entry.key)).map((entry) => entry.key);
    const pipeline = deps.cache.pipeline();
    valid.forEach(({ key }, index) => {
      const hash = hashes[index] ?? {};
      const fields = [...fieldsUpToWindow(hash, window), ...(FAILURE_FIELD in hash ? [FAILURE_FIELD] : [])];
      if (!failed.has(key) && fields.length) pipeline.hdel(key, ...fields);
    });
    if (done.length) pipeline.srem(dirtyKey(window), ...done);
    if (pipeline.length()) await pipeline.exec();
  }
  return { writes: written.writes, failedKeys: failed.size, quarantinedKeys: quarantined.size, skipped, dropped: written.dropped };
}

/**
 * Counts a run's failure on each key that failed for a reason of its own (one HSET each), and quarantines those that
 * have failed QUARANTINE_AFTER_RUNS runs in a row: their fields of this window and before go to the quarantine, to be
 * cleaned up from the buffer like written ones. Answers the keys quarantined.
 */
async function countFailures(deps: FlushDeps, keys: FailedKey[], window: number, drainable: boolean, runId: string): Promise<Set<string>> {
  const quarantined = new Set<string>();
  if (!keys.length) return quarantined;
  const pipeline = deps.cache.pipeline();
  for (const { key, ids, hash, error } of keys) {
    const [count = "0", lastRun] = (hash[FAILURE_FIELD] ?? "").split(":");
    const failures = lastRun === runId ? Number(count) : Number(count) + 1;
    if (drainable && failures >= QUARANTINE_AFTER_RUNS) {
      const fields = Object.fromEntries(fieldsUpToWindow(hash, window).map((field) => [field, hash[field] as string]));
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
    pipeline.hset(key, { [FAILURE_FIELD]: `${failures}:${runId}` });
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
