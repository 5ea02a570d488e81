/**
 * The six reports: each filters its analytics view (views.ts) by the range (`@from`, `@to`, DATE parameters) and the
 * course (`@courseId`, '' for every course), then aggregates. Pure: the SQL only.
 *
 * lecture_funnel and dropoff describe where learners stand: each learner whose progress changed in the range, as
 * the last change in the range left them. competency_trend: each day, the mean of the scores learners ended that day
 * with, over the learners whose score changed that day (competencies are not per course: `courseId` does not apply).
 */
import type { AnalyticsReport } from "../schemas/analytics.js";
import { ANALYTICS_VIEW_NAMES } from "./views.js";

const IN_RANGE = "date BETWEEN @from AND @to";
const IN_COURSE = "(@courseId = '' OR course_id = @courseId)";
/** The last change of each learner's lecture in the range. */
const LAST_PER_LECTURE = "QUALIFY ROW_NUMBER() OVER (PARTITION BY document_name, lecture_id ORDER BY updated_at DESC, timestamp DESC) = 1";

export function reportSql(report: AnalyticsReport, projectId: string, dataset: string): string {
  const view = `\`${projectId}.${dataset}.${ANALYTICS_VIEW_NAMES[report]}\``;
  const lines: Record<AnalyticsReport, string[]> = {
    daily_active: [
      "SELECT date, COUNT(DISTINCT uid) AS activeLearners, SUM(activities) AS activities, SUM(watch_seconds) AS watchSeconds",
      `FROM ${view} WHERE ${IN_RANGE} AND ${IN_COURSE}`,
      "GROUP BY date ORDER BY date LIMIT @limit",
    ],
    watch_time: [
      "SELECT date, course_id AS courseId, lecture_id AS lectureId, SUM(watch_seconds) AS watchSeconds, COUNT(DISTINCT uid) AS learners",
      `FROM ${view} WHERE ${IN_RANGE} AND ${IN_COURSE}`,
      "GROUP BY date, course_id, lecture_id ORDER BY date, courseId, lectureId LIMIT @limit",
    ],
    lecture_funnel: [
      "SELECT course_id AS courseId, lecture_id AS lectureId, COUNT(DISTINCT uid) AS started, COUNTIF(completed) AS completed",
      `FROM (SELECT * FROM ${view} WHERE ${IN_RANGE} AND ${IN_COURSE} ${LAST_PER_LECTURE})`,
      "GROUP BY course_id, lecture_id ORDER BY courseId, lectureId LIMIT @limit",
    ],
    // Learners who completed a lecture did not drop off in it. One row per non-empty bucket; the handler adds the
    // empty ones (reportRows).
    dropoff: [
      "SELECT course_id AS courseId, lecture_id AS lectureId, bucket, MAX(duration_sec) AS durationSec, COUNT(DISTINCT uid) AS learnersLastSeenHere",
      `FROM (SELECT * FROM ${view} WHERE ${IN_RANGE} AND ${IN_COURSE} ${LAST_PER_LECTURE})`,
      "WHERE NOT completed AND bucket IS NOT NULL",
      "GROUP BY course_id, lecture_id, bucket ORDER BY courseId, lectureId, bucket LIMIT @limit",
    ],
    // Classical test theory over first attempts: pValue the mean fraction of points, discrimination the point-biserial
    // (Pearson) correlation of that fraction with the learner's total of first-attempt fractions in the same scope.
    item_analysis: [
      `WITH a AS (SELECT * FROM ${view} WHERE ${IN_RANGE} AND ${IN_COURSE}),`,
      "firsts AS (SELECT uid, scope, question_id, fraction FROM a WHERE attempt_number = 1 AND fraction IS NOT NULL),",
      "totals AS (SELECT uid, scope, SUM(fraction) AS total FROM firsts GROUP BY uid, scope),",
      "items AS (",
      "  SELECT f.question_id, AVG(f.fraction) AS p_value, CORR(f.fraction, t.total) AS discrimination",
      "  FROM firsts AS f JOIN totals AS t ON t.uid = f.uid AND t.scope = f.scope GROUP BY f.question_id)",
      "SELECT a.question_id AS questionId, ANY_VALUE(a.type) AS type, COUNT(*) AS attempts, COUNT(DISTINCT a.uid) AS learners,",
      "  ANY_VALUE(i.p_value) AS pValue, ANY_VALUE(i.discrimination) AS discrimination, AVG(a.time_spent_ms) AS meanTimeMs,",
      "  COUNTIF(a.pending) AS pendingReview",
      "FROM a LEFT JOIN items AS i ON i.question_id = a.question_id",
      "GROUP BY a.question_id ORDER BY questionId LIMIT @limit",
    ],
    competency_trend: [
      "SELECT date, subject, skill, subskill, AVG(score) AS meanScore, COUNT(DISTINCT uid) AS learners",
      `FROM (SELECT * FROM ${view} WHERE ${IN_RANGE} AND score IS NOT NULL AND subject IS NOT NULL AND skill IS NOT NULL AND subskill IS NOT NULL`,
      "  QUALIFY ROW_NUMBER() OVER (PARTITION BY date, document_name ORDER BY updated_at DESC, timestamp DESC) = 1)",
      "GROUP BY date, subject, skill, subskill ORDER BY date, subject, skill, subskill LIMIT @limit",
    ],
  };
  return lines[report].join("\n");
}
