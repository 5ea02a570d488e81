import { describe, expect, it } from "vitest";
import { buildEnvelope, type JsonObject } from "../envelope.js";
import { cosmosItem } from "../mappers/cosmos.js";
import { LegacyTime } from "./legacy.js";
import { mapLegacyItem, sameContent } from "./mapping.js";

const AT = "2026-11-22T00:00:00.000000Z";
const stamp = { source_system: "cosmos_migration", migration_timestamp: AT };

const attempt = {
  id: "a1", student_id: "u1", subject: "math", skill_id: "alg", subskill_id: "lin", score: 50,
  analysis: { question_id: "q1", quiz_id: "z1", is_correct: false, points_earned: 1, max_points: 2, attempt_number: 2, time_spent_ms: 900, status: "graded" },
  feedback: "Try again.", timestamp: "2026-11-21T10:00:00.123456Z", _rid: "x", _ts: 1,
};
const competency = {
  id: "u1~math~alg~lin", student_id: "u1", subject: "math", skill_id: "alg", subskill_id: "lin",
  current_score: 72.5, credibility: 0.5, total_attempts: 5, last_updated: "2026-11-21T10:00:00Z",
};
const review = { id: "r1", student_id: "u1", attempt_id: "a1", reviewer: "t-7", score: 80, comments: "Clear.", timestamp: "2026-11-21T11:00:00.5+01:00" };

describe("legacy items → Firestore documents", () => {
  it.each([
    {
      when: "an attempt",
      container: "student_attempts" as const,
      item: attempt,
      path: "answers/a1",
      data: {
        uid: "u1", subject: "math", skill: "alg", subskill: "lin", score: 0.5, questionId: "q1", quizId: "z1", isCorrect: false,
        pointsEarned: 1, maxPoints: 2, attemptNumber: 2, timeSpentMs: 900, status: "graded", feedback: "Try again.", submittedAt: "2026-11-21T10:00:00.123456Z",
      },
    },
    {
      when: "an attempt without analysis or feedback",
      container: "student_attempts" as const,
      item: { ...attempt, analysis: null, feedback: undefined, score: 33.3 },
      path: "answers/a1",
      data: { uid: "u1", subject: "math", skill: "alg", subskill: "lin", score: 0.333, feedback: null, submittedAt: "2026-11-21T10:00:00.123456Z" },
    },
    {
      when: "a pending attempt (is_correct null)",
      container: "student_attempts" as const,
      item: { ...attempt, analysis: { is_correct: null, status: "pending_review" } },
      path: "answers/a1",
      data: { uid: "u1", subject: "math", skill: "alg", subskill: "lin", score: 0.5, isCorrect: null, status: "pending_review", feedback: "Try again.", submittedAt: "2026-11-21T10:00:00.123456Z" },
    },
    {
      when: "a competency",
      container: "student_competencies" as const,
      item: competency,
      path: "users/u1/competencies/math~alg~lin",
      data: { subject: "math", skill: "alg", subskill: "lin", currentScore: 72.5, credibility: 0.5, totalAttempts: 5, lastUpdated: "2026-11-21T10:00:00.000000Z" },
    },
    {
      when: "a review with a zone offset",
      container: "student_reviews" as const,
      item: review,
      path: "reviews/r1",
      data: { uid: "u1", answerId: "a1", reviewer: "t-7", score: 0.8, comments: "Clear.", reviewedAt: "2026-11-21T10:00:00.500000Z" },
    },
  ])("when $when is mapped, then it becomes $path with the product's fields and the migration mark", ({ container, item, path, data }) => {
    const outcome = mapLegacyItem(container, item, AT);
    expect(outcome).toMatchObject({ doc: { path } });
    expect("doc" in outcome && outcome.doc.data).toEqual({ ...data, ...stamp });
  });

  it.each([
    { when: "the item is a tombstone", item: { ...attempt, _deleted: true }, expected: { skipped: "deleted" } },
    { when: "LearnPulse wrote the item", item: { ...attempt, source_system: "learnpulse" }, expected: { skipped: "learnpulse" } },
    { when: "the mirror stamped the item with a version", item: { ...attempt, _v: AT }, expected: { skipped: "learnpulse" } },
    { when: "a tombstone lacks every other field", item: { id: "a2", _deleted: true }, expected: { skipped: "deleted" } },
  ])("when $when, then it is skipped", ({ item, expected }) => {
    expect(mapLegacyItem("student_attempts", item, AT)).toEqual(expected);
  });

  it.each([
    { when: "the score is not a number", item: { ...attempt, score: "50" }, field: "score" },
    { when: "the id holds a slash", item: { ...attempt, id: "a/1" }, field: "id" },
    { when: "the date has no zone", item: { ...attempt, timestamp: "2026-11-21T10:00:00" }, field: "timestamp" },
    { when: "the subskill holds the id separator", item: { ...attempt, subskill_id: "a~b" }, field: "subskill_id" },
  ])("when $when, then it fails naming $field", ({ item, field }) => {
    const outcome = mapLegacyItem("student_attempts", item, AT);
    expect(outcome).toEqual({ failed: expect.stringContaining(`${field}:`) });
  });
});

