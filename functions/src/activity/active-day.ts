/**
 * Counting an active local day inside a Firestore transaction — the heat-map day and the streak — shared by every
 * write that counts as activity (recordActivity, completeLecture, submitAnswer), so they all agree.
 */
import type { Transaction } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import type { UserDoc } from "../schemas/user.js";
import { addDays, localDate, streakAfterLateDay, withActiveDay, zoneAt, type StreakState } from "./days.js";

export const activityDaysPath = (uid: string) => `users/${uid}/activityDays`;
export const activityDayPath = (uid: string, date: string) => `${activityDaysPath(uid)}/${date}`;

/** How far before a late day the day documents are read to measure the run it closes (longest-streak accuracy). */
export const STREAK_LOOKBACK_DAYS = 366;

/**
 * What a client can do to its own streak (API.md "Streaks"): an activity may be recorded up to 7 days after it
 * happened (an offline client catching up), and always counts its day on the heat map and in `totalActiveDays`; but
 * it extends or repairs the streak only if the server receives it within 72 hours of its time, which covers a weekend
 * offline. An older late activity changes no streak figure, so backdating cannot rebuild a run that broke days ago.
 */
export const STREAK_LATE_LIMIT_MS = 72 * 3_600_000;

export interface ActiveDay {
  date: string;
  /** The user's streak fields after this activity. */
  streak: StreakState;
  /** Adds the heat-map count; call once every read of the transaction is done. */
  writeDay(tx: Transaction): void;
}

export function streakStateOf(user: UserDoc): StreakState {
  return {
    currentStreak: user.currentStreak ?? 0,
    longestStreak: user.longestStreak ?? 0,
    lastActiveDate: user.lastActiveDate ?? null,
    totalActiveDays: user.totalActiveDays ?? 0,
  };
}

/** Reads what counting the day needs (its document; for a late day, the days before it) inside `tx`. */
export async function readActiveDay(
  kit: FirestoreKit,
  tx: Transaction,
  uid: string,
  user: UserDoc,
  occurredAtMs: number,
  nowMs: number = occurredAtMs,
): Promise<ActiveDay> {
  const { db, sdk } = kit;
  const date = localDate(occurredAtMs, zoneAt(user, occurredAtMs));
  const dayRef = db.doc(activityDayPath(uid, date));
  const state = streakStateOf(user);
  const day = await tx.get(dayRef);
  let streak = state;
  if (!day.exists && nowMs - occurredAtMs > STREAK_LATE_LIMIT_MS) {
    streak = { ...state, totalActiveDays: state.totalActiveDays + 1 };
  } else if (!day.exists) {
    if (state.lastActiveDate === null || date >= state.lastActiveDate) {
      streak = withActiveDay(state, date, true);
    } else {
      const earlier = await tx.get(
        db.collection(activityDaysPath(uid)).where("date", ">=", addDays(date, -STREAK_LOOKBACK_DAYS)).where("date", "<=", state.lastActiveDate),
      );
      streak = streakAfterLateDay(state, date, new Set(earlier.docs.map((doc) => doc.id)));
    }
  }
  return {
    date,
    streak,
    writeDay: (write) => void write.set(dayRef, { date, count: sdk.FieldValue.increment(1) }, { merge: true }),
  };
}
