/**
 * Counting an active local day inside a Firestore transaction — the heat-map day and the streak — shared by every
 * write that counts as activity (recordActivity, completeLecture, submitAnswer), so they all agree.
 */
import type { Transaction } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import type { UserDoc } from "../schemas/user.js";
import { addDays, DEFAULT_TIMEZONE, localDate, streakAfterLateDay, withActiveDay, type StreakState } from "./days.js";

export const activityDaysPath = (uid: string) => `users/${uid}/activityDays`;
export const activityDayPath = (uid: string, date: string) => `${activityDaysPath(uid)}/${date}`;

/** How far before a late day the day documents are read to measure the run it closes (longest-streak accuracy). */
export const STREAK_LOOKBACK_DAYS = 366;

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
): Promise<ActiveDay> {
  const { db, sdk } = kit;
  const date = localDate(occurredAtMs, user.timezone ?? DEFAULT_TIMEZONE);
  const dayRef = db.doc(activityDayPath(uid, date));
  const state = streakStateOf(user);
  const day = await tx.get(dayRef);
  let streak = state;
  if (!day.exists) {
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
