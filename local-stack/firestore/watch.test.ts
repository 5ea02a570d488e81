/**
 * Listen as the Firebase JS SDK uses it, in Node (gRPC): one stream per client, targets added and removed as
 * listeners come and go, documents entering and leaving a query, resumption after a dropped stream, and the project's
 * firestore.rules deciding what a signed-in client may watch. Writes come from the Admin SDK, which the rules bypass.
 */
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { collection, connectFirestoreEmulator, doc, getFirestore, onSnapshot, query, setDoc, where, type Firestore, type FirestoreError } from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFirestore, type TestFirestore } from "./testing.ts";

const RULES = fileURLToPath(new URL("../../firestore.rules", import.meta.url));

let t: TestFirestore;
const apps: FirebaseApp[] = [];

beforeAll(async () => {
  t = await startTestFirestore({ rules: RULES });
});
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  await t.stop();
});

/** A client SDK signed in as `uid` (the emulator's mock token: an unsigned ID token), in its own app. */
function clientAs(uid: string): Firestore {
  const app = initializeApp({ projectId: t.local.projectId, apiKey: "fake" }, `app-${randomUUID()}`);
  apps.push(app);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, "127.0.0.1", t.local.port, { mockUserToken: { user_id: uid, sub: uid } });
  return db;
}

/** Collects a listener's values; `until` resolves with the first that passes. */
function recorder<T>() {
  const values: T[] = [];
  const errors: FirestoreError[] = [];
  return {
    values,
    errors,
    next: (value: T) => void values.push(value),
    error: (error: FirestoreError) => void errors.push(error),
    until: (test: (value: T) => boolean) => expect.poll(() => values.some(test), { timeout: 5_000 }).toBe(true),
  };
}

const uid = () => `learner-${randomUUID().slice(0, 8)}`;

describe("Listen for the client SDK", () => {
  it("when one client watches a document and a query at once, then both see each commit on the one stream", async () => {
    const me = uid();
    const db = clientAs(me);
    const streamsBefore = t.local.watchStats().streams;
    const user = recorder<number | undefined>();
    const answers = recorder<string[]>();
    await t.db.doc(`users/${me}`).set({ currentStreak: 1 });

    const stopUser = onSnapshot(doc(db, "users", me), (snap) => user.next(snap.get("currentStreak")), user.error);
    const stopAnswers = onSnapshot(query(collection(db, "answers"), where("uid", "==", me)), (snap) => answers.next(snap.docs.map((d) => d.id).sort()), answers.error);
    await user.until((streak) => streak === 1);
    await answers.until((ids) => ids.length === 0);
    await t.db.doc(`users/${me}`).set({ currentStreak: 2 });
    await t.db.doc(`answers/a-${me}`).set({ uid: me, status: "pending_review" });
    await t.db.doc(`answers/other-${me}`).set({ uid: "someone-else" });

    await user.until((streak) => streak === 2);
    await answers.until((ids) => ids.join() === `a-${me}`);
    expect(t.local.watchStats().streams - streamsBefore).toBe(1);
    expect([...user.errors, ...answers.errors]).toEqual([]);
    stopUser();
    stopAnswers();
  });

  it("when a document leaves a query by a change or a delete, then the query's listener drops it", async () => {
    const me = uid();
    const db = clientAs(me);
    const ids = recorder<string[]>();
    await t.db.doc(`answers/x-${me}`).set({ uid: me });
    await t.db.doc(`answers/y-${me}`).set({ uid: me });
    const stop = onSnapshot(query(collection(db, "answers"), where("uid", "==", me)), (snap) => ids.next(snap.docs.map((d) => d.id).sort()), ids.error);
    await ids.until((list) => list.length === 2);

    await t.db.doc(`answers/x-${me}`).update({ uid: "moved-away" });
    await ids.until((list) => list.join() === `y-${me}`);
    await t.db.doc(`answers/y-${me}`).delete();

    await ids.until((list) => list.length === 0);
    expect(ids.errors).toEqual([]);
    stop();
  });

  it("when a listener is removed, then its target gets no more events while the others go on", async () => {
    const me = uid();
    const db = clientAs(me);
    const kept = recorder<number | undefined>();
    const removed = recorder<number | undefined>();
    const stopKept = onSnapshot(doc(db, "users", me, "progress", "c1"), (snap) => kept.next(snap.get("n")), kept.error);
    const stopRemoved = onSnapshot(doc(db, "users", me, "progress", "c2"), (snap) => removed.next(snap.get("n")), removed.error);
    await kept.until((n) => n === undefined);
    await removed.until((n) => n === undefined);

    stopRemoved();
    await t.db.doc(`users/${me}/progress/c2`).set({ n: 1 });
    await t.db.doc(`users/${me}/progress/c1`).set({ n: 1 });

    await kept.until((n) => n === 1);
    expect(removed.values).not.toContain(1);
    stopKept();
  });

  it("when the stand-in cuts every Listen stream, then the SDK reconnects and the listener sees the next change", async () => {
    const me = uid();
    const db = clientAs(me);
    const streak = recorder<number | undefined>();
    await t.db.doc(`users/${me}`).set({ currentStreak: 1 });
    const stop = onSnapshot(doc(db, "users", me), (snap) => streak.next(snap.get("currentStreak")), streak.error);
    await streak.until((n) => n === 1);
    const streamsBefore = t.local.watchStats().streams;

    t.local.dropListenStreams();
    await t.db.doc(`users/${me}`).set({ currentStreak: 5 });

    await streak.until((n) => n === 5);
    expect(t.local.watchStats().streams).toBeGreaterThan(streamsBefore);
    expect(streak.errors).toEqual([]);
    stop();
  });
});

describe("firestore.rules on Listen", () => {
  it("when a learner watches another learner's document, then the rules refuse it with permission-denied", async () => {
    const db = clientAs(uid());
    const other = uid();
    await t.db.doc(`users/${other}`).set({ currentStreak: 3 });
    const refusedBefore = t.local.refused();
    const watched = recorder<unknown>();

    onSnapshot(doc(db, "users", other), (snap) => watched.next(snap.data()), watched.error);

    await expect.poll(() => watched.errors.map((e) => e.code), { timeout: 5_000 }).toEqual(["permission-denied"]);
    expect(watched.values).toEqual([]);
    expect(t.local.refused()).toBeGreaterThan(refusedBefore);
  });

  it("when a query on answers omits where uid == own, then it is refused whole, though every match is the learner's", async () => {
    const me = uid();
    const db = clientAs(me);
    const col = `answers`;
    await t.db.doc(`${col}/only-${me}`).set({ uid: me, questionId: `q-${me}` });
    const unfiltered = recorder<unknown>();

    onSnapshot(query(collection(db, col), where("questionId", "==", `q-${me}`)), (snap) => unfiltered.next(snap.size), unfiltered.error);

    await expect.poll(() => unfiltered.errors.map((e) => e.code), { timeout: 5_000 }).toEqual(["permission-denied"]);
    expect(unfiltered.values).toEqual([]);
  });

  it("when a client writes, even to its own document, then the write is refused", async () => {
    const me = uid();
    const db = clientAs(me);

    const error = (await setDoc(doc(db, "users", me), { currentStreak: 999 }).catch((caught: unknown) => caught)) as FirestoreError;

    expect(error.code).toBe("permission-denied");
    expect((await t.db.doc(`users/${me}`).get()).exists).toBe(false);
  });
});
