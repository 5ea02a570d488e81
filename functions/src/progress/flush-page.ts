/**
 * One page of a flush: the dirty keys' hashes read with one pipeline, their merged progress written in conditional
 * batches, the completions they reached, and, once Firestore has committed, the clean-up of the window's fields and
 * marks (progress/flush.ts drives the pages).
 */
import { hashFromReply } from "../adapters/upstash.js";
import { decodeProgressHash, dirtyKey, fieldsUpToWindow, parseProgressKey } from "./layout.js";
import { mergeBuffered } from "./merge.js";
import { StaleWriteError, type FlushCache, type FlushDeps, type ProgressWrite, type StoredProgress } from "./flush-ports.js";

/** How often a single key is re-read and re-written when its write lost a precondition race or failed. */
export const PAGE_ATTEMPTS = 3;

/** A lecture named by a completion that could not be made (see FlushDeps.complete). */
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

interface Completion {
  key: string;
  uid: string;
  courseId: string;
  lectureId: string;
  /** The ping time of the lecture's newest buffered ping: the completion's day. */
  atMs: number;
}

/** One page: read the hashes (one pipeline), write the documents (getAll + batches), then clean up. */
export async function flushPage(
  deps: FlushDeps,
  keys: string[],
  window: number,
  drainable: boolean,
): Promise<{ writes: number; failedKeys: number; skipped: Lecture[]; dropped: Lecture[] }> {
  const parsed = keys.map((key) => ({ key, ids: parseProgressKey(key) }));
  const valid = parsed.filter((entry): entry is { key: string; ids: { uid: string; courseId: string } } => !!entry.ids);
  const hashes = valid.length ? await readHashes(deps.cache, valid.map((entry) => entry.key)) : [];
  const written = await writeKeys(deps, valid.map((entry, index) => ({ ...entry, hash: hashes[index] ?? {} })));

  const failed = new Set(written.failed.map((entry) => entry.key));
  const skipped: Lecture[] = [];
  for (const { key, uid, courseId, lectureId, atMs } of written.completions) {
    const outcome = await deps.complete(uid, courseId, lectureId, atMs).catch(() => void failed.add(key));
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
  return { writes: written.writes, failedKeys: failed.size, skipped, dropped: written.dropped };
}

/**
 * Writes the keys' merged progress. A batch is all-or-nothing, so one document that changed since the read (a
 * completion, a degraded ping: the update-time precondition) fails every write of it; a failed group is therefore
 * re-read and retried in halves, which isolates the contended documents while the rest land. A single key that
 * still loses after PAGE_ATTEMPTS stays dirty for the next run, and the run goes on.
 */
async function writeKeys(
  deps: FlushDeps,
  entries: PageKey[],
): Promise<{ writes: number; completions: Completion[]; dropped: Lecture[]; failed: PageKey[] }> {
  let writes = 0;
  const completions: Completion[] = [];
  const dropped: Lecture[] = [];
  const failed: PageKey[] = [];
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
