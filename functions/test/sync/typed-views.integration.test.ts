/**
 * The typed views (sync/mappers/bigquery-views.ts) that the BigQuery sink creates beside each changelog, read through
 * the official client on the BigQuery stand-in: a learner's activity, progress and answer arrive through the
 * product (callables, a flush, the triggers and the delivery queues), and each view types what it shows.
 */
import { DEMO_COURSE_ID, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { beforeAll, describe, expect, it } from "vitest";
import { bigquery } from "../../src/adapters/bigquery.js";
import { firestore } from "../../src/adapters/firestore.js";
import { BIGQUERY_DATASET } from "../../src/config.js";
import { STORED_SCHEMAS } from "../../src/schemas/stored.js";
import { MIRRORED_DOCUMENTS } from "../../src/sync/collections.js";
import { CHANGELOG_SCHEMA, latestViewSql } from "../../src/sync/mappers/bigquery.js";
import { typedViews } from "../../src/sync/mappers/bigquery-views.js";
import { bigquerySink } from "../../src/sync/sinks/bigquery.js";
import { testEnvelope } from "../helpers/sinks.js";
import { callFunction, flushNowAsAdmin, triggersIdle, uniqueId } from "../helpers/stack.js";

const learner = uniqueId("views");

async function rows(view: string, where: string, params: Record<string, unknown>, dataset = BIGQUERY_DATASET.value()): Promise<Record<string, unknown>[]> {
  const bq = await bigquery();
  const [result] = await bq.query({ query: `SELECT * FROM \`${bq.projectId}.${dataset}.${view}\` WHERE ${where}`, params });
  return result as Record<string, unknown>[];
}

beforeAll(async () => {
  await seedDemoCatalogue(await firestore());
  const me = { uid: learner };
  await callFunction("recordActivity", { type: "lecture_view", clientEventId: uniqueId("ev"), courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1" }, me);
  await callFunction("saveProgress", { courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1", position: 120, duration: 120, playedSegments: [[0, 120]] }, me);
  expect((await flushNowAsAdmin()).status).toBe(200);
  const attemptId = uniqueId("att");
  await callFunction("startAttempt", { questionId: "demo-q-true_false", attemptId }, me);
  await callFunction("submitAnswer", { questionId: "demo-q-true_false", attemptId, answer: { value: true }, timeSpentMs: 1_500 }, me);
  await triggersIdle();
});

describe("typed BigQuery views", () => {
  it("when a learner's progress is flushed, then progress_schema_latest types its scalars and its maps get a row per lecture", async () => {
    const [progress] = await rows("progress_schema_latest", "path_uid = @uid", { uid: learner });
    const watched = await rows("progress_schema_watchTimes", "path_uid = @uid", { uid: learner });
    const completed = await rows("progress_schema_completedLectures", "path_uid = @uid", { uid: learner });

    expect(progress).toMatchObject({ path_uid: learner, path_courseId: DEMO_COURSE_ID, lastWatchedLecture: "demo-lecture-1", completionPercentage: expect.any(Number) });
    expect(typeof progress?.["watchTimes"]).toBe("string");
    expect(watched.map((row) => [row["key"], row["value"]])).toEqual([["demo-lecture-1", 120]]);
    // The whole lecture played: the flush completed it.
    expect(completed.map((row) => [row["position"], row["value"]])).toEqual([[0, "demo-lecture-1"]]);
  });

  it("when activities and answers are mirrored, then timestamps are TIMESTAMPs, numbers numbers and booleans booleans", async () => {
    const activities = await rows("activities_schema_latest", "uid = @uid AND type = 'lecture_view'", { uid: learner });
    const [answer] = await rows("answers_schema_latest", "uid = @uid", { uid: learner });
    const [user] = await rows("users_schema_latest", "document_id = @uid", { uid: learner });

    expect(activities).toHaveLength(1);
    expect(activities[0]).toMatchObject({ courseId: DEMO_COURSE_ID, lectureId: "demo-lecture-1", device_platform: expect.any(String) });
    expect(Date.parse((activities[0]?.["occurredAt"] as { value: string }).value)).toBeGreaterThan(Date.now() - 600_000);
    expect(answer).toMatchObject({ questionType: "true_false", isCorrect: true, pointsEarned: 1, attemptNumber: 1, timeSpentMs: 1_500, status: "graded" });
    expect(user).toMatchObject({ totalActiveDays: 1, currentStreak: 1, totalCompletedLectures: 1 });
  });

  it("when a view's definition is out of date (a schema changed since), then the sink's bootstrap redefines it", async () => {
    const bq = await bigquery();
    const datasetId = `views_${uniqueId("ds").replaceAll("-", "_")}`;
    const [dataset] = await bq.dataset(datasetId).get({ autoCreate: true });
    await dataset.table("users_raw_changelog").get({ autoCreate: true, schema: CHANGELOG_SCHEMA.map((field) => ({ ...field })) });
    const createView = (name: string, query: string) => {
      const options = { autoCreate: true, view: { query, useLegacySql: false } };
      return dataset.table(name).get(options);
    };
    await createView("users_raw_latest", latestViewSql(bq.projectId, datasetId, "users"));
    // The view as an older schema made it: one column.
    await createView("users_schema_latest", `SELECT document_name FROM \`${bq.projectId}.${datasetId}.users_raw_latest\``);

    const outcome = await bigquerySink(bigquery, () => datasetId).deliver(testEnvelope(`users/${learner}`, { uid: learner }, { currentStreak: 4 }, 1));

    expect(outcome).toEqual({ applied: true });
    const [metadata] = await dataset.table("users_schema_latest").getMetadata();
    const expected = typedViews({ projectId: bq.projectId, dataset: datasetId, collection: "users", pattern: MIRRORED_DOCUMENTS.users, schema: STORED_SCHEMAS.users })[0];
    expect((metadata as { view?: { query?: string } }).view?.query).toBe(expected?.sql);
    const [user] = await rows("users_schema_latest", "document_id = @uid", { uid: learner }, datasetId);
    expect(user).toMatchObject({ currentStreak: 4 });
  });
});
