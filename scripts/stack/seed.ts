/**
 * The demo catalogue that `npm start` loads (documented in README): one course with five lectures.
 * Writes through the Admin SDK like any back-office tool, so triggers fire as they would in production.
 */
import type { Firestore } from "firebase-admin/firestore";

export const DEMO_COURSE_ID = "demo-course";

export const DEMO_LECTURES = [
  { id: "demo-lecture-1", title: "Welcome to LearnPulse", durationSec: 120, order: 1 },
  { id: "demo-lecture-2", title: "Reading your progress", durationSec: 300, order: 2 },
  { id: "demo-lecture-3", title: "Streaks and the heat map", durationSec: 240, order: 3 },
  { id: "demo-lecture-4", title: "Quizzes and competencies", durationSec: 420, order: 4 },
  { id: "demo-lecture-5", title: "Where your data goes", durationSec: 360, order: 5 },
] as const;

export async function seedDemoCatalogue(db: Firestore): Promise<void> {
  const batch = db.batch();
  batch.set(db.doc(`courses/${DEMO_COURSE_ID}`), {
    title: "LearnPulse demo course",
    description: "A short course to try the local stack with.",
    totalLectures: DEMO_LECTURES.length,
  });
  for (const { id, ...lecture } of DEMO_LECTURES) {
    batch.set(db.doc(`courses/${DEMO_COURSE_ID}/lectures/${id}`), lecture);
  }
  await batch.commit();
}
