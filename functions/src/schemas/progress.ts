/** Progress payloads and the stored progress document (API.md "Progress"). */
import { z } from "zod";
import { EmptyRequest, Id } from "./common.js";

/** The longest lecture position or duration accepted: one day, in seconds (API.md). */
export const MAX_SECONDS = 86_400;
/** At most this many played ranges per ping (API.md). */
export const MAX_SEGMENTS = 100;

const Seconds = z.number().min(0).max(MAX_SECONDS);
const PlayedSegment = z
  .tuple([Seconds, Seconds])
  .refine(([start, end]) => start < end, { message: "start must be before end" });

export const SaveProgressRequest = z
  .strictObject({
    courseId: Id,
    lectureId: Id,
    position: Seconds,
    duration: z.number().positive().max(MAX_SECONDS).optional(),
    playedSegments: z.array(PlayedSegment).max(MAX_SEGMENTS).optional(),
  })
  .superRefine((ping, ctx) => {
    if (ping.duration === undefined) return;
    ping.playedSegments?.forEach(([, end], index) => {
      if (end > (ping.duration as number)) {
        ctx.addIssue({ code: "custom", path: ["playedSegments", index, 1], message: "must be within duration" });
      }
    });
  });
export type SaveProgressRequest = z.infer<typeof SaveProgressRequest>;

export const CompleteLectureRequest = z.strictObject({ courseId: Id, lectureId: Id });
export type CompleteLectureRequest = z.infer<typeof CompleteLectureRequest>;

export const GetProgressRequest = z.strictObject({ courseId: Id });
export type GetProgressRequest = z.infer<typeof GetProgressRequest>;

export const GetCourseProgressRequest = EmptyRequest;

export const FlushNowRequest = z.strictObject({ maxKeys: z.number().int().positive().max(1_000_000).optional() });
export type FlushNowRequest = z.infer<typeof FlushNowRequest>;

/**
 * `users/{uid}/progress/{courseId}`. Firestore cannot store nested arrays, so segments are flat
 * `[start0, end0, start1, end1, ...]` per lecture.
 */
export const ProgressDoc = z.object({
  watchTimes: z.record(z.string(), z.number()).default({}),
  /** Ping time (ms) of each stored position: a flush or a degraded write never puts an older position over a newer one. */
  positionAt: z.record(z.string(), z.number()).default({}),
  durations: z.record(z.string(), z.number()).default({}),
  segments: z.record(z.string(), z.array(z.number())).default({}),
  coverage: z.record(z.string(), z.number()).default({}),
  completedLectures: z.array(z.string()).default([]),
  /** Quizzes of this course the learner passed (quizzes/record.ts): they count toward completion like lectures. */
  passedQuizzes: z.array(z.string()).default([]),
  lastWatchedLecture: z.string().nullable().default(null),
  lastWatchedAt: z.number().default(0),
  completionPercentage: z.number().default(0),
});
export type ProgressDoc = z.infer<typeof ProgressDoc>;

/**
 * The bound on a progress document, far inside Firestore's 1 MiB and 40,000 index entries: what it reaches with every
 * field at its maximum (MAX_LECTURES_PER_COURSE lectures with 128-character ids, MAX_STORED_SEGMENTS segments each,
 * all completed) is about 225 KB and 208 entries (the maps are exempt from indexing: firestore.indexes.json). The
 * flush stores only catalogued lectures, so a client cannot push it further. Checked by bounded-document.integration.test.ts.
 */
export const MAX_PROGRESS_DOCUMENT_BYTES = 256 * 1024;
export const MAX_PROGRESS_INDEX_ENTRIES = 5_000;

export const GetProgressResponse = z.strictObject({
  courseId: Id,
  watchTimes: z.record(z.string(), z.number()),
  coverage: z.record(z.string(), z.number().min(0).max(1)),
  completedLectures: z.array(Id),
  lastWatchedLecture: Id.nullable(),
  completionPercentage: z.number().min(0).max(100),
  totalLectures: z.number().int().nonnegative(),
  passedQuizzes: z.array(z.string()),
  totalQuizzes: z.number().int().nonnegative(),
});
export type GetProgressResponse = z.infer<typeof GetProgressResponse>;

export const CourseProgressSummary = z.strictObject({
  courseId: Id,
  completionPercentage: z.number(),
  lastWatchedLecture: Id.nullable(),
  updatedAt: z.string().nullable(),
});
export type CourseProgressSummary = z.infer<typeof CourseProgressSummary>;

export interface FlushReport {
  keys: number;
  writes: number;
  durationMs: number;
  remainingDirty: number;
}

/** What one flush run did: flushNow answers its FlushReport part; `_sync/writeBehind` and the log event hold it all. */
export interface FlushRun extends FlushReport {
  oldestDirtyAgeSeconds: number;
  failedKeys: number;
  /** Completions due that could not be made because the course or lecture does not exist. */
  skippedCompletions: number;
  /** Buffered lectures left out because their course's catalogue does not hold them (never stored). */
  droppedLectures: number;
  /** Keys whose write failed in QUARANTINE_AFTER_RUNS runs in a row, moved to the quarantine by this run. */
  quarantinedKeys: number;
  /** Keys of erased learners (pings that raced their erasure), deleted unwritten. */
  erasedKeys: number;
  /** Parts not scanned to the end (time budget or maxKeys): their remaining keys wait for the next run. */
  incompleteParts: number;
}

/** `_sync/writeBehind/quarantine/{uid}:{courseId}`: a key's buffered fields the flush gave up on (replayQuarantine). */
export const QuarantineDoc = z.object({
  uid: Id,
  courseId: Id,
  fields: z.record(z.string(), z.string()),
  error: z.string(),
  failures: z.number(),
});
export type QuarantineDoc = z.infer<typeof QuarantineDoc>;

export const ReplayQuarantineRequest = z.strictObject({ limit: z.number().int().min(1).max(1_000).optional() });
export type ReplayQuarantineRequest = z.infer<typeof ReplayQuarantineRequest>;

