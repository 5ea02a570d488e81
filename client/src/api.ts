/**
 * The typed client of the LearnPulse callables (docs/api.md), for web apps, the dashboard and the simulator.
 *
 * Exported API (stable; `dashboard/` and `tools/` import it):
 * - `createLearnPulseClient(functions, options?)` → `LearnPulseClient`: one method per callable, each
 *   `(request) => Promise<response>` over the Firebase JS SDK's `httpsCallable(functions, name, options)`; the
 *   request is optional where every field is. Failures reject with the SDK's `FunctionsError`
 *   (`code` "functions/<code>", `message`, `details`: for `invalid-argument`, `[{path, message}]`).
 * - `CALLABLE_NAMES`, `CallableName`, `LearnPulseCallables` (name → `{request, response}`), `RequestOf<Name>`,
 *   `ResponseOf<Name>`, and one `<Name>Request` / `<Name>Response` type per callable.
 * - `callableErrorCode(error)`: the bare code of a `FunctionsError` ("resource-exhausted"), else `undefined`.
 * - `FieldIssue`: one entry of an `invalid-argument` error's `details`.
 *
 * Every type comes from the product: requests are the zod schemas' types (functions/src/schemas), responses the
 * schemas' types or, where the product has no response schema, what the registered handler returns. Nothing is
 * written twice, so a change in the product breaks the client's typecheck instead of the app at run time.
 * Only types are imported from the product: the client ships neither zod nor the schemas to the browser.
 */
import { FunctionsError, httpsCallable, type Functions, type FunctionsErrorCodeCore, type HttpsCallableOptions } from "firebase/functions";
import type { handleGetStudentStats } from "../../functions/src/activity/functions.js";
import type { FieldIssue } from "../../functions/src/errors.js";
import type {
  handleCompleteLecture,
  handleFlushNow,
  handleGetCourseProgress,
  handleReplayQuarantine,
  handleSaveProgress,
} from "../../functions/src/progress/functions.js";
import type { GetAnalyticsRequest, GetAnalyticsResponse } from "../../functions/src/schemas/analytics.js";
import type { GetHeatmapRequest, HeatmapResponse, RecordActivityRequest, RecordActivityResponse } from "../../functions/src/schemas/activity.js";
import type { SubmitAnswerRequest, SubmitAnswerResponse } from "../../functions/src/schemas/answers.js";
import type {
  CompleteLectureRequest,
  FlushNowRequest,
  GetCourseProgressRequest as GetCourseProgressSchema,
  GetProgressRequest,
  GetProgressResponse,
  ReplayQuarantineRequest as ReplayQuarantineSchema,
  SaveProgressRequest,
} from "../../functions/src/schemas/progress.js";
import type {
  GetSyncStatusRequest as GetSyncStatusSchema,
  ReconcileRequest,
  ReconcileResponse,
  ReplayDeadLettersRequest,
  SyncStatusResponse,
} from "../../functions/src/schemas/sync.js";
import type { GetStudentStatsRequest } from "../../functions/src/schemas/user.js";
import type { GetProfileRequest as GetProfileSchema, GetProfileResponse, ProfileResponse as UpdateProfileResponse, UpdateProfileRequest } from "../../functions/src/schemas/profile.js";
import type { GetQuizProgressRequest, QuizProgressResponse as GetQuizProgressResponse, StartAttemptRequest, StartAttemptResponse } from "../../functions/src/schemas/quizzes.js";
import type { ListPendingReviewsRequest, ListPendingReviewsResponse, ReviewAnswerRequest, ReviewAnswerResponse } from "../../functions/src/schemas/reviews.js";
import type {
  DeleteMyDataRequest,
  DeleteUserDataRequest,
  ErasureResponse,
  ExportMyDataRequest,
  ExportMyDataResponse,
  GetErasureRequest,
} from "../../functions/src/schemas/rights.js";
import type { handleReplayDeadLetters } from "../../functions/src/sync/functions.js";

export type { FieldIssue };

/** What a registered callable handler resolves to: the response of callables without a response schema. */
type Returned<Handler extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<Handler>>;

export type { DeleteMyDataRequest, DeleteUserDataRequest, ErasureResponse, ExportMyDataRequest, ExportMyDataResponse, GetErasureRequest };
export type {
  CompleteLectureRequest,
  FlushNowRequest,
  GetHeatmapRequest,
  GetProgressRequest,
  GetProgressResponse,
  GetStudentStatsRequest,
  HeatmapResponse as GetHeatmapResponse,
  ReconcileRequest,
  ReconcileResponse,
  RecordActivityRequest,
  RecordActivityResponse,
  ReplayDeadLettersRequest,
  SaveProgressRequest,
  SubmitAnswerRequest,
  SubmitAnswerResponse,
  SyncStatusResponse as GetSyncStatusResponse,
  GetProfileResponse,
  UpdateProfileRequest,
  UpdateProfileResponse,
  StartAttemptRequest,
  StartAttemptResponse,
  GetQuizProgressRequest,
  GetQuizProgressResponse,
  ListPendingReviewsRequest,
  ListPendingReviewsResponse,
  ReviewAnswerRequest,
  ReviewAnswerResponse,
};
export type GetProfileRequest = ReturnType<typeof GetProfileSchema.parse>;
// zod is the functions' dependency, not the client's: the schema's own `parse` carries its type.
export type GetCourseProgressRequest = ReturnType<typeof GetCourseProgressSchema.parse>;
export type GetSyncStatusRequest = ReturnType<typeof GetSyncStatusSchema.parse>;
export type SaveProgressResponse = Returned<typeof handleSaveProgress>;
export type CompleteLectureResponse = Returned<typeof handleCompleteLecture>;
export type GetCourseProgressResponse = Returned<typeof handleGetCourseProgress>;
export type GetStudentStatsResponse = Returned<typeof handleGetStudentStats>;
export type FlushNowResponse = Returned<typeof handleFlushNow>;
export type ReplayDeadLettersResponse = Returned<typeof handleReplayDeadLetters>;
export type ReplayQuarantineRequest = ReturnType<typeof ReplayQuarantineSchema.parse>;
export type ReplayQuarantineResponse = Returned<typeof handleReplayQuarantine>;

