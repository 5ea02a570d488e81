/**
 * Envelope → Cosmos DB item in the legacy shapes the existing Cosmos readers use, partitioned by `/student_id`.
 * Every item carries `_v` (the version) and `_deleted` (tombstones), so an older change never overwrites a newer one.
 *
 * | Firestore collection | Cosmos container | id |
 * | --- | --- | --- |
 * | answers | student_attempts | answer id |
 * | competencies | student_competencies | `{uid}~{subject~skill~subskill}` |
 * | progress | student_progress | `{uid}~{courseId}` |
 * | activities | student_activities | activity id |
 * | activityDays | student_activity_days | `{uid}~{date}` |
 * | users | students | uid |
 * | quizProgress | student_quiz_progress | `{uid}~{quizId}` |
 * | reviews | student_reviews | review id (the answer id for reviews made in LearnPulse) |
 */
import type { ChangeEnvelope, JsonObject, JsonValue } from "../envelope.js";

export const COSMOS_PARTITION_KEY = "/student_id";
/** What the legacy readers expect in `source_system` for data that LearnPulse wrote. */
export const SOURCE_SYSTEM = "learnpulse";
/** `source_system` of documents imported from Cosmos by the migration tool. */
export const MIGRATED_FROM_COSMOS = "cosmos_migration";

/**
 * A change that only brings in what the migration imported from Cosmos must not be written back to Cosmos: the
 * item is already there, and writing it would echo the migration into the legacy store as a new version. That is
 * a document marked as migrated that the migration just created, re-imported (a later run: a new
 * `migration_timestamp`), or rewrote unchanged. A change LearnPulse makes to a migrated document keeps the
 * migration's timestamp and changes data, so it does flow back.
 */
export function isMigrationEcho(envelope: ChangeEnvelope): boolean {
  const { before, after } = envelope;
  if (!after || after["source_system"] !== MIGRATED_FROM_COSMOS) return false;
  if (!before) return true;
  if (before["migration_timestamp"] !== after["migration_timestamp"]) return true;
  return JSON.stringify(before) === JSON.stringify(after);
}

export interface CosmosItem {
  id: string;
  student_id: string;
  _v: string;
  _deleted: boolean;
  [field: string]: JsonValue;
}

interface Mapping {
  container: string;
  /** The item id and student of a document, from its path params and data. */
  key(envelope: ChangeEnvelope, data: JsonObject): { id: string; student: string };
  shape(data: JsonObject, envelope: ChangeEnvelope): JsonObject;
}

const str = (value: JsonValue | undefined) => (typeof value === "string" ? value : null);
const num = (value: JsonValue | undefined) => (typeof value === "number" ? value : null);
const param = (envelope: ChangeEnvelope, name: string) => envelope.pathParams[name] ?? "";

