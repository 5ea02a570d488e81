/** Registrations of the activity capability's functions (API.md "Activity"). */
import { firestore, firestoreKit } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { callableOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { GetHeatmapRequest, HEATMAP_DEFAULT_DAYS, RecordActivityRequest } from "../schemas/activity.js";
import { GetStudentStatsRequest } from "../schemas/user.js";
import { deviceContextOf } from "./device.js";
import { readHeatmap } from "./heatmap.js";
import { recordActivity as record } from "./record.js";
import { readStudentStats } from "./stats.js";
import { onCallable } from "../on-callable.js";

export const handleRecordActivity = callable({ name: "recordActivity", schema: RecordActivityRequest, rateLimit: RATE_LIMITS.recordActivity }, async (input, caller, request) =>
  record(await firestoreKit(), caller.uid, input, deviceContextOf(request.rawRequest)),
);

export const handleGetHeatmap = callable({ name: "getHeatmap", schema: GetHeatmapRequest }, async (input, caller) =>
  readHeatmap(await firestore(), caller.uid, input.days ?? HEATMAP_DEFAULT_DAYS),
);

export const handleGetStudentStats = callable({ name: "getStudentStats", schema: GetStudentStatsRequest }, async (_input, caller) =>
  readStudentStats(await firestore(), caller.uid),
);

export const recordActivity = onCallable(callableOptions, handleRecordActivity);
export const getHeatmap = onCallable(callableOptions, handleGetHeatmap);
export const getStudentStats = onCallable(callableOptions, handleGetStudentStats);
