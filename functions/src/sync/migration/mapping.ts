/**
 * Legacy Cosmos item → the Firestore document the backfill writes. Pure. The reverse of `sync/mappers/cosmos.ts`
 * (Firestore → Cosmos), so a document that goes one way and back comes out the same (mapping.test.ts checks it).
 *
 * | Cosmos container | Firestore document |
 * | --- | --- |
 * | student_attempts | `answers/{id}` |
 * | student_competencies | `users/{student_id}/competencies/{subject~skill~subskill}` |
 * | student_reviews | `reviews/{id}` |
 *
 * Every document carries `source_system: "cosmos_migration"` and `migration_timestamp` (the run's start), which
 * is what keeps the Cosmos sink from echoing the import back into Cosmos (`isMigrationEcho`).
 */
import { competencyId } from "../../answers/competency.js";
import type { JsonObject, JsonValue } from "../envelope.js";
import { MIGRATED_FROM_COSMOS } from "../mappers/cosmos.js";
import { isWrittenByLearnPulse, LegacyAttempt, LegacyCompetency, LegacyReview, type LegacyContainer } from "./legacy.js";

export interface MigratedDoc {
  /** Path relative to the database root. */
  path: string;
  /** The document as plain JSON; the fields named in `timestampFields` hold ISO strings with six fractional digits. */
  data: JsonObject;
  /** Fields stored as Firestore timestamps, as the product stores them (`submittedAt`, `lastUpdated`, ...). */
  timestampFields: readonly string[];
}

export type SkipReason = "deleted" | "learnpulse";
export type MappingOutcome = { doc: MigratedDoc } | { skipped: SkipReason } | { failed: string };

/** Percentages (legacy) → fractions (product), rounded as the Cosmos mapper rounds the other way (0.1 points). */
const fraction = (percent: number) => Math.round(percent * 10) / 1000;

/** Copies the fields whose value is present: absent and null legacy fields leave the product field out. */
function present(fields: Record<string, JsonValue | undefined>): JsonObject {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== null)) as JsonObject;
}

function mapAttempt(item: LegacyAttempt): MigratedDoc {
  const analysis = item.analysis ?? {};
  return {
    path: `answers/${item.id}`,
    data: {
      uid: item.student_id,
      subject: item.subject,
      skill: item.skill_id,
      subskill: item.subskill_id,
      score: fraction(item.score),
      ...present({
        questionId: analysis.question_id,
        quizId: analysis.quiz_id,
        pointsEarned: analysis.points_earned,
        maxPoints: analysis.max_points,
        attemptNumber: analysis.attempt_number,
        timeSpentMs: analysis.time_spent_ms,
        status: analysis.status,
      }),
      // The product stores null for both (a pending answer has no verdict; most answers have no feedback).
      ...(item.analysis && "is_correct" in item.analysis ? { isCorrect: item.analysis.is_correct ?? null } : {}),
      feedback: item.feedback ?? null,
      submittedAt: item.timestamp,
    },
    timestampFields: ["submittedAt"],
  };
}

function mapCompetency(item: LegacyCompetency): MigratedDoc {
  return {
    path: `users/${item.student_id}/competencies/${competencyId(item.subject, item.skill_id, item.subskill_id)}`,
    data: {
      subject: item.subject,
      skill: item.skill_id,
      subskill: item.subskill_id,
      currentScore: item.current_score,
      credibility: item.credibility,
      totalAttempts: item.total_attempts,
      lastUpdated: item.last_updated,
    },
    timestampFields: ["lastUpdated"],
  };
}

/** `reviews/{id}`: a new collection (no product code writes reviews yet); `score` as a fraction like answers'. */
function mapReview(item: LegacyReview): MigratedDoc {
  return {
    path: `reviews/${item.id}`,
    data: {
      uid: item.student_id,
      answerId: item.attempt_id,
      reviewer: item.reviewer,
      score: fraction(item.score),
      comments: item.comments ?? null,
      reviewedAt: item.timestamp,
    },
    timestampFields: ["reviewedAt"],
  };
}

const MAPPERS = {
  student_attempts: (raw: unknown) => mapAttempt(LegacyAttempt.parse(raw)),
  student_competencies: (raw: unknown) => mapCompetency(LegacyCompetency.parse(raw)),
  student_reviews: (raw: unknown) => mapReview(LegacyReview.parse(raw)),
} satisfies Record<LegacyContainer, (raw: unknown) => MigratedDoc>;

/** The document for a legacy item, or why there is none. A tombstone or a mirror copy is skipped before parsing. */
export function mapLegacyItem(container: LegacyContainer, raw: unknown, migratedAt: string): MappingOutcome {
  const item = (typeof raw === "object" && raw !== null ? raw : {}) as { _deleted?: unknown; source_system?: string; _v?: string };
  if (item._deleted === true) return { skipped: "deleted" };
  if (isWrittenByLearnPulse(item)) return { skipped: "learnpulse" };
  try {
    const doc = MAPPERS[container](raw);
    return { doc: { ...doc, data: { ...doc.data, source_system: MIGRATED_FROM_COSMOS, migration_timestamp: migratedAt } } };
  } catch (error) {
    const issues = (error as { issues?: { path: PropertyKey[]; message: string }[] }).issues;
    return { failed: issues ? issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ") : String(error) };
  }
}

/** JSON with object keys sorted, so two documents compare by content whatever order their fields came in. */
function canonical(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical(value[key] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Whether Firestore already holds what the mapping produced, `stored` being the document as plain JSON
 * (`toJson`: timestamps as six-digit ISO strings). The run's `migration_timestamp` is not content: a re-run
 * that finds the same data changes nothing.
 */
export function sameContent(stored: JsonObject | undefined, mapped: JsonObject): boolean {
  if (!stored) return false;
  const { migration_timestamp: _a, ...left } = stored;
  const { migration_timestamp: _b, ...right } = mapped;
  return canonical(left) === canonical(right);
}
