/**
 * Recording an activity (API.md recordActivity) in one transaction: the activity, its local day on the heat map
 * and the streak. The activity id is derived from (uid, clientEventId), so a retried or racing call records once.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import { InvalidInputError } from "../errors.js";
import { derivedId } from "../ids.js";
import { MAX_FUTURE_MS, MAX_PAST_MS, type DeviceContext, type RecordActivityRequest, type RecordActivityResponse } from "../schemas/activity.js";
import { UserDoc } from "../schemas/user.js";
import { readActiveDay } from "./active-day.js";

/** A stable id per (user, client event): what makes duplicates impossible, even for two racing calls. */
export function activityIdOf(uid: string, clientEventId: string): string {
  return derivedId(uid, clientEventId);
}

export async function recordActivity(
  kit: FirestoreKit,
  uid: string,
  input: RecordActivityRequest,
  device: DeviceContext,
  nowMs: number = Date.now(),
): Promise<RecordActivityResponse> {
  const occurredAt = input.occurredAt ?? nowMs;
  if (occurredAt > nowMs + MAX_FUTURE_MS) throw new InvalidInputError([{ path: "occurredAt", message: "more than 5 minutes in the future" }]);
  if (occurredAt < nowMs - MAX_PAST_MS) throw new InvalidInputError([{ path: "occurredAt", message: "more than 7 days in the past" }]);

  const { db, sdk } = kit;
  const activityId = activityIdOf(uid, input.clientEventId);
  const activityRef = db.doc(`activities/${activityId}`);
  const userRef = db.doc(`users/${uid}`);
  return db.runTransaction(async (tx) => {
    const [existing, userSnap] = await tx.getAll(activityRef, userRef);
    if (existing?.exists) return { activityId, duplicate: true };
    const user = UserDoc.parse(userSnap?.data() ?? {});
    const day = await readActiveDay(kit, tx, uid, user, occurredAt, nowMs);
    const { type, clientEventId, metadata, ...ids } = input;
    tx.create(activityRef, {
      uid,
      type,
      ...withoutOccurredAt(ids),
      clientEventId,
      occurredAt: sdk.Timestamp.fromMillis(occurredAt),
      recordedAt: sdk.FieldValue.serverTimestamp(),
      localDate: day.date,
      metadata: metadata ?? {},
      device,
    });
    day.writeDay(tx);
    tx.set(userRef, day.streak, { merge: true });
    return { activityId, duplicate: false };
  });
}

function withoutOccurredAt<T extends { occurredAt?: number }>(fields: T): Omit<T, "occurredAt"> {
  const { occurredAt: _occurredAt, ...rest } = fields;
  return rest;
}