/** Every callable of API.md: its request and response. */
export interface LearnPulseCallables {
  saveProgress: { request: SaveProgressRequest; response: SaveProgressResponse };
  completeLecture: { request: CompleteLectureRequest; response: CompleteLectureResponse };
  getProgress: { request: GetProgressRequest; response: GetProgressResponse };
  getCourseProgress: { request: GetCourseProgressRequest; response: GetCourseProgressResponse };
  recordActivity: { request: RecordActivityRequest; response: RecordActivityResponse };
  getHeatmap: { request: GetHeatmapRequest; response: HeatmapResponse };
  getStudentStats: { request: GetStudentStatsRequest; response: GetStudentStatsResponse };
  submitAnswer: { request: SubmitAnswerRequest; response: SubmitAnswerResponse };
  updateProfile: { request: UpdateProfileRequest; response: UpdateProfileResponse };
  getProfile: { request: GetProfileRequest; response: GetProfileResponse };
  startAttempt: { request: StartAttemptRequest; response: StartAttemptResponse };
  getQuizProgress: { request: GetQuizProgressRequest; response: GetQuizProgressResponse };
  listPendingReviews: { request: ListPendingReviewsRequest; response: ListPendingReviewsResponse };
  reviewAnswer: { request: ReviewAnswerRequest; response: ReviewAnswerResponse };
  getSyncStatus: { request: GetSyncStatusRequest; response: SyncStatusResponse };
  flushNow: { request: FlushNowRequest; response: FlushNowResponse };
  replayDeadLetters: { request: ReplayDeadLettersRequest; response: ReplayDeadLettersResponse };
  reconcile: { request: ReconcileRequest; response: ReconcileResponse };
  replayQuarantine: { request: ReplayQuarantineRequest; response: ReplayQuarantineResponse };
  exportMyData: { request: ExportMyDataRequest; response: ExportMyDataResponse };
  deleteUserData: { request: DeleteUserDataRequest; response: ErasureResponse };
  deleteMyData: { request: DeleteMyDataRequest; response: ErasureResponse };
  getErasure: { request: GetErasureRequest; response: ErasureResponse };
  getAnalytics: { request: GetAnalyticsRequest; response: GetAnalyticsResponse };
}

export type CallableName = keyof LearnPulseCallables;
export type RequestOf<Name extends CallableName> = LearnPulseCallables[Name]["request"];
export type ResponseOf<Name extends CallableName> = LearnPulseCallables[Name]["response"];

export const CALLABLE_NAMES = [
  "saveProgress",
  "completeLecture",
  "getProgress",
  "getCourseProgress",
  "recordActivity",
  "getHeatmap",
  "getStudentStats",
  "submitAnswer",
  "updateProfile",
  "getProfile",
  "startAttempt",
  "getQuizProgress",
  "listPendingReviews",
  "reviewAnswer",
  "getSyncStatus",
  "flushNow",
  "replayDeadLetters",
  "reconcile",
  "replayQuarantine",
  "exportMyData",
  "deleteUserData",
  "deleteMyData",
  "getErasure",
  "getAnalytics",
] as const satisfies readonly CallableName[];

// A compile-time check that CALLABLE_NAMES lists every callable: a missing name makes this `false`.
const _everyCallableListed: CallableName extends (typeof CALLABLE_NAMES)[number] ? true : false = true;
void _everyCallableListed;

/** A method per callable; the request may be left out when every field of it is optional (`getStudentStats()`). */
export type LearnPulseClient = {
  [Name in CallableName]: Record<never, never> extends RequestOf<Name>
    ? (request?: RequestOf<Name>) => Promise<ResponseOf<Name>>
    : (request: RequestOf<Name>) => Promise<ResponseOf<Name>>;
};

/**
 * The client over a `Functions` instance (`getFunctions(app, "us-central1")`, plus `connectFunctionsEmulator` for
 * the local stack). The caller's identity is the ID token of the app's Firebase Auth instance, which the SDK
 * attaches to every call; `options` (timeout, limited-use App Check tokens) apply to every callable.
 */
export function createLearnPulseClient(functions: Functions, options: HttpsCallableOptions = {}): LearnPulseClient {
  const method = <Name extends CallableName>(name: Name) => {
    const call = httpsCallable<RequestOf<Name>, ResponseOf<Name>>(functions, name, options);
    // Callables with only optional fields still need `{}` on the wire: the product's schemas are strict objects.
    return async (request?: RequestOf<Name>): Promise<ResponseOf<Name>> => (await call(request ?? ({} as RequestOf<Name>))).data;
  };
  return Object.fromEntries(CALLABLE_NAMES.map((name) => [name, method(name)])) as LearnPulseClient;
}

/** The bare code of a callable's failure ("resource-exhausted"), or `undefined` when `error` is no FunctionsError. */
export function callableErrorCode(error: unknown): FunctionsErrorCodeCore | undefined {
  if (!(error instanceof FunctionsError)) return undefined;
  return error.code.replace(/^functions\//, "") as FunctionsErrorCodeCore;
}
