/** Arrangements shared by the progress tests: a course of their own, and flushes that wait their turn for the lock. */
import { firestore } from "../../src/adapters/firestore.js";
import { FlushLockedError, flushProgress, type FlushOptions } from "../../src/progress/flush.js";
import type { FlushDeps } from "../../src/progress/flush-ports.js";
import type { FlushRun } from "../../src/schemas/progress.js";
import { uniqueId } from "./stack.js";

/** Creates `courses/{id}` with `lectures` lecture documents; returns the ids. */
export async function createCourse(lectures = 3): Promise<{ courseId: string; lectureIds: string[] }> {
  const db = await firestore();
  const courseId = uniqueId("course");
  const lectureIds = Array.from({ length: lectures }, (_, i) => `${courseId}-l${i + 1}`);
  const batch = db.batch();
  batch.set(db.doc(`courses/${courseId}`), { title: courseId, totalLectures: lectures });
  lectureIds.forEach((id, i) => batch.set(db.doc(`courses/${courseId}/lectures/${id}`), { title: id, durationSec: 100, order: i }));
  await batch.commit();
  return { courseId, lectureIds };
}

/** Flushes, waiting while another test's flush holds the lock (tests run in parallel against one Redis). */
export async function flushWhenFree(deps: FlushDeps, options: FlushOptions = {}): Promise<FlushRun> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await flushProgress(deps, options);
    } catch (error) {
      if (!(error instanceof FlushLockedError) || attempt > 400) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
