/**
 * The rules suite shared by the official Firestore emulator's lane and the stand-in's (see rulesSuite). The clients
 * are the Firebase JS SDK's, through @firebase/rules-unit-testing, as a web app's would be.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertFails, assertSucceeds, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANY, firestorePathsIn } from "./code-paths.ts";

const RULES = readFileSync(fileURLToPath(new URL("../../../firestore.rules", import.meta.url)), "utf8");
const ALICE = "alice";
const BOB = "bob";

/** Every document path the code names (from functions/src), with Alice as the user and a fixed id elsewhere. */
const CODE_PATHS = firestorePathsIn(fileURLToPath(new URL("../../src", import.meta.url))).map((path) =>
  path
    .split("/")
    .map((segment, index, segments) => (segment !== ANY ? segment : segments[0] === "users" && index === 1 ? ALICE : index % 2 === 0 ? "anySub" : "doc-1"))
    .join("/"),
);

let env: RulesTestEnvironment;

/**
 * Every rule of firestore.rules, allowed and refused, through the JS SDK's clients that `open` gives: the official
 * emulator's (firestore.emulator.test.ts) or the stand-in's (firestore.standin.test.ts), one suite for both.
 */
export function rulesSuite(open: (rules: string) => Promise<RulesTestEnvironment>, close: () => Promise<void> = async () => undefined): void {
  beforeAll(async () => {
  env = await open(RULES);
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore();
    for (const path of CODE_PATHS) await db.doc(path).set({ uid: ALICE, seeded: true });
    for (const uid of [ALICE, BOB]) {
      await db.doc(`users/${uid}`).set({ timezone: "UTC", currentStreak: 1 });
      await db.doc(`users/${uid}/progress/course-1`).set({ watchTimes: { "lecture-1": 30 } });
      await db.doc(`users/${uid}/activityDays/2026-01-02`).set({ count: 1, date: "2026-01-02" });
      await db.doc(`users/${uid}/competencies/learning~video~basics`).set({ currentScore: 80 });
      await db.doc(`activities/activity-${uid}`).set({ uid, type: "login" });
      await db.doc(`answers/answer-${uid}`).set({ uid, questionId: "q-1", isCorrect: true });
      await db.doc(`reviews/review-${uid}`).set({ uid, answerId: `answer-${uid}`, score: 0.5 });
    }
    await db.doc("courses/course-1").set({ title: "A course", totalLectures: 1 });
    await db.doc("courses/course-1/lectures/lecture-1").set({ title: "A lecture" });
    await db.doc("questions/q-1").set({ type: "true_false", prompt: "Is it?" });
    await db.doc("questionKeys/q-1").set({ key: { type: "true_false", correct: true } });
    await db.doc("_sync/sinks").set({ bigquery: { delivered: 1 } });
  });
});

afterAll(async () => {
  await env?.cleanup();
  await close();
});

/** A signed-in user's Firestore client; `claims` go into the ID token (`{admin: true}`). */
const client = (uid: string, claims: Record<string, unknown> = {}) => env.authenticatedContext(uid, claims).firestore();

describe("a user's own data", () => {
  it.each(["users/{uid}", "users/{uid}/progress/course-1", "users/{uid}/activityDays/2026-01-02", "users/{uid}/competencies/learning~video~basics"])(
    "when a user reads their own %s, then it is allowed and another user's is denied",
    async (pattern) => {
      await assertSucceeds(client(ALICE).doc(pattern.replace("{uid}", ALICE)).get());
      await assertFails(client(ALICE).doc(pattern.replace("{uid}", BOB)).get());
    },
  );

  it("when a user lists their own progress, then it is allowed and another user's is denied", async () => {
    await assertSucceeds(client(ALICE).collection(`users/${ALICE}/progress`).get());
    await assertFails(client(ALICE).collection(`users/${BOB}/progress`).get());
  });

  it("when nobody is signed in, then a user's document is denied", async () => {
    await assertFails(env.unauthenticatedContext().firestore().doc(`users/${ALICE}`).get());
  });

  it.each(["activities", "answers"])("when a user reads their own %s document, then it is allowed and another user's is denied", async (collection) => {
    const singular = collection === "activities" ? "activity" : "answer";
    await assertSucceeds(client(ALICE).doc(`${collection}/${singular}-${ALICE}`).get());
    await assertFails(client(ALICE).doc(`${collection}/${singular}-${BOB}`).get());
  });

  it.each(["activities", "answers"])("when a user queries %s with where uid == their own, then it is allowed; without it, or on another uid, denied", async (collection) => {
    await assertSucceeds(client(ALICE).collection(collection).where("uid", "==", ALICE).get());
    await assertFails(client(ALICE).collection(collection).get());
    await assertFails(client(ALICE).collection(collection).where("uid", "==", BOB).get());
  });
});

describe("the catalogue", () => {
  it.each(["courses/course-1", "courses/course-1/lectures/lecture-1", "questions/q-1"])("when a signed-in user reads %s, then it is allowed; signed out, denied", async (path) => {
    await assertSucceeds(client(BOB).doc(path).get());
    await assertFails(env.unauthenticatedContext().firestore().doc(path).get());
  });

  it("when a signed-in user lists the questions and a course's lectures, then it is allowed", async () => {
    await assertSucceeds(client(BOB).collection("questions").get());
    await assertSucceeds(client(BOB).collection("courses/course-1/lectures").get());
  });
});

describe("reviews", () => {
  it("when a learner reads the review of their own answer, then it is allowed; another learner's, denied", async () => {
    await assertSucceeds(client(ALICE).doc(`reviews/review-${ALICE}`).get());
    await assertFails(client(BOB).doc(`reviews/review-${ALICE}`).get());
  });
});

describe("server-only data", () => {
  it.each(["questionKeys/q-1", "_sync/sinks"])("when the owner, even with an admin claim, reads %s, then it is denied", async (path) => {
    await assertFails(client(ALICE).doc(path).get());
    await assertFails(client(ALICE, { admin: true }).doc(path).get());
  });

  it("when anyone lists questionKeys or the dead letters, then it is denied", async () => {
    await assertFails(client(ALICE, { admin: true }).collection("questionKeys").get());
    await assertFails(client(ALICE, { admin: true }).collection("_sync/deadLetters/items").get());
  });
});

describe("client writes", () => {
  it("when functions/src names its paths, then the lane writes at least the mirrored and catalogue ones", () => {
    const expected = [`users/${ALICE}/progress/doc-1`, "activities/doc-1", "answers/doc-1", "courses/doc-1/lectures/doc-1", "questionKeys/doc-1", "_sync/sinks/shards/doc-1"];

    expect(CODE_PATHS).toEqual(expect.arrayContaining(expected));
  });

  it.each(CODE_PATHS)("when the owner, even with an admin claim, creates, updates or deletes %s, then it is denied", async (path) => {
    for (const db of [client(ALICE), client(ALICE, { admin: true })]) {
      await assertFails(db.doc(path).set({ uid: ALICE, forged: true }));
      await assertFails(db.doc(path).update({ forged: true }));
      await assertFails(db.doc(path).delete());
      await assertFails(db.doc(`${path}-new`).set({ uid: ALICE }));
    }
  });

  it("when a signed-in user adds a document to a collection of their own, then it is denied", async () => {
    await assertFails(client(ALICE).collection("activities").add({ uid: ALICE, type: "login" }));
    await assertFails(client(ALICE).collection(`users/${ALICE}/activityDays`).add({ count: 99 }));
  });
});
}
