/**
 * The Cosmos → Firestore backfill against the stand-ins, with the real adapters: 5,000 legacy items seeded in a
 * Cosmos database of this test's own; a run killed half-way and resumed from its checkpoint; a second run that
 * writes nothing; a dry run that writes nothing; and no echo of the import into the mirror's Cosmos database.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CosmosClient, type Container } from "@azure/cosmos";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosmosContainer } from "../../src/adapters/cosmos.js";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { COSMOS_DATABASE } from "../../src/config.js";
import { cosmosLegacyReader, fileCheckpointStore, firestoreMigrationStore } from "../../src/sync/migration/adapters.js";
import { backfillFromCosmos, type BackfillReport, type MigrationStore } from "../../src/sync/migration/backfill.js";
import { COSMOS_PARTITION_KEY } from "../../src/sync/mappers/cosmos.js";
import { readMongo } from "../helpers/sinks.js";
import { triggersIdle, uniqueId } from "../helpers/stack.js";

const run = uniqueId("mig");
const STUDENTS = Array.from({ length: 50 }, (_, i) => `${run}-s${i}`);
const ATTEMPTS = 2_000;
const REVIEWS = 1_000;
const COMPETENCIES = 2_000;
/** Of the attempts, every 40th is a tombstone and the one after it a mirror copy: both skipped. */
const SKIPPED_ATTEMPTS = 2 * (ATTEMPTS / 40);
const BATCH = 200;

const student = (n: number) => STUDENTS[n % STUDENTS.length] as string;
const attemptId = (n: number) => `${run}-att-${String(n).padStart(5, "0")}`;
const time = (n: number) => new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString();

function legacyAttempt(n: number) {
  return {
    id: attemptId(n), student_id: student(n), subject: "math", skill_id: `k${n % 7}`, subskill_id: "basics", score: n % 101,
    analysis: { question_id: `q${n % 30}`, is_correct: n % 2 === 0, points_earned: n % 3, max_points: 2, attempt_number: 1, time_spent_ms: 1_000 + n, status: "graded" },
    feedback: n % 5 === 0 ? "Good" : null, timestamp: time(n),
    ...(n % 40 === 0 ? { _deleted: true } : {}), ...(n % 40 === 1 ? { source_system: "learnpulse" } : {}),
  };
}
const legacyReview = (n: number) => ({
  id: `${run}-rev-${n}`, student_id: student(n), attempt_id: attemptId(n), reviewer: "teacher-1", score: 70, comments: `review ${n}`, timestamp: time(n),
});
/** Forty competencies per student: four subjects × ten skills. */
const legacyCompetency = (n: number) => {
  const j = Math.floor(n / STUDENTS.length);
  return {
    id: `${student(n)}~c${j}`, student_id: student(n), subject: `sub${j % 4}`, skill_id: `sk${Math.floor(j / 4)}`, subskill_id: "core",
    current_score: 50 + (n % 50), credibility: 0.5, total_attempts: 5, last_updated: time(n),
  };
};

async function seed(name: string, items: object[]) {
  const container = await cosmosContainer(name, COSMOS_PARTITION_KEY);
  const PARALLEL = 50;
  for (let start = 0; start < items.length; start += PARALLEL) {
    await Promise.all(items.slice(start, start + PARALLEL).map((item) => container.items.upsert(item)));
  }
}

/** The real Firestore store, counting documents written, and optionally crashing after some pages were written. */
function countingStore(real: MigrationStore, crashAfterPages = Infinity) {
  const counter = { docs: 0, pages: 0 };
  const store: MigrationStore = {
    read: (paths) => real.read(paths),
    write: async (docs) => {
      if (counter.pages >= crashAfterPages) throw new Error("killed half-way");
      await real.write(docs);
      counter.pages++;
      counter.docs += docs.length;
    },
  };
  return { store, counter };
}

