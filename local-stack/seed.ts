/**
 * The demo catalogue that `npm start` loads (documented in docs/testing.md): one course with five lectures, a question
 * of each type and a timed one, and a three-phase quiz over them.
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
  "demo-q-timed": {
    question: { type: "true_false", prompt: "Quick: is a ping sent every 5 seconds while a video plays?", points: 1, timeLimitSec: 30 },
    key: { type: "true_false", correct: true },
  },
};

export const DEMO_QUIZ_ID = "demo-quiz";

/** The demo quiz: three phases over the demo questions, in the demo course; the last phase's questions are timed. */
export const DEMO_QUIZ = {
  title: "How LearnPulse works",
  courseId: DEMO_COURSE_ID,
  phases: [
    { phaseId: "basics", title: "The basics", questionIds: ["demo-q-true_false", "demo-q-multiple_choice", "demo-q-timed"], passingScore: 0.6 },
    { phaseId: "details", title: "The details", questionIds: ["demo-q-fill_blank", "demo-q-short_answer", "demo-q-numeric"], passingScore: 0.6 },
    { phaseId: "pipeline", title: "The pipeline", questionIds: ["demo-q-ordering", "demo-q-matching", "demo-q-essay"], passingScore: 0.5, timeLimitSec: 300 },
  ],
};

export async function seedDemoCatalogue(db: Firestore): Promise<void> {
  const batch = db.batch();
  batch.set(db.doc(`courses/${DEMO_COURSE_ID}`), {
    title: "LearnPulse demo course",
    description: "A short course to try the local stack with.",
    totalLectures: DEMO_LECTURES.length,
    totalQuizzes: 1, // the demo quiz; countQuizzes recounts it when the stack's triggers run
  });
  for (const { id, ...lecture } of DEMO_LECTURES) {
    batch.set(db.doc(`courses/${DEMO_COURSE_ID}/lectures/${id}`), lecture);
  }
  for (const [id, { question, key }] of Object.entries(DEMO_QUESTIONS)) {
    batch.set(db.doc(`questions/${id}`), { ...question, metadata: METADATA });
    batch.set(db.doc(`questionKeys/${id}`), { key, feedback: { correct: "Right.", incorrect: "Not quite: see docs/testing.md." } });
  }
  batch.set(db.doc(`quizzes/${DEMO_QUIZ_ID}`), DEMO_QUIZ);
  await batch.commit();
}
