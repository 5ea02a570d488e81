/** Registrations of the profile capability (API.md "Profile"). */
import { firestoreKit } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { onCallable } from "../on-callable.js";
import { callableOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { GetProfileRequest, UpdateProfileRequest } from "../schemas/profile.js";
import { getProfile as readProfile, updateProfile as writeProfile } from "./profile.js";

export const handleUpdateProfile = callable({ name: "updateProfile", schema: UpdateProfileRequest, rateLimit: RATE_LIMITS.updateProfile }, async (input, caller) =>
  writeProfile(await firestoreKit(), caller.uid, input),
);

export const handleGetProfile = callable({ name: "getProfile", schema: GetProfileRequest }, async (_input, caller) => readProfile(await firestoreKit(), caller));

export const updateProfile = onCallable(callableOptions, handleUpdateProfile);
export const getProfile = onCallable(callableOptions, handleGetProfile);
