/**
 * The analytics views, one per report of getAnalytics, defined once as SQL over the typed views (sync/mappers/
 * bigquery-views.ts). Each holds the rows its report adds up, one per learner fact and with its UTC `date`, so that a
 * report (reports.ts) only filters by range and course and aggregates: a distinct count over a range cannot be summed
 * from per-day counts. Pure: the SQL only; analytics.ts creates the views.
 *
 * Days are UTC days of when a change reached Firestore (`timestamp`), or of `occurredAt` and `submittedAt`.
 * The changelog views may repeat a change that BigQuery's insertId window let through twice; every view here takes
 * differences and latest values, which a repeated change leaves as they are.
 */

export interface AnalyticsView {
  name: string;
  sql: string;
}

export const ANALYTICS_VIEW_NAMES = {
  watch_time: "analytics_watch_time",
  daily_active: "analytics_daily_active",
  lecture_funnel: "analytics_lecture_funnel",
  dropoff: "analytics_dropoff",
  item_analysis: "analytics_item_analysis",
  competency_trend: "analytics_competency_trend",
} as const;

/** The collections whose typed views the analytics read: their tables must exist before the views can. */
export const ANALYTICS_SOURCES = ["activities", "progress", "answers", "competencies"] as const;

/** In the order they must be created (daily_active reads watch_time). */
export function analyticsViews(projectId: string, dataset: string): AnalyticsView[] {
  const t = (name: string) => `\`${projectId}.${dataset}.${name}\``;
  const sql = (...lines: string[]) => lines.join("\n");
  return [
    {
      // Seconds of a lecture first watched: the growth of its coverage at each change, times its duration. A replay
      // of seconds already covered adds nothing, so this is watch time without rewatching (docs/analytics.md).
      name: ANALYTICS_VIEW_NAMES.watch_time,
      sql: sql(
        "SELECT date, uid, course_id, lecture_id, watch_seconds FROM (",
        "  SELECT DATE(c.timestamp) AS date, c.path_uid AS uid, c.path_courseId AS course_id, c.key AS lecture_id,",
        "    (c.value - COALESCE(LAG(c.value) OVER (PARTITION BY c.document_name, c.key ORDER BY c.updated_at, c.timestamp), 0)) * d.value AS watch_seconds",
        `  FROM ${t("progress_schema_changelog_coverage")} AS c`,
        `  JOIN ${t("progress_schema_changelog_durations")} AS d ON d.event_id = c.event_id AND d.key = c.key)`,
        "WHERE watch_seconds > 0",
      ),
    },
    {
      // A learner is active on a day they recorded an activity or watched something new.
      name: ANALYTICS_VIEW_NAMES.daily_active,
      sql: sql(
        "SELECT DATE(a.occurredAt) AS date, a.uid, a.courseId AS course_id, 1 AS activities, CAST(0 AS FLOAT64) AS watch_seconds",
        `FROM ${t("activities_schema_latest")} AS a`,
        "UNION ALL",
        `SELECT w.date, w.uid, w.course_id, 0 AS activities, w.watch_seconds FROM ${t(ANALYTICS_VIEW_NAMES.watch_time)} AS w`,
      ),
    },
    {
      // Each change of a progress document, one row per lecture in it: started (a position was saved, or it was
      // completed outright) and completed.
      name: ANALYTICS_VIEW_NAMES.lecture_funnel,
      sql: sql(
        "SELECT DATE(timestamp) AS date, timestamp, updated_at, document_name, uid, course_id, lecture_id, LOGICAL_OR(completed) AS completed FROM (",
        "  SELECT w.timestamp, w.updated_at, w.document_name, w.event_id, w.path_uid AS uid, w.path_courseId AS course_id, w.key AS lecture_id, FALSE AS completed",
        `  FROM ${t("progress_schema_changelog_watchTimes")} AS w`,
        "  UNION ALL",
        "  SELECT l.timestamp, l.updated_at, l.document_name, l.event_id, l.path_uid, l.path_courseId, l.value, TRUE",
        `  FROM ${t("progress_schema_changelog_completedLectures")} AS l)`,
        "GROUP BY timestamp, updated_at, document_name, event_id, uid, course_id, lecture_id",
      ),
    },
    {
      // Each change of a progress document, one row per lecture with a position: the tenth of the lecture it is in.
      name: ANALYTICS_VIEW_NAMES.dropoff,
      sql: sql(
        "SELECT DATE(w.timestamp) AS date, w.timestamp, w.updated_at, w.document_name, w.path_uid AS uid, w.path_courseId AS course_id, w.key AS lecture_id,",
        "  w.value AS position_sec, d.value AS duration_sec, LEAST(CAST(FLOOR(SAFE_DIVIDE(w.value, d.value) * 10) AS INT64), 9) AS bucket,",
        "  c.value IS NOT NULL AS completed",
        `FROM ${t("progress_schema_changelog_watchTimes")} AS w`,
        `JOIN ${t("progress_schema_changelog_durations")} AS d ON d.event_id = w.event_id AND d.key = w.key`,
        `LEFT JOIN ${t("progress_schema_changelog_completedLectures")} AS c ON c.event_id = w.event_id AND c.value = w.key`,
      ),
    },
    {
      // Each answer as it stands (a review replaces the grade): the fraction of its points, or null while a person
      // has still to grade it. `scope` is what "the learner's total" adds up over: the quiz, else the course.
      name: ANALYTICS_VIEW_NAMES.item_analysis,
      sql: sql(
        "SELECT DATE(a.submittedAt) AS date, a.uid, a.courseId AS course_id, COALESCE(a.quizId, a.courseId, '') AS scope,",
        "  a.questionId AS question_id, a.questionType AS type, a.attemptNumber AS attempt_number,",
        "  CASE WHEN a.status = 'graded' THEN SAFE_DIVIDE(a.pointsEarned, a.maxPoints) END AS fraction,",
        "  a.timeSpentMs AS time_spent_ms, a.status = 'pending_review' AS pending",
        `FROM ${t("answers_schema_latest")} AS a`,
      ),
    },
    {
      name: ANALYTICS_VIEW_NAMES.competency_trend,
      sql: sql(
        "SELECT DATE(c.timestamp) AS date, c.timestamp, c.updated_at, c.document_name, c.path_uid AS uid, c.subject, c.skill, c.subskill, c.currentScore AS score",
        `FROM ${t("competencies_schema_changelog")} AS c`,
        "WHERE c.operation != 'DELETE'",
      ),
    },
  ];
}
