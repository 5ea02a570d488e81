/** The student's stats from the stored user document, pure: the callable (stats.ts) and the client's live view (client/src/live.ts) read them alike. */
import type { StudentStats, UserDoc } from "../schemas/user.js";
import { DEFAULT_TIMEZONE, liveStreak, localDate } from "./days.js";

/**
 * A user without a document, or without some counters yet, has zeros and no active date. The stored streak is the
 * run that ended on lastActiveDate; a reader sees 0 once that day is before yesterday in the user's time zone.
 */
export function toStudentStats(user: UserDoc, nowMs = Date.now()): StudentStats {
  const today = localDate(nowMs, user.timezone ?? DEFAULT_TIMEZONE);
  return {
    currentStreak: liveStreak(user.currentStreak ?? 0, user.lastActiveDate ?? null, today),
    longestStreak: user.longestStreak ?? 0,
    lastActiveDate: user.lastActiveDate ?? null,
    totalCompletedLectures: user.totalCompletedLectures ?? 0,
    totalActiveDays: user.totalActiveDays ?? 0,
  };
}
