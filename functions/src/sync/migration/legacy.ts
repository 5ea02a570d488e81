/**
 * The legacy Cosmos DB items the backfill reads (containers partitioned by `/student_id`), as the legacy system
 * wrote them. Loose objects: Cosmos adds its system fields (`_rid`, `_etag`, `_ts`, ...) and old items carry
 * fields nobody reads any more; only what the mapping uses is checked.
 */
import { z } from "zod";

/** The containers the backfill imports, in the order it imports them. */
export const LEGACY_CONTAINERS = ["student_attempts", "student_reviews", "student_competencies"] as const;
export type LegacyContainer = (typeof LEGACY_CONTAINERS)[number];

/** A Firestore document id: no `/`, not `.`/`..`, not `__x__` (reserved), at most 1,500 bytes (Firestore limits). */
export const DocId = z
  .string()
  .min(1)
  .max(1_500)
  .refine((id) => !id.includes("/") && id !== "." && id !== ".." && !/^__.*__$/.test(id), "not a valid Firestore document id");

/** One part of a competency id (`subject~skill~subskill`): a path segment that cannot hold the separator. */
const SkillPart = z.string().regex(/^[^/~]{1,200}$/, "must be 1-200 characters without / or ~");

/**
 * Legacy dates: ISO 8601 with a zone, with any number of fractional digits (.NET writes seven).
 * Parsed into the envelope's format — six fractional digits, UTC — so compared values have one spelling.
 */
export const LegacyTime = z.string().transform((value, ctx) => {
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  const millis = match ? Date.parse(`${match[1]}${match[3]}`) : NaN;
  if (!match || Number.isNaN(millis)) {
    ctx.addIssue({ code: "custom", message: "must be an ISO 8601 date-time with a zone" });
    return z.NEVER;
  }
  const micros = (match[2] ?? "").padEnd(6, "0").slice(0, 6);
  return `${new Date(millis).toISOString().slice(0, 19)}.${micros}Z`;
});

const optional = <T extends z.ZodType>(schema: T) => schema.nullish();

/** What every legacy item has. `_deleted` marks a tombstone; `source_system` says who wrote it. */
const LegacyBase = {
  id: DocId,
  student_id: DocId,
  _deleted: optional(z.boolean()),
  source_system: optional(z.string()),
  /** Only LearnPulse's Cosmos sink stamps items with a version. */
  _v: optional(z.string()),
};

/** Whether an item is a copy of Firestore data rather than legacy data: written by LearnPulse's mirror. */
export function isWrittenByLearnPulse(item: { source_system?: string | null; _v?: string | null }): boolean {
  return item.source_system === "learnpulse" || typeof item._v === "string";
}

/** `student_attempts`: one graded (or pending) answer. `score` is a percentage. */
export const LegacyAttempt = z.looseObject({
  ...LegacyBase,
  subject: SkillPart,
  skill_id: SkillPart,
  subskill_id: SkillPart,
  score: z.number().min(0).max(100),
  analysis: optional(
    z.looseObject({
      question_id: optional(z.string()),
      quiz_id: optional(z.string()),
      is_correct: optional(z.boolean()),
      points_earned: optional(z.number()),
      max_points: optional(z.number()),
      attempt_number: optional(z.number().int()),
      time_spent_ms: optional(z.number().int().nonnegative()),
      status: optional(z.string()),
    }),
  ),
  feedback: optional(z.string()),
  timestamp: LegacyTime,
});
export type LegacyAttempt = z.infer<typeof LegacyAttempt>;

/** `student_competencies`: one student's estimate on one subskill. `current_score` is 0..100. */
export const LegacyCompetency = z.looseObject({
  ...LegacyBase,
  subject: SkillPart,
  skill_id: SkillPart,
  subskill_id: SkillPart,
  current_score: z.number().min(0).max(100),
  credibility: z.number().min(0).max(1),
  total_attempts: z.number().int().nonnegative(),
  last_updated: LegacyTime,
});
export type LegacyCompetency = z.infer<typeof LegacyCompetency>;

/**
 * `student_reviews`: a person's review of an attempt (essays, speaking, audio). `attempt_id` is the id of the
 * reviewed `student_attempts` item, which the backfill keeps as the answer id; `score` is a percentage.
 */
export const LegacyReview = z.looseObject({
  ...LegacyBase,
  attempt_id: DocId,
  reviewer: z.string().min(1).max(200),
  score: z.number().min(0).max(100),
  comments: optional(z.string().max(20_000)),
  timestamp: LegacyTime,
});
export type LegacyReview = z.infer<typeof LegacyReview>;
