/** Every deployed function, and nothing else (STYLE rule 1). */
export { getAnalytics } from "./analytics/functions.js";
export { getHeatmap, getStudentStats, recordActivity } from "./activity/functions.js";
export { submitAnswer } from "./answers/functions.js";
export { getProfile, updateProfile } from "./profile/functions.js";
export { getQuizProgress, startAttempt } from "./quizzes/functions.js";
export { listPendingReviews, reviewAnswer } from "./reviews/functions.js";
export { deleteMyData, deleteUserData, eraseOnUserDeleted, eraseUser, exportMyData, getErasure } from "./rights/functions.js";
export {
  completeLecture,
  countLectures,
  countQuizzes,
  flushNow,
  flushPartition,
  flushProgressSchedule as flushProgress,
  getCourseProgress,
  getProgress,
  replayQuarantineCallable as replayQuarantine,
  saveProgress,
} from "./progress/functions.js";
export {
  deliverBigQuery,
  deliverCosmos,
  deliverMongo,
  getSyncStatus,
  mirrorActivities,
  mirrorActivityDays,
  mirrorAnswers,
  mirrorCompetencies,
  mirrorProgress,
  mirrorQuizProgress,
  mirrorReviews,
  mirrorUsers,
  replayDeadLettersCallable as replayDeadLetters,
} from "./sync/functions.js";
export { reconcileCallable as reconcile, reconcileDaily } from "./sync/reconcile/functions.js";
