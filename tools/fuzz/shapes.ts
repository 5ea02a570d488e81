/**
 * Whether a mutated payload still has a valid shape, judged the way the callable judges it: the request body's size,
 * then its `data` screened (functions/src/on-callable.ts), decoded as firebase-functions decodes it, and parsed by the
 * callable's request schema. A mutation can leave a payload valid — an optional field deleted, an id replaced by
 * another well-formed id, 0.5 where any number of seconds will do — and the server may then answer NOT_FOUND or
 * FAILED_PRECONDITION cleanly. What the fuzzer checks with this is that the shape is judged first: a payload refused
 * here must not get an answer that comes from looking something up.
 *
 * It reads functions/lib (built by `npm run fuzz` and the test setup), as the stack under fuzzing does.
 */
import type { z } from "zod";
import { BODY_CAP } from "./mutations.ts";
import { screenRequest, screenedIssues } from "../../functions/lib/on-callable.js";
import { GetHeatmapRequest, RecordActivityRequest } from "../../functions/lib/schemas/activity.js";
import { GetAnalyticsRequest } from "../../functions/lib/schemas/analytics.js";
import { SubmitAnswerRequest } from "../../functions/lib/schemas/answers.js";
import { GetProfileRequest, UpdateProfileRequest } from "../../functions/lib/schemas/profile.js";
import {
  CompleteLectureRequest,
  FlushNowRequest,
  GetCourseProgressRequest,
  GetProgressRequest,
  ReplayQuarantineRequest,
  SaveProgressRequest,
} from "../../functions/lib/schemas/progress.js";
import { GetQuizProgressRequest, StartAttemptRequest } from "../../functions/lib/schemas/quizzes.js";
import { ListPendingReviewsRequest, ReviewAnswerRequest } from "../../functions/lib/schemas/reviews.js";
import { DeleteMyDataRequest, DeleteUserDataRequest, ExportMyDataRequest, GetErasureRequest } from "../../functions/lib/schemas/rights.js";
import { GetSyncStatusRequest, ReconcileRequest, ReplayDeadLettersRequest } from "../../functions/lib/schemas/sync.js";
import { GetStudentStatsRequest } from "../../functions/lib/schemas/user.js";

/** Each callable's request schema, as its `callable({ schema })` names it (functions/src/<area>/functions.ts). */
export const REQUEST_SCHEMAS: Record<string, z.ZodType> = {
  saveProgress: SaveProgressRequest,
  completeLecture: CompleteLectureRequest,
  getProgress: GetProgressRequest,
  getCourseProgress: GetCourseProgressRequest,
  recordActivity: RecordActivityRequest,
  getHeatmap: GetHeatmapRequest,
  getStudentStats: GetStudentStatsRequest,
  submitAnswer: SubmitAnswerRequest,
  updateProfile: UpdateProfileRequest,
  getProfile: GetProfileRequest,
  startAttempt: StartAttemptRequest,
  getQuizProgress: GetQuizProgressRequest,
  listPendingReviews: ListPendingReviewsRequest,
  reviewAnswer: ReviewAnswerRequest,
  getSyncStatus: GetSyncStatusRequest,
  flushNow: FlushNowRequest,
  replayDeadLetters: ReplayDeadLettersRequest,
  replayQuarantine: ReplayQuarantineRequest,
  reconcile: ReconcileRequest,
  exportMyData: ExportMyDataRequest,
  deleteUserData: DeleteUserDataRequest,
  deleteMyData: DeleteMyDataRequest,
  getErasure: GetErasureRequest,
  getAnalytics: GetAnalyticsRequest,
};

/** True when the callable would parse the body's `data`; false for a callable without a schema here. */
export function isValidShape(callable: string, body: string): boolean {
  const schema = REQUEST_SCHEMAS[callable];
  if (!schema || Buffer.byteLength(body) > BODY_CAP) return false;
  const request = { body: JSON.parse(body) as unknown };
  screenRequest(request);
  if (screenedIssues(request)) return false;
  return schema.safeParse(decode((request.body as { data: unknown }).data)).success;
}

/**
 * firebase-functions' `decode` (common/providers/https), which its package does not export: Int64Value and
 * UInt64Value objects become parseFloat of their value. The screen has already replaced anything it cannot decode.
 */
function decode(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(decode);
  const record = value as Record<string, unknown>;
  if (record["@type"]) return parseFloat(String(record["value"]));
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key, decode(item)]));
}
