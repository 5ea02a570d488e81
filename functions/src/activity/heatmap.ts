/** The heat map (API.md getHeatmap): one user read for the time zone and one range query over the day documents. */
import type { Firestore } from "firebase-admin/firestore";
import { ActivityDayDoc, HEATMAP_DEFAULT_DAYS, type HeatmapResponse } from "../schemas/activity.js";
import { UserDoc } from "../schemas/user.js";
import { activityDaysPath } from "./active-day.js";
import { addDays, DEFAULT_TIMEZONE, localDate } from "./days.js";

export async function readHeatmap(db: Firestore, uid: string, days = HEATMAP_DEFAULT_DAYS, nowMs = Date.now()): Promise<HeatmapResponse> {
  const user = UserDoc.parse((await db.doc(`users/${uid}`).get()).data() ?? {});
  const today = localDate(nowMs, user.timezone ?? DEFAULT_TIMEZONE);
  const first = addDays(today, -(days - 1));
  const snapshot = await db.collection(activityDaysPath(uid)).where("date", ">=", first).where("date", "<=", today).get();
  const counts = new Map(snapshot.docs.map((doc) => {
    const day = ActivityDayDoc.parse(doc.data());
    return [day.date, day.count] as const;
  }));
  return { days: Array.from({ length: days }, (_, i) => addDays(first, i)).map((date) => ({ date, count: counts.get(date) ?? 0 })) };
}