export const COSMOS_MAPPINGS: Record<string, Mapping> = {
  answers: {
    container: "student_attempts",
    key: (envelope, data) => ({ id: envelope.documentId, student: str(data["uid"]) ?? "" }),
    shape: (data) => ({
      subject: str(data["subject"]),
      skill_id: str(data["skill"]),
      subskill_id: str(data["subskill"]),
      // Legacy scores are percentages.
      score: Math.round((num(data["score"]) ?? 0) * 1000) / 10,
      analysis: {
        question_id: str(data["questionId"]),
        quiz_id: str(data["quizId"]),
        is_correct: typeof data["isCorrect"] === "boolean" ? data["isCorrect"] : null,
        points_earned: num(data["pointsEarned"]),
        max_points: num(data["maxPoints"]),
        attempt_number: num(data["attemptNumber"]),
        time_spent_ms: num(data["timeSpentMs"]),
        status: str(data["status"]),
      },
      feedback: str(data["feedback"]),
      timestamp: str(data["submittedAt"]),
      source_system: str(data["source_system"]) ?? SOURCE_SYSTEM,
      migration_timestamp: str(data["migration_timestamp"]),
    }),
  },
  competencies: {
    container: "student_competencies",
    key: (envelope) => ({ id: `${param(envelope, "uid")}~${envelope.documentId}`, student: param(envelope, "uid") }),
    shape: (data) => ({
      subject: str(data["subject"]),
      skill_id: str(data["skill"]),
      subskill_id: str(data["subskill"]),
      current_score: num(data["currentScore"]),
      credibility: num(data["credibility"]),
      total_attempts: num(data["totalAttempts"]),
      last_updated: str(data["lastUpdated"]),
      source_system: str(data["source_system"]) ?? SOURCE_SYSTEM,
    }),
  },
  progress: {
    container: "student_progress",
    key: (envelope) => ({ id: `${param(envelope, "uid")}~${envelope.documentId}`, student: param(envelope, "uid") }),
    shape: (data, envelope) => ({
      course_id: envelope.documentId,
      watch_times: data["watchTimes"] ?? {},
      completed_lectures: data["completedLectures"] ?? [],
      passed_quizzes: data["passedQuizzes"] ?? [],
      last_watched_lecture: str(data["lastWatchedLecture"]),
      completion_percentage: num(data["completionPercentage"]),
      coverage: data["coverage"] ?? {},
      updated_at: str(data["updatedAt"]),
    }),
  },
  activities: {
    container: "student_activities",
    key: (envelope, data) => ({ id: envelope.documentId, student: str(data["uid"]) ?? "" }),
    shape: (data) => ({
      activity_type: str(data["type"]),
      course_id: str(data["courseId"]),
      lecture_id: str(data["lectureId"]),
      quiz_id: str(data["quizId"]),
      question_id: str(data["questionId"]),
      occurred_at: str(data["occurredAt"]),
      local_date: str(data["localDate"]),
      metadata: data["metadata"] ?? {},
      device: data["device"] ?? null,
    }),
  },
  activityDays: {
    container: "student_activity_days",
    key: (envelope) => ({ id: `${param(envelope, "uid")}~${envelope.documentId}`, student: param(envelope, "uid") }),
    shape: (data, envelope) => ({ date: str(data["date"]) ?? envelope.documentId, count: num(data["count"]) ?? 0 }),
  },
  reviews: {
    container: "student_reviews",
    key: (envelope, data) => ({ id: envelope.documentId, student: str(data["uid"]) ?? "" }),
    // The legacy shape: `attempt_id` names the reviewed student_attempts item (the answer), `score` is a percentage.
    shape: (data) => {
      const percent = Math.round((num(data["score"]) ?? 0) * 1000) / 10;
      const rubric = Array.isArray(data["rubric"]) ? (data["rubric"] as JsonObject[]) : [];
      return {
        attempt_id: str(data["answerId"]),
        reviewer: str(data["reviewer"]),
        score: percent,
        comments: str(data["comments"]),
        timestamp: str(data["reviewedAt"]),
        full_review: {
          observation: rubric.length ? rubric.map((line) => `${str(line["criterion"])}: ${num(line["score"])}/${num(line["maxScore"])}`).join("; ") : null,
          analysis: null,
          evaluation: { score: percent },
          feedback: str(data["comments"]),
        },
        revision: num(data["revision"]),
        source_system: str(data["source_system"]) ?? SOURCE_SYSTEM,
      };
    },
  },
  quizProgress: {
    container: "student_quiz_progress",
    key: (envelope) => ({ id: `${param(envelope, "uid")}~${envelope.documentId}`, student: param(envelope, "uid") }),
    shape: (data, envelope) => ({
      quiz_id: envelope.documentId,
      course_id: str(data["courseId"]),
      status: str(data["status"]),
      current_phase: str(data["currentPhase"]),
      completed_at: str(data["completedAt"]),
      // One entry per phase and question: the legacy readers' "phase progress tracks score, attempts, time".
      phases: Object.fromEntries(
        Object.entries((data["phases"] ?? {}) as Record<string, JsonObject>).map(([phaseId, phase]) => [
          phaseId,
          {
            status: str(phase["status"]),
            questions: Object.fromEntries(
              Object.entries((phase["questions"] ?? {}) as Record<string, JsonObject>).map(([questionId, record]) => [
                questionId,
                { best_points: num(record["bestPoints"]), max_points: num(record["maxPoints"]), attempts: num(record["attempts"]), time_spent_ms: num(record["timeSpentMs"]), pending_review: record["pendingReview"] === true },
              ]),
            ),
          },
        ]),
      ),
    }),
  },
  users: {
    container: "students",
    key: (envelope) => ({ id: envelope.documentId, student: envelope.documentId }),
    shape: (data) => ({
      timezone: str(data["timezone"]),
      current_streak: num(data["currentStreak"]),
      longest_streak: num(data["longestStreak"]),
      last_active_date: str(data["lastActiveDate"]),
      total_completed_lectures: num(data["totalCompletedLectures"]),
      total_active_days: num(data["totalActiveDays"]),
    }),
  },
};

export function cosmosContainerOf(collection: string): string | undefined {
  return COSMOS_MAPPINGS[collection]?.container;
}

/** The item to write for a change, or undefined when the collection has no legacy container. */
export function cosmosItem(envelope: ChangeEnvelope): { container: string; item: CosmosItem } | undefined {
  const mapping = COSMOS_MAPPINGS[envelope.collection];
  if (!mapping) return undefined;
  // A delete has no `after`: its id and student come from what was there before.
  const data = envelope.after ?? envelope.before ?? {};
  const { id, student } = mapping.key(envelope, data);
  const stamp = { id, student_id: student, _v: envelope.version };
  const item: CosmosItem = envelope.after ? { ...mapping.shape(data, envelope), ...stamp, _deleted: false } : { ...stamp, _deleted: true };
  return { container: mapping.container, item };
}
