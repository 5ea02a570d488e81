/**
 * A progress document stays bounded whatever a client sends: the worst case the product can store (the largest
 * course supported, every id at its longest, every field at its maximum) is built through the product's own merge
 * and write, and the Firestore stand-in measures it as Firestore counts size and index entries. Then a flood of
 * made-up lectures and disjoint segments goes through saveProgress and the flush, and the document stays inside the
 * same bound. On a stack of this file's own: its Firestore stand-in is measured directly.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { MAX_LECTURES_PER_COURSE } from "../../src/progress/catalogue.js";
import { RATE_LIMITS } from "../../src/rate-limit.js";
import { decodeProgressHash, pingFields } from "../../src/progress/layout.js";
import { mergeBuffered } from "../../src/progress/merge.js";
import { fromFlat } from "../../src/progress/segments.js";
import { MAX_STORED_SEGMENTS } from "../../src/progress/segments.js";
import { progressData, progressPath } from "../../src/progress/store.js";
import { MAX_PROGRESS_DOCUMENT_BYTES, MAX_PROGRESS_INDEX_ENTRIES, MAX_SEGMENTS, ProgressDoc } from "../../src/schemas/progress.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, flushNowAsAdmin, uniqueId } from "../helpers/stack.js";

const MAX_ID = 128;
const MAX_SECONDS = 86_400;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({ RATE_LIMIT_MULTIPLIER: "1000" });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** An id of the longest length ID_PATTERN allows, distinct per n. */
const longId = (prefix: string, n: number) => `${prefix}-${n}-`.padEnd(MAX_ID, "x");

/** A course of `count` lectures with the longest ids, written as an operator would. */
async function createLargeCourse(count: number): Promise<{ courseId: string; lectureIds: string[] }> {
  const { db } = await firestoreKit();
  const courseId = longId(uniqueId("course"), 0);
  const lectureIds = Array.from({ length: count }, (_, i) => longId("l", i));
  const batch = db.batch();
  batch.set(db.doc(`courses/${courseId}`), { title: "large", totalLectures: count });
  lectureIds.forEach((id, order) => batch.set(db.doc(`courses/${courseId}/lectures/${id}`), { title: id, durationSec: MAX_SECONDS, order }));
  await batch.commit();
  return { courseId, lectureIds };
}

/** `count` disjoint one-second segments spread over a lecture of MAX_SECONDS. */
const disjoint = (count: number, offset = 0): [number, number][] =>
  Array.from({ length: count }, (_, i) => [offset + i * 800, offset + i * 800 + 1]);

describe("the size of a progress document", () => {
  it("when every field is at its maximum for the largest course supported, then the stored document is inside the documented bound", async () => {
    const { courseId, lectureIds } = await createLargeCourse(MAX_LECTURES_PER_COURSE);
    const uid = longId("u", 0);
    // Two pings per lecture, each with the most disjoint segments a ping may carry: more than the stored cap.
    const hash = Object.assign(
      {},
      ...lectureIds.flatMap((lectureId, i) => [
        pingFields(1, { lectureId, position: MAX_SECONDS, duration: MAX_SECONDS, playedSegments: disjoint(MAX_SEGMENTS), atMs: 1_000 + i }),
        pingFields(2, { lectureId, position: MAX_SECONDS, duration: MAX_SECONDS, playedSegments: disjoint(MAX_SEGMENTS, 400), atMs: 2_000_000 + i }),
      ]),
    );
    const merged = mergeBuffered(ProgressDoc.parse({}), decodeProgressHash(hash), 0.9, new Set(lectureIds));
    const worst = { ...merged.doc, completedLectures: lectureIds, completionPercentage: 100 };
    expect(Object.values(worst.segments).every((flat) => fromFlat(flat).length === MAX_STORED_SEGMENTS)).toBe(true);
    const kit = await firestoreKit();

    await kit.db.doc(progressPath(uid, courseId)).set(progressData(worst, kit.sdk));

    const measured = stack.firestore?.measure(progressPath(uid, courseId));
    expect(measured?.bytes).toBeLessThan(MAX_PROGRESS_DOCUMENT_BYTES);
    expect(measured?.indexEntries).toBeLessThan(MAX_PROGRESS_INDEX_ENTRIES);
  });

  it("when one user floods saveProgress for ten minutes at the sustained rate limit, racing ordinary users, then after every flush theirs are stored, the flooder's document holds only catalogued lectures inside the bound, and nothing is quarantined", async () => {
    // The first test's largest document is still on its way to the sinks; its deliveries would hold this process's
    // event loop past the ping's 500 ms Upstash timeout, and the flooder's pings would be shed.
    await stack.triggers.idle();
    await stack.tasks.idle();
    const { courseId, lectureIds } = await createLargeCourse(3);
    const lectureId = lectureIds[0] as string;
    const flooder = longId(uniqueId("flooder"), 0);
    const users = Array.from({ length: 5 }, () => uniqueId("stu"));
    // What the limit lets one user send in ten minutes: the burst, then one a second (rate-limit.ts).
    const { perSecond, burst } = RATE_LIMITS.saveProgress;
    const perMinute = Math.ceil((burst + perSecond * 600) / 10);
    const db = (await firestoreKit()).db;

    for (let minute = 1; minute <= 10; minute++) {
      for (let i = 0; i < perMinute; i++) {
        // Two pings in three name a made-up lecture; every one carries the most disjoint segments a ping may.
        const target = i % 3 === 0 ? (lectureIds[i % lectureIds.length] as string) : longId(uniqueId("made-up"), i);
        const ping = { courseId, lectureId: target, position: MAX_SECONDS - i, duration: MAX_SECONDS, playedSegments: disjoint(MAX_SEGMENTS, minute * 7 + i) };
        expect((await callFunction("saveProgress", ping, { uid: flooder })).status).toBe(200);
      }
      for (const uid of users) await callFunction("saveProgress", { courseId, lectureId, position: minute * 10 }, { uid });

      const flushed = await flushNowAsAdmin();

      expect(flushed.status).toBe(200);
      const stored = await Promise.all(users.map(async (uid) => (await db.doc(progressPath(uid, courseId)).get()).get(`watchTimes.${lectureId}`)));
      expect(stored).toEqual(users.map(() => minute * 10));
      const flood = (await db.doc(progressPath(flooder, courseId)).get()).data() as ProgressDoc;
      expect(lectureIds).toEqual(expect.arrayContaining(Object.keys(flood.watchTimes)));
      expect(Object.values(flood.segments).every((flat) => fromFlat(flat).length <= MAX_STORED_SEGMENTS)).toBe(true);
      expect(stack.firestore?.measure(progressPath(flooder, courseId))?.bytes).toBeLessThan(MAX_PROGRESS_DOCUMENT_BYTES);
      const status = await callFunction("getSyncStatus", {}, { claims: { admin: true } });
      expect(status.body).toMatchObject({ result: { writeBehind: { quarantined: 0 } } });
    }
  }, 600_000); // a hang's limit: 52 s measured on a loaded 2-core machine, and each flushNow may wait out another file's flush
});