describe("legacy dates", () => {
  it.each([
    ["2026-01-02T03:04:05Z", "2026-01-02T03:04:05.000000Z"],
    ["2026-01-02T03:04:05.1234567Z", "2026-01-02T03:04:05.123456Z"],
    ["2026-01-02T03:04:05.12-02:00", "2026-01-02T05:04:05.120000Z"],
  ])("when the legacy date is %s, then it reads %s", (legacy, expected) => {
    expect(LegacyTime.parse(legacy)).toBe(expected);
  });
});

describe("round trip with the Cosmos mirror", () => {
  /** What the Cosmos sink would write for a Firestore document, minus its stamps. */
  function mirrored(documentPath: string, pathParams: Record<string, string>, data: JsonObject) {
    const envelope = buildEnvelope({
      eventId: "e1", eventTime: AT, documentPath, pathParams, before: { exists: false }, after: { exists: true, data },
    });
    const { item } = cosmosItem(envelope) as NonNullable<ReturnType<typeof cosmosItem>>;
    const { _v: _version, ...rest } = item;
    return rest;
  }

  it("when an answer is mirrored to Cosmos and migrated back, then the document is the same", () => {
    const original = (mapLegacyItem("student_attempts", attempt, AT) as { doc: { data: JsonObject } }).doc.data;
    const legacy = mirrored("answers/a1", { answerId: "a1" }, original);
    expect(legacy).toMatchObject({ id: "a1", student_id: "u1", score: 50, source_system: "cosmos_migration" });
    // A mirror copy is LearnPulse's: the backfill skips it. Without the version stamp it maps back to the original.
    expect(mapLegacyItem("student_attempts", { ...legacy, _v: AT }, AT)).toEqual({ skipped: "learnpulse" });
    const back = mapLegacyItem("student_attempts", { ...legacy, source_system: undefined }, AT);
    expect("doc" in back && back.doc.data).toEqual(original);
  });

  it("when a competency is mirrored to Cosmos and migrated back, then the document is the same", () => {
    const original = (mapLegacyItem("student_competencies", competency, AT) as { doc: { data: JsonObject } }).doc.data;
    const legacy = mirrored("users/u1/competencies/math~alg~lin", { uid: "u1", competencyId: "math~alg~lin" }, original);
    const back = mapLegacyItem("student_competencies", { ...legacy, source_system: undefined }, AT);
    expect("doc" in back && back.doc).toMatchObject({ path: "users/u1/competencies/math~alg~lin", data: original });
  });
});

describe("comparing with Firestore", () => {
  it("when only migration_timestamp differs, then the content is the same", () => {
    expect(sameContent({ b: 1, a: { y: 2, x: 1 }, migration_timestamp: "t1" }, { a: { x: 1, y: 2 }, b: 1, migration_timestamp: "t2" })).toBe(true);
  });

  it("when a field differs, is missing, or there is no document, then the content differs", () => {
    expect(sameContent({ a: 1 }, { a: 2 })).toBe(false);
    expect(sameContent({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameContent(undefined, { a: 1 })).toBe(false);
  });
});
