/**
 * Live subscriptions to what a learner watches, over the Firebase JS SDK's `onSnapshot`: Firestore is LearnPulse's
 * real-time layer, so a completion, a streak or a teacher's review made anywhere shows on every open client at once,
 * with no polling and no callable. Reads are the learner's own documents, as firestore.rules allow.
 *
 * Exported API (stable; `dashboard/` imports it):
 * - `watchStudentStats`, `watchHeatmap`, `watchQuizProgress`, `watchAnswers`: each `(db, uid, …, observer)` → an
 *   unsubscribe function. `observer.next` gets every new value; `observer.error` gets the SDK's `FirestoreError`
 *   (`permission-denied` when the rules refuse, after which the subscription has ended). Network drops are the
 *   SDK's to ride out: it re-listens with its resume token and the subscription goes on.
 * - `watchCourseProgress(db, uid, courseId, observer)` → an unsubscribe function with `acknowledged(ping)`: give it
 *   the pings the `ProgressTracker` reports saved (`onSaved`), and the value is the stored document merged with the
 *   pings the flush has not stored yet (`liveProgress`), so a progress bar never jumps back between flushes.
 *
 * Types are the stored documents' zod schemas' (functions/src/schemas), imported as types only, as in api.ts. The
 * stats, the heat map's days and the coverage are computed by the product's own pure code (activity/student-stats.ts,
 * days.ts, progress/segments.ts, which import nothing at run time), so they read exactly as the server computes them.
 */
import { collection, doc, onSnapshot, query, where, type DocumentData, type Firestore, type FirestoreError, type Query, type Unsubscribe } from "firebase/firestore";
import { addDays, DEFAULT_TIMEZONE, localDate } from "../../functions/src/activity/days.js";
import { toStudentStats } from "../../functions/src/activity/student-stats.js";
import { coverageOf, fromFlat, unionSegments } from "../../functions/src/progress/segments.js";
import type { ActivityDayDoc, HeatmapResponse } from "../../functions/src/schemas/activity.js";
import type { AnswerDoc } from "../../functions/src/schemas/answers.js";
import type { ProgressDoc, SaveProgressRequest } from "../../functions/src/schemas/progress.js";
import type { QuizProgressDoc } from "../../functions/src/schemas/quizzes.js";
import type { StudentStats, UserDoc } from "../../functions/src/schemas/user.js";

export type { ActivityDayDoc, AnswerDoc, HeatmapResponse, ProgressDoc, QuizProgressDoc, StudentStats, UserDoc };

export interface Observer<T> {
  next(value: T): void;
  /** The subscription has ended: the rules refused it, or the SDK gave up. */
  error?(error: FirestoreError): void;
}

export interface LiveStats extends StudentStats {
  /** The zone the learner's days are counted in (getProfile's). */
  timezone: string;
}

/** Streaks and totals from `users/{uid}`, as getStudentStats answers them, with the learner's time zone. */
export function watchStudentStats(db: Firestore, uid: string, observer: Observer<LiveStats>): Unsubscribe {
  return onSnapshot(
    doc(db, "users", uid),
    (snap) => {
      const user = (snap.data() ?? {}) as UserDoc;
      observer.next({ ...toStudentStats(user), timezone: user.timezone ?? DEFAULT_TIMEZONE });
    },
    reportTo(observer),
  );
}

/**
 * The heat map's last `days` days, as getHeatmap answers it (every day, zero where none), counted in the learner's
 * zone: the range follows `users/{uid}.timezone`, re-listening when the learner's zone changes.
 */
export function watchHeatmap(db: Firestore, uid: string, days: number, observer: Observer<HeatmapResponse>): Unsubscribe {
  let zone: string | null = null;
  let stopDays: Unsubscribe = () => undefined;
  const stopUser = onSnapshot(
    doc(db, "users", uid),
    (snap) => {
      const timezone = (snap.get("timezone") as string | undefined) ?? DEFAULT_TIMEZONE;
      if (timezone === zone) return;
      zone = timezone;
      stopDays();
      const today = localDate(Date.now(), timezone);
      const first = addDays(today, -(days - 1));
      const range = query(collection(db, "users", uid, "activityDays"), where("date", ">=", first), where("date", "<=", today));
      stopDays = onSnapshot(
        range,
        (daySnaps) => {
          const counts = new Map(daySnaps.docs.map((d) => { const day = d.data() as ActivityDayDoc; return [day.date, day.count] as const; }));
          observer.next({ days: Array.from({ length: days }, (_, i) => addDays(first, i)).map((date) => ({ date, count: counts.get(date) ?? 0 })) });
        },
        reportTo(observer),
      );
    },
    reportTo(observer),
  );
  return () => {
    stopUser();
    stopDays();
  };
}

/** `users/{uid}/quizProgress/{quizId}`: phase and quiz status; null before the learner's first answer in it. */
export function watchQuizProgress(db: Firestore, uid: string, quizId: string, observer: Observer<QuizProgressDoc | null>): Unsubscribe {
  return onSnapshot(doc(db, "users", uid, "quizProgress", quizId), (snap) => observer.next(snap.exists() ? (snap.data() as QuizProgressDoc) : null), reportTo(observer));
}

