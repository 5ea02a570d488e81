import { describe, expect, it } from "vitest";
import type { ChangeEnvelope } from "../envelope.js";
import { changelogRow, latestViewSql } from "./bigquery.js";
import { cosmosItem, isMigrationEcho } from "./cosmos.js";
import { mongoDocument } from "./mongo.js";

const V = "2026-11-22T00:00:01.000001Z";

function envelope(collection: string, documentPath: string, pathParams: Record<string, string>, after: object | null, before: object | null = null): ChangeEnvelope {
  return {
    eventId: "evt-1",
    collection,
    documentPath,
    documentId: documentPath.split("/").at(-1) as string,
    pathParams,
    operation: after ? (before ? "UPDATE" : "CREATE") : "DELETE",
    before: before as ChangeEnvelope["before"],
    after: after as ChangeEnvelope["after"],
    version: V,
    eventTime: "2026-11-22T00:00:02.000000Z",
  };
}

const answer = envelope("answers", "answers/a1", { answerId: "a1" }, {
  uid: "u1", questionId: "q1", quizId: "z1", subject: "math", skill: "alg", subskill: "lin", score: 0.5, isCorrect: false,
  pointsEarned: 1, maxPoints: 2, attemptNumber: 2, timeSpentMs: 900, status: "graded", feedback: "Try again.", submittedAt: "2026-11-22T00:00:00.000000Z",
});

describe("BigQuery changelog rows", () => {
  it("when a change is mapped, then the row carries the event id as insertId and both images as JSON", () => {
    const row = changelogRow(envelope("progress", "users/u1/progress/c1", { uid: "u1", courseId: "c1" }, { a: 1 }, { a: 0 }), "demo-p");
    expect(row).toEqual({
      insertId: "evt-1",
      json: {
        timestamp: "2026-11-22T00:00:02.000000Z",
        event_id: "evt-1",
        document_name: "projects/demo-p/databases/(default)/documents/users/u1/progress/c1",
        document_id: "c1",
        operation: "UPDATE",
        data: '{"a":1}',
        old_data: '{"a":0}',
        path_params: '{"uid":"u1","courseId":"c1"}',
        version: V,
      },
    });
  });

  it("when a delete is mapped, then data is null and old_data keeps what was deleted", () => {
    expect(changelogRow(envelope("answers", "answers/a1", {}, null, { x: 1 }), "p").json).toMatchObject({ operation: "DELETE", data: null, old_data: '{"x":1}' });
  });

  it("when the latest view is built, then it keeps the highest version per document and hides deletes", () => {
    const sql = latestViewSql("p", "d", "answers");
    expect(sql).toContain("ORDER BY version DESC");
    expect(sql).toContain("`p.d.answers_raw_changelog`");
    expect(sql).toContain("operation != 'DELETE'");
  });
});

describe("MongoDB documents", () => {
  it("when a document is mapped, then _id is its path, its fields are top level, and _v/_deleted stamp it", () => {
    expect(mongoDocument(envelope("users", "users/u1", { uid: "u1" }, { timezone: "UTC", _v: "clash" }))).toEqual({
      _id: "users/u1",
      _v: V,
      _deleted: false,
      _path: "users/u1",
      _collection: "users",
      timezone: "UTC",
      f__v: "clash",
    });
  });

  it("when a delete is mapped, then it is a version-stamped tombstone", () => {
    expect(mongoDocument(envelope("users", "users/u1", { uid: "u1" }, null, { timezone: "UTC" }))).toEqual({
      _id: "users/u1", _v: V, _deleted: true, _path: "users/u1", _collection: "users",
    });
  });
});