const total = (report: BackfillReport, count: "read" | "created" | "updated" | "unchanged" | "skipped" | "failed") =>
  Object.values(report.containers).reduce((sum, state) => sum + state.counts[count], 0);

describe("the Cosmos backfill", () => {
  const mirrorDatabase = COSMOS_DATABASE.value();
  let checkpointDir: string;
  let checkpointPath: string;
  let store: MigrationStore;

  beforeAll(async () => {
    // This worker's adapters read their own legacy database; the stack's mirror keeps writing to its own.
    process.env["COSMOS_DATABASE"] = `${run}-legacy`;
    checkpointDir = await mkdtemp(join(tmpdir(), "migrate-cosmos-"));
    checkpointPath = join(checkpointDir, "checkpoint.json");
    store = firestoreMigrationStore(await firestoreKit());
    await Promise.all([
      seed("student_attempts", Array.from({ length: ATTEMPTS }, (_, n) => legacyAttempt(n))),
      seed("student_reviews", Array.from({ length: REVIEWS }, (_, n) => legacyReview(n))),
      seed("student_competencies", Array.from({ length: COMPETENCIES }, (_, n) => legacyCompetency(n))),
    ]);
  }, 300_000);

  afterAll(async () => {
    process.env["COSMOS_DATABASE"] = mirrorDatabase;
    await rm(checkpointDir, { recursive: true, force: true });
  });

  const ports = (target: MigrationStore) => ({
    reader: cosmosLegacyReader(cosmosContainer),
    store: target,
    checkpoints: fileCheckpointStore(checkpointPath),
  });

  it("when it runs dry first, then it reports what it would create and writes nothing, not even a checkpoint", async () => {
    const { store: counting, counter } = countingStore(store);
    const report = await backfillFromCosmos(ports(counting), { dryRun: true, batchSize: BATCH });
    expect(counter.docs).toBe(0);
    await expect(stat(checkpointPath)).rejects.toMatchObject({ code: "ENOENT" });
    expect(report.containers.student_attempts.counts).toMatchObject({ read: ATTEMPTS, created: ATTEMPTS - SKIPPED_ATTEMPTS, skipped: SKIPPED_ATTEMPTS });
    expect(report.containers.student_attempts.changedIds[0]).toBe(attemptId(2));
    expect(total(report, "created")).toBe(ATTEMPTS - SKIPPED_ATTEMPTS + REVIEWS + COMPETENCIES);
    const { db } = await firestoreKit();
    expect((await db.doc(`answers/${attemptId(2)}`).get()).exists).toBe(false);
  });

  it("when a run is killed half-way and run again, then it resumes from the checkpoint and imports each item once", async () => {
    const crashing = countingStore(store, 12);
    await expect(backfillFromCosmos(ports(crashing.store), { batchSize: BATCH })).rejects.toThrow("killed half-way");
    const saved = await fileCheckpointStore(checkpointPath).load();
    expect(saved?.containers.student_attempts.done).toBe(true);
    expect(saved?.containers.student_reviews.done).toBe(false);

    const started = Date.now();
    const resumed = countingStore(store);
    const report = await backfillFromCosmos(ports(resumed.store), { batchSize: BATCH });
    console.info(`[migration] resumed run: ${total(report, "read")} items in ${Date.now() - started} ms`);
    expect(report.resumed).toBe(true);
    expect(total(report, "read")).toBe(ATTEMPTS + REVIEWS + COMPETENCIES);
    expect(total(report, "failed")).toBe(0);
    expect(crashing.counter.docs + resumed.counter.docs).toBe(ATTEMPTS - SKIPPED_ATTEMPTS + REVIEWS + COMPETENCIES);
    await expect(stat(checkpointPath)).rejects.toMatchObject({ code: "ENOENT" });

    const { db } = await firestoreKit();
    const count = async (query: FirebaseFirestore.Query) => (await query.count().get()).data().count;
    const byId = (collection: string, prefix: string) =>
      db.collection(collection).where("__name__", ">=", db.doc(`${collection}/${prefix}`)).where("__name__", "<", db.doc(`${collection}/${prefix}~`));
    expect(await count(byId("answers", `${run}-att-`))).toBe(ATTEMPTS - SKIPPED_ATTEMPTS);
    expect(await count(byId("reviews", `${run}-rev-`))).toBe(REVIEWS);
    const competencies = await Promise.all(STUDENTS.map((uid) => count(db.collection(`users/${uid}/competencies`))));
    expect(competencies.reduce((sum, n) => sum + n, 0)).toBe(COMPETENCIES);

    const answer = (await db.doc(`answers/${attemptId(10)}`).get()).data();
    expect(answer).toMatchObject({ uid: student(10), skill: "k3", score: 0.1, isCorrect: true, pointsEarned: 1, feedback: "Good", source_system: "cosmos_migration", migration_timestamp: report.migratedAt });
    expect(answer?.["submittedAt"].toDate().toISOString()).toBe(time(10));
    expect((await db.doc(`answers/${attemptId(40)}`).get()).exists).toBe(false); // tombstone
    expect((await db.doc(`answers/${attemptId(41)}`).get()).exists).toBe(false); // LearnPulse's own
    expect((await db.doc(`reviews/${run}-rev-3`).get()).data()).toMatchObject({ uid: student(3), answerId: attemptId(3), reviewer: "teacher-1", score: 0.7 });
    expect((await db.doc(`users/${student(60)}/competencies/sub1~sk0~core`).get()).data()).toMatchObject({ currentScore: 60, totalAttempts: 5 });
  }, 300_000);

  it("when it runs again, then everything is unchanged and nothing is written", async () => {
    const again = countingStore(store);
    const started = Date.now();
    const report = await backfillFromCosmos(ports(again.store), { batchSize: BATCH });
    console.info(`[migration] re-run: ${total(report, "read")} items in ${Date.now() - started} ms`);
    expect(again.counter.docs).toBe(0);
    expect(report.resumed).toBe(false);
    expect(total(report, "unchanged")).toBe(ATTEMPTS - SKIPPED_ATTEMPTS + REVIEWS + COMPETENCIES);
    expect(total(report, "created") + total(report, "updated")).toBe(0);
    const dry = await backfillFromCosmos(ports(again.store), { dryRun: true, batchSize: BATCH });
    expect(total(dry, "created") + total(dry, "updated")).toBe(0);
  }, 300_000);

  it("when the mirror triggers have run, then nothing was echoed into the mirror's Cosmos database", async () => {
    await triggersIdle();
    // The triggers did fire for the imported documents: the Mongo mirror has them...
    expect(await readMongo("answers", `answers/${attemptId(2)}`, undefined as never)).toMatchObject({ source_system: "cosmos_migration" });
    // ...and the Cosmos sink wrote none of them back.
    const client = new CosmosClient({ endpoint: process.env["COSMOS_ENDPOINT"] as string, key: process.env["COSMOS_KEY"] as string });
    const database = (await client.databases.createIfNotExists({ id: mirrorDatabase })).database;
    const countOurs = async (container: Container) => {
      const query = { query: "SELECT VALUE COUNT(1) FROM c WHERE STARTSWITH(c.student_id, @run)", parameters: [{ name: "@run", value: run }] };
      return (await container.items.query<number>(query).fetchAll()).resources.reduce((sum, n) => sum + n, 0);
    };
    // The query does see this test's items where they are (so a 0 below means none, not a query that matches nothing).
    expect(await countOurs(await cosmosContainer("student_attempts", COSMOS_PARTITION_KEY))).toBe(ATTEMPTS);
    for (const name of ["student_attempts", "student_competencies"]) {
      const container = (await database.containers.createIfNotExists({ id: name, partitionKey: { paths: [COSMOS_PARTITION_KEY] } })).container;
      expect(await countOurs(container), name).toBe(0);
    }
  }, 300_000);
});
