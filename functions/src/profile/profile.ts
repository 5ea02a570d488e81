/**
 * The learner's profile (API.md "Profile"): time zone, display name and locale in `users/{uid}`, only the caller's
 * own. A new time zone applies from the moment it is set: the zone it replaces is kept in `timezoneChanges` for as
 * long as a late activity may still be dated in it (activities are accepted up to 7 days back), so each activity is
 * counted in the zone in force when it happened and days already counted keep their dates.
 */
import type { FirestoreKit } from "../adapters/firestore.js";
import type { Caller } from "../callable.js";
import { DEFAULT_TIMEZONE } from "../activity/days.js";
import { MAX_PAST_MS } from "../schemas/activity.js";
import type { GetProfileResponse, ProfileResponse, UpdateProfileRequest } from "../schemas/profile.js";
import { UserDoc } from "../schemas/user.js";

/** How long a replaced zone is kept: as far back as an activity may be dated, and a day for its local date. */
export const ZONE_HISTORY_MS = MAX_PAST_MS + 86_400_000;
/** At most this many replaced zones are kept (the rate limit allows 10 changes at once, then one per 20 s). */
export const MAX_ZONE_CHANGES = 32;

const userPath = (uid: string) => `users/${uid}`;

export async function updateProfile(kit: FirestoreKit, uid: string, input: UpdateProfileRequest, nowMs = Date.now()): Promise<ProfileResponse> {
  const ref = kit.db.doc(userPath(uid));
  return kit.db.runTransaction(async (tx) => {
    const user = UserDoc.parse((await tx.get(ref)).data() ?? {});
    const update: Record<string, unknown> = {};
    if (input.displayName !== undefined) update["displayName"] = input.displayName;
    if (input.locale !== undefined) update["locale"] = input.locale;
    const current = user.timezone ?? DEFAULT_TIMEZONE;
    if (input.timezone !== undefined && input.timezone !== current) {
      const kept = (user.timezoneChanges ?? []).filter((change) => change.until > nowMs - ZONE_HISTORY_MS);
      update["timezone"] = input.timezone;
      update["timezoneChanges"] = [...kept, { timezone: current, until: nowMs }].slice(-MAX_ZONE_CHANGES);
    }
    tx.set(ref, update, { merge: true });
    return profileOf({ ...user, ...update } as UserDoc);
  });
}

export async function getProfile(kit: FirestoreKit, caller: Caller): Promise<GetProfileResponse> {
  const user = UserDoc.parse((await kit.db.doc(userPath(caller.uid)).get()).data() ?? {});
  const roles = [...(caller.admin ? (["admin"] as const) : []), ...(caller.teacher ? (["teacher"] as const) : [])];
  return { uid: caller.uid, ...profileOf(user), roles };
}

function profileOf(user: UserDoc): ProfileResponse {
  return { timezone: user.timezone ?? DEFAULT_TIMEZONE, displayName: user.displayName ?? null, locale: user.locale ?? null };
}