describe("Cosmos legacy items", () => {
  it.each([
    ["answers", answer, "student_attempts", {
      id: "a1", student_id: "u1", subject: "math", skill_id: "alg", subskill_id: "lin", score: 50,
      analysis: { question_id: "q1", quiz_id: "z1", is_correct: false, points_earned: 1, max_points: 2, attempt_number: 2, time_spent_ms: 900, status: "graded" },
      feedback: "Try again.", timestamp: "2026-11-22T00:00:00.000000Z", source_system: "learnpulse", migration_timestamp: null,
    }],
    ["competencies", envelope("competencies", "users/u1/competencies/math~alg~lin", { uid: "u1", competencyId: "math~alg~lin" },
      { subject: "math", skill: "alg", subskill: "lin", currentScore: 75, credibility: 0.5, totalAttempts: 5, lastUpdated: "2026-11-22T00:00:00.000000Z" }),
      "student_competencies", {
        id: "u1~math~alg~lin", student_id: "u1", subject: "math", skill_id: "alg", subskill_id: "lin", current_score: 75, credibility: 0.5,
        total_attempts: 5, last_updated: "2026-11-22T00:00:00.000000Z", source_system: "learnpulse",
      }],
    ["progress", envelope("progress", "users/u1/progress/c1", { uid: "u1", courseId: "c1" },
      { watchTimes: { l1: 30 }, completedLectures: ["l1"], lastWatchedLecture: "l1", completionPercentage: 50, coverage: { l1: 1 }, updatedAt: "t" }),
      "student_progress", {
        id: "u1~c1", student_id: "u1", course_id: "c1", watch_times: { l1: 30 }, completed_lectures: ["l1"], passed_quizzes: [], last_watched_lecture: "l1",
        completion_percentage: 50, coverage: { l1: 1 }, updated_at: "t",
      }],
    ["activities", envelope("activities", "activities/act1", { activityId: "act1" },
      { uid: "u1", type: "login", occurredAt: "t", localDate: "2026-11-22", metadata: { a: 1 }, device: { platform: "ios" } }),
      "student_activities", {
        id: "act1", student_id: "u1", activity_type: "login", course_id: null, lecture_id: null, quiz_id: null, question_id: null,
        occurred_at: "t", local_date: "2026-11-22", metadata: { a: 1 }, device: { platform: "ios" },
      }],
    ["activityDays", envelope("activityDays", "users/u1/activityDays/2026-11-22", { uid: "u1", date: "2026-11-22" }, { date: "2026-11-22", count: 3 }),
      "student_activity_days", { id: "u1~2026-11-22", student_id: "u1", date: "2026-11-22", count: 3 }],
    ["users", envelope("users", "users/u1", { uid: "u1" }, { timezone: "UTC", currentStreak: 2, longestStreak: 4, lastActiveDate: "2026-11-21", totalCompletedLectures: 1, totalActiveDays: 9 }),
      "students", {
        id: "u1", student_id: "u1", timezone: "UTC", current_streak: 2, longest_streak: 4, last_active_date: "2026-11-21",
        total_completed_lectures: 1, total_active_days: 9,
      }],
  ])("when %s changes, then it maps to %s in the legacy shape", (_collection, change, container, shape) => {
    expect(cosmosItem(change as ChangeEnvelope)).toEqual({ container, item: { ...(shape as object), _v: V, _deleted: false } });
  });

  it("when an answer is deleted, then the item is a tombstone keyed like the original", () => {
    const deleted = envelope("answers", "answers/a1", { answerId: "a1" }, null, { uid: "u1" });
    expect(cosmosItem(deleted)).toEqual({ container: "student_attempts", item: { id: "a1", student_id: "u1", _v: V, _deleted: true } });
  });

  it("when a collection has no legacy container, then there is nothing to write", () => {
    expect(cosmosItem(envelope("courses", "courses/c1", {}, { title: "x" }))).toBeUndefined();
  });
});

describe("migration echo", () => {
  const migrated = { uid: "u1", source_system: "cosmos_migration", migration_timestamp: "2026-11-01T00:00:00.000000Z", score: 0.5 };
  it("when the migration creates a document from Cosmos, then it is not written back to Cosmos", () => {
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, migrated))).toBe(true);
  });

  it("when a migrated document is rewritten unchanged (a re-run), then it is still an echo", () => {
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, migrated, migrated))).toBe(true);
  });

  it("when a later migration run re-imports a changed legacy item, then it is still an echo", () => {
    const reimported = { ...migrated, score: 0.75, migration_timestamp: "2026-11-20T00:00:00.000000Z" };
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, reimported, migrated))).toBe(true);
  });

  it("when LearnPulse changes a migrated document or writes its own, then it flows to Cosmos", () => {
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, { ...migrated, score: 1 }, migrated))).toBe(false);
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, { uid: "u1", score: 1 }))).toBe(false);
    expect(isMigrationEcho(envelope("answers", "answers/a1", {}, null, migrated))).toBe(false);
  });
});
