/** Analytics payloads (API.md "Analytics"): the six reports read from BigQuery, and their rows. */
import { z } from "zod";
import { Id } from "./common.js";

export const ANALYTICS_REPORTS = ["daily_active", "watch_time", "lecture_funnel", "dropoff", "item_analysis", "competency_trend"] as const;
export const AnalyticsReport = z.enum(ANALYTICS_REPORTS);
export type AnalyticsReport = z.infer<typeof AnalyticsReport>;

/** API.md: `from` and `to` at most 366 days apart, `limit` 1..1,000. */
export const MAX_ANALYTICS_DAYS = 366;
export const MAX_ANALYTICS_ROWS = 1_000;

const DAY_MS = 86_400_000;
/** A calendar date (UTC, as every analytics day is), checked to exist: 2026-02-30 is refused. */
const Day = z.iso.date();

export const GetAnalyticsRequest = z
  .strictObject({
    report: AnalyticsReport,
    courseId: Id.optional(),
    from: Day,
    to: Day,
    limit: z.number().int().min(1).max(MAX_ANALYTICS_ROWS).optional(),
  })
  .superRefine((request, ctx) => {
    const days = (Date.parse(request.to) - Date.parse(request.from)) / DAY_MS;
    if (days < 0) ctx.addIssue({ code: "custom", path: ["to"], message: "must not be before from" });
    if (days > MAX_ANALYTICS_DAYS) ctx.addIssue({ code: "custom", path: ["to"], message: `must be at most ${MAX_ANALYTICS_DAYS} days after from` });
  });
export type GetAnalyticsRequest = z.infer<typeof GetAnalyticsRequest>;

const Count = z.number().int().nonnegative();

export const DailyActiveRow = z.strictObject({ date: Day, activeLearners: Count, activities: Count, watchSeconds: z.number().nonnegative() });
export const WatchTimeRow = z.strictObject({ date: Day, courseId: z.string(), lectureId: z.string(), watchSeconds: z.number().nonnegative(), learners: Count });
/** `order`: the lecture's place in the catalogue; null for a lecture no longer in it. */
export const LectureFunnelRow = z.strictObject({
  courseId: z.string(),
  lectureId: z.string(),
  order: z.number().nullable(),
  started: Count,
  completed: Count,
  completionRate: z.number().min(0).max(1),
});
export const DropoffRow = z.strictObject({ courseId: z.string(), lectureId: z.string(), bucketStartSec: z.number().nonnegative(), learnersLastSeenHere: Count });
/**
 * `pValue` and `discrimination` are null where nothing defines them (no graded first attempt; fewer than two learners
 * or no spread); `type` and `meanTimeMs` where no answer stored one (answers migrated from the legacy store may not).
 */
export const ItemAnalysisRow = z.strictObject({
  questionId: z.string(),
  type: z.string().nullable(),
  attempts: Count,
  learners: Count,
  pValue: z.number().min(0).max(1).nullable(),
  discrimination: z.number().min(-1).max(1).nullable(),
  meanTimeMs: z.number().nonnegative().nullable(),
  pendingReview: Count,
});
export const CompetencyTrendRow = z.strictObject({ date: Day, subject: z.string(), skill: z.string(), subskill: z.string(), meanScore: z.number(), learners: Count });

export const REPORT_ROWS = {
  daily_active: DailyActiveRow,
  watch_time: WatchTimeRow,
  lecture_funnel: LectureFunnelRow,
  dropoff: DropoffRow,
  item_analysis: ItemAnalysisRow,
  competency_trend: CompetencyTrendRow,
} as const satisfies Record<AnalyticsReport, z.ZodType>;

export type ReportRow<R extends AnalyticsReport> = z.infer<(typeof REPORT_ROWS)[R]>;
export type AnalyticsRow = ReportRow<AnalyticsReport>;

export const GetAnalyticsResponse = z.strictObject({
  report: AnalyticsReport,
  from: Day,
  to: Day,
  rows: z.array(z.record(z.string(), z.unknown())),
  /** When BigQuery answered (ISO 8601): a cached answer keeps the time it was made. */
  generatedAt: z.string(),
  cached: z.boolean(),
});
export type GetAnalyticsResponse = Omit<z.infer<typeof GetAnalyticsResponse>, "rows"> & { rows: AnalyticsRow[] };
