/**
 * The demo catalogue that `npm start` loads (documented in docs/testing.md): one course with five lectures.
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

/** Demo questions, one per type (`demo-q-<type>`); docs/testing.md lists their correct answers. */
const METADATA = { subject: "learning", skill: "video", subskill: "basics" };
export const DEMO_QUESTIONS: Record<string, { question: Record<string, unknown>; key: Record<string, unknown> }> = {
  "demo-q-multiple_choice": {
    question: {
      type: "multiple_choice",
      prompt: "Which store absorbs LearnPulse's progress pings?",
      options: [
        { id: "a", text: "Firestore" },
        { id: "b", text: "Upstash Redis" },
        { id: "c", text: "BigQuery" },
      ],
      points: 1,
      maxAttempts: 3,
    },
    key: { type: "multiple_choice", correct: ["b"] },
  },
  "demo-q-true_false": {
    question: { type: "true_false", prompt: "A ping costs about one billed Redis command.", points: 1 },
    key: { type: "true_false", correct: true },
  },
  "demo-q-fill_blank": {
    question: { type: "fill_blank", prompt: "Pings arrive every ___ seconds and are flushed every ___ minutes.", blankCount: 2, points: 2 },
    key: { type: "fill_blank", correct: [["5", "five"], ["5", "five"]] },
  },
  "demo-q-short_answer": {
    question: { type: "short_answer", prompt: "Name the system of record.", points: 1 },
    key: { type: "short_answer", correct: ["MongoDB", "MongoDB Atlas", "Atlas"] },
  },
  "demo-q-matching": {
    question: {
      type: "matching",
      prompt: "Match each store to its role.",
      left: ["Firestore", "BigQuery", "Cosmos DB"],
      right: ["analytics", "legacy store", "real-time layer"],
      points: 3,
    },
    key: {
      type: "matching",
      correct: [
        { left: "Firestore", right: "real-time layer" },
        { left: "BigQuery", right: "analytics" },
        { left: "Cosmos DB", right: "legacy store" },
      ],
    },
  },
  "demo-q-ordering": {
    question: {
      type: "ordering",
      prompt: "Order the ping's journey.",
      options: [
        { id: "flush", text: "flush" },
        { id: "ping", text: "ping" },
        { id: "trigger", text: "trigger" },
      ],
      points: 3,
    },
    key: { type: "ordering", correct: ["ping", "flush", "trigger"] },
  },
  "demo-q-numeric": {
    question: { type: "numeric", prompt: "How many pings does a 5-minute window hold at one ping per 5 s?", points: 1 },
    key: { type: "numeric", correct: 60, absTolerance: 0 },
  },
  "demo-q-essay": {
    question: { type: "essay", prompt: "Why does the write-behind save money?", points: 5 },
    key: { type: "essay" },
  },
  "demo-q-speaking": {
    question: { type: "speaking", prompt: "Explain streaks out loud.", points: 5 },
    key: { type: "speaking" },
  },
  "demo-q-audio": {
    question: { type: "audio", prompt: "Record the word 'competency'.", points: 5 },
    key: { type: "audio" },
  },
};

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
  for (const [id, { question, key }] of Object.entries(DEMO_QUESTIONS)) {
    batch.set(db.doc(`questions/${id}`), { ...question, metadata: METADATA });
    batch.set(db.doc(`questionKeys/${id}`), { key, feedback: { correct: "Right.", incorrect: "Not quite: see docs/testing.md." } });
  }
  await batch.commit();
}