/**
 * The learner's answers, of one quiz or question if given: a teacher's review shows as soon as it is stored. The
 * query names the learner (`where("uid", "==", uid)`): the rules cannot prove a query without it safe, and refuse it.
 */
export function watchAnswers(db: Firestore, uid: string, scope: { quizId?: string; questionId?: string }, observer: Observer<AnswerDoc[]>): Unsubscribe {
  const filters = [where("uid", "==", uid)];
  if (scope.quizId) filters.push(where("quizId", "==", scope.quizId));
  if (scope.questionId) filters.push(where("questionId", "==", scope.questionId));
  return watchList(query(collection(db, "answers"), ...filters), (a: AnswerDoc, b: AnswerDoc) => a.answerId.localeCompare(b.answerId), observer);
}

export type ProgressSubscription = Unsubscribe & {
  /** A ping the server acknowledged (ProgressTracker's `onSaved`): shown until the stored document has it. */
  acknowledged(ping: SaveProgressRequest): void;
};

/** `users/{uid}/progress/{courseId}`, merged with acknowledged pings (see `liveProgress`). */
export function watchCourseProgress(db: Firestore, uid: string, courseId: string, observer: Observer<LiveProgress>): ProgressSubscription {
  let stored: ProgressDoc | null = null;
  let pending: AcknowledgedPing[] = [];
  const emit = () => {
    const live = liveProgress(stored, pending);
    pending = live.pending;
    observer.next(live);
  };
  const unsubscribe = onSnapshot(
    doc(db, "users", uid, "progress", courseId),
    (snap) => {
      stored = snap.exists() ? (snap.data() as ProgressDoc) : null;
      emit();
    },
    reportTo(observer),
  );
  return Object.assign(() => unsubscribe(), {
    acknowledged(ping: SaveProgressRequest) {
      if (ping.courseId !== courseId) return;
      pending = [...pending.filter((p) => p.lectureId !== ping.lectureId), { ...ping, ackedAtMs: Date.now() }];
      emit();
    },
  });
}

export interface AcknowledgedPing extends SaveProgressRequest {
  /** When the server acknowledged it, by this client's clock. */
  ackedAtMs: number;
}

export interface LectureView {
  position: number;
  /** 0..1 of the lecture played. */
  coverage: number;
  completed: boolean;
}

export interface LiveProgress {
  /** The stored document; null before the first flush of this course. */
  stored: ProgressDoc | null;
  lectures: Record<string, LectureView>;
  completionPercentage: number;
  /** Acknowledged pings the stored document does not show yet. */
  pending: AcknowledgedPing[];
}

/**
 * An acknowledged ping is shown until the stored document has it: the lecture's stored position is the ping's, or was
 * stamped after the ping's acknowledgement (a later ping, from any device). PENDING_TTL_MS bounds it in case neither
 * ever happens (the flush dropped the lecture: see quarantine). Coverage is the union of the stored and the pending
 * played ranges, so it never goes back; the position is the ping's, as the learner saw it last.
 */
export function liveProgress(stored: ProgressDoc | null, pings: readonly AcknowledgedPing[], nowMs = Date.now()): LiveProgress {
  const lectures: Record<string, LectureView> = {};
  const completed = new Set(stored?.completedLectures ?? []);
  for (const [lectureId, position] of Object.entries(stored?.watchTimes ?? {})) {
    lectures[lectureId] = { position, coverage: stored?.coverage[lectureId] ?? 0, completed: completed.has(lectureId) };
  }
  for (const lectureId of completed) lectures[lectureId] ??= { position: 0, coverage: 1, completed: true };
  const storedPing = (ping: AcknowledgedPing) => {
    const at = stored?.positionAt[ping.lectureId];
    return at !== undefined && (at >= ping.ackedAtMs || stored?.watchTimes[ping.lectureId] === ping.position);
  };
  const pending = pings.filter((ping) => nowMs - ping.ackedAtMs < PENDING_TTL_MS && !storedPing(ping));
  for (const ping of pending) {
    const played = unionSegments(fromFlat(stored?.segments[ping.lectureId]), ping.playedSegments ?? []);
    const coverage = coverageOf(played, ping.duration ?? stored?.durations[ping.lectureId]);
    const previous = lectures[ping.lectureId];
    lectures[ping.lectureId] = { position: ping.position, coverage: Math.max(coverage, previous?.coverage ?? 0), completed: previous?.completed ?? false };
  }
  return { stored, lectures, completionPercentage: stored?.completionPercentage ?? 0, pending };
}

/** How long an acknowledged ping may stand in for the stored document: well past any flush (docs/architecture.md). */
export const PENDING_TTL_MS = 10 * 60_000;

function watchList<T>(q: Query<DocumentData>, order: (a: T, b: T) => number, observer: Observer<T[]>): Unsubscribe {
  return onSnapshot(q, (snap) => observer.next(snap.docs.map((d) => d.data() as T).sort(order)), reportTo(observer));
}

function reportTo(observer: Observer<never>): (error: FirestoreError) => void {
  return (error) => observer.error?.(error);
}
