/**
 * The flush's ports (STYLE rule 3): what it needs of Upstash and of Firestore, and the rest of its dependencies, so
 * that tests can hand it real clients, counting proxies or stores that misbehave on purpose.
 */
import type { Redis } from "@upstash/redis";
import type { ProgressDoc } from "../schemas/progress.js";
import type { CompletionOutcome } from "./complete.js";

export type FlushCache = Pick<Redis, "set" | "get" | "del" | "scan" | "pipeline" | "zrange">;

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

/** A key the flush gave up on (flush-page.ts, QUARANTINE_AFTER_RUNS): its buffered fields, kept for replayQuarantine. */
export interface QuarantinedKey {
  uid: string;
  courseId: string;
  /** The Redis hash fields moved out of the buffer, as they were. */
  fields: Record<string, string>;
  error: string;
  failures: number;
}

/** A batch lost a race: a document it writes changed (or was created) since it was read. */
export class StaleWriteError extends Error {}

/** The Firestore port of the flush: batched reads and conditional batched writes. */
export interface FlushStore {
  read(refs: { uid: string; courseId: string }[]): Promise<StoredProgress[]>;
  /** Commits all writes or none of a batch; rejects with StaleWriteError when a precondition failed. Answers the commits made. */
  write(writes: ProgressWrite[]): Promise<number>;
  /** Keeps a key's buffered fields in `_sync/writeBehind/quarantine` (merged into what is kept there already). */
  quarantine(key: QuarantinedKey): Promise<void>;
}

export interface FlushDeps {
  /** The Upstash client of each shard the flush drains, by shard number. */
  caches: readonly FlushCache[];
  store: FlushStore;
  windowMs: number;
  completionThreshold: number;
  /**
   * Completes a lecture exactly as completeLecture does, on the day of `atMs` (the ping that crossed the threshold) in
   * the user's time zone. "not_found" (the lecture left the catalogue since it was read) is final: the progress is
   * stored uncompleted and the key drained. A rejection is transient: the key stays dirty for the next run.
   */
  complete: (uid: string, courseId: string, lectureId: string, atMs: number) => Promise<CompletionOutcome>;
  /**
   * The ids of a course's lectures (empty when the course does not exist): the flush stores progress only for
   * these. Called once per course and page; production memoizes it for the run.
   */
  catalogue: (courseId: string) => Promise<ReadonlySet<string>>;
  now?: () => number;
  /** How long after its end a window is left alone (default FLUSH_GRACE_MS). */
  graceMs?: number;
}
