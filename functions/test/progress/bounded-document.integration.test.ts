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
import { decodeProgressHash, pingFields } from "../../src/progress/layout.js";
import { fromFlat, mergeBuffered } from "../../src/progress/merge.js";
import { MAX_STORED_SEGMENTS } from "../../src/progress/segments.js";
import { progressData, progressPath } from "../../src/progress/store.js";
import { MAX_PROGRESS_DOCUMENT_BYTES, MAX_PROGRESS_INDEX_ENTRIES, MAX_SEGMENTS, ProgressDoc } from "../../src/schemas/progress.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

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

  it("when one user floods saveProgress with made-up lectures and disjoint segments, then the flushed document holds only catalogued lectures and stays small", async () => {
    const { courseId, lectureIds } = await createLargeCourse(3);
    const uid = uniqueId("flooder");
    for (let i = 0; i < 60; i++) {
      const lectureId = i % 3 === 0 ? (lectureIds[i % 3] as string) : uniqueId("made-up");
      const answer = await callFunction("saveProgress", { courseId, lectureId, position: 5, duration: MAX_SECONDS, playedSegments: disjoint(MAX_SEGMENTS, i) }, { uid });
      expect(answer.status).toBe(200);
    }

    const flushed = await callFunction("flushNow", {}, { claims: { admin: true } });

    expect(flushed.body).toMatchObject({ result: { keys: 1 } });
    const stored = (await (await firestoreKit()).db.doc(progressPath(uid, courseId)).get()).data() as ProgressDoc;
    expect(Object.keys(stored.watchTimes)).toEqual([lectureIds[0]]);
    expect(fromFlat(stored.segments[lectureIds[0] as string])).toHaveLength(MAX_STORED_SEGMENTS);
    expect(stack.firestore?.measure(progressPath(uid, courseId))?.bytes).toBeLessThan(8 * 1024);
  });
});
