/**
 * Timed attempts (API.md startAttempt): the server records when an attempt started, and a question with a time limit
 * (its own, or its phase's) is answered only through a started attempt and before its deadline, with a grace of
 * DEADLINE_GRACE_MS for the network. The client's `timeSpentMs` is kept as a figure and never decides.
 */
import type { DocumentReference, DocumentSnapshot, Transaction } from "firebase-admin/firestore";
import type { FirestoreKit } from "../adapters/firestore.js";
import { InvalidInputError, NotFoundError, PreconditionFailedError } from "../errors.js";
import { QuestionDoc } from "../schemas/answers.js";
import { AttemptDoc, QuizDoc, QuizProgressDoc, type StartAttemptRequest, type StartAttemptResponse } from "../schemas/quizzes.js";
import { totalsOf, type CourseTotals } from "../progress/course-totals.js";
import { coursePath, parseProgressDoc, progressPath } from "../progress/store.js";
import type { ProgressDoc } from "../schemas/progress.js";
import { phaseIsOpen, phaseOf, type QuestionFacts } from "./progress.js";

/** Reads documents by reference: a transaction, or the database itself. */
type Reader = { getAll(...refs: DocumentReference[]): Promise<DocumentSnapshot[]> };

/** The points and attempts allowed of questions, one read each (a phase's: at most MAX_QUESTIONS_PER_PHASE). */
export async function readPhaseFacts(kit: FirestoreKit, reader: Reader, questionIds: readonly string[]): Promise<Map<string, QuestionFacts>> {
  if (!questionIds.length) return new Map();
  const snaps = await reader.getAll(...questionIds.map((id) => kit.db.doc(`questions/${id}`)));
  const facts = new Map<string, QuestionFacts>();
  snaps.forEach((snap, i) => {
    if (!snap.exists) return;
    const question = QuestionDoc.parse(snap.data());
    facts.set(questionIds[i] as string, { points: question.points, maxAttempts: question.maxAttempts ?? null });
  });
  return facts;
}

/** Network grace past a deadline (API.md). */
export const DEADLINE_GRACE_MS = 2_000;

export const attemptPath = (uid: string, attemptId: string) => `users/${uid}/attempts/${attemptId}`;
export const quizProgressPath = (uid: string, quizId: string) => `users/${uid}/quizProgress/${quizId}`;

type Phase = QuizDoc["phases"][number];

/** Seconds allowed for an attempt at `question` (in `phase`): the tighter of the two limits; null when neither has one. */
export function timeLimitOf(question: Pick<QuestionDoc, "timeLimitSec">, phase: Pick<Phase, "timeLimitSec"> | undefined): number | null {
  const limits = [question.timeLimitSec, phase?.timeLimitSec].filter((limit): limit is number => limit !== undefined);
  return limits.length ? Math.min(...limits) : null;
}

/** The quiz a request names, as the catalogue has it: the quiz, the question's phase, and that phase's questions. */
export interface QuizCatalogue {
  quizId: string;
  quiz: QuizDoc;
  phase: Phase;
  facts: ReadonlyMap<string, QuestionFacts>;
}

/** The learner's side, read in the answer's transaction: quiz progress, and for a quiz of a course its completion. */
export interface QuizContext extends QuizCatalogue {
  progress: QuizProgressDoc | undefined;
  /** For a quiz of a course: the course's totals and the learner's progress in it, for its completion. */
  course?: { totals: CourseTotals; progress: ProgressDoc };
}

/**
 * Reads the catalogue side of a quiz (undefined without a quizId) outside any transaction: catalogue documents change
 * rarely, and reading a phase's questions inside every answer's transaction would lock them against each other.
 * Refuses a quiz that does not exist and a question it does not have.
 */
export async function readQuizCatalogue(kit: FirestoreKit, quizId: string | undefined, questionId: string): Promise<QuizCatalogue | undefined> {
  if (!quizId) return undefined;
  const quizSnap = await kit.db.doc(`quizzes/${quizId}`).get();
  if (!quizSnap.exists) throw new NotFoundError("No such quiz");
  const quiz = QuizDoc.parse(quizSnap.data());
  const phase = phaseOf(quiz, questionId);
  if (!phase) throw new InvalidInputError([{ path: "questionId", message: "is not a question of this quiz" }]);
  return { quizId, quiz, phase, facts: await readPhaseFacts(kit, kit.db, phase.questionIds) };
}

/**
 * Reads the learner's side of a quiz in `tx`, and refuses a question whose phase is not open (a review grades an
 * answer already given, so it passes `requireOpen: false`).
 */
export async function readQuizContext(kit: FirestoreKit, tx: Transaction, uid: string, catalogue: QuizCatalogue | undefined, requireOpen = true): Promise<QuizContext | undefined> {
  if (!catalogue) return undefined;
  const { quiz, phase } = catalogue;
  const progressSnap = await tx.get(kit.db.doc(quizProgressPath(uid, catalogue.quizId)));
  const progress = progressSnap.exists ? QuizProgressDoc.parse(progressSnap.data()) : undefined;
  if (requireOpen && !phaseIsOpen(progress, quiz, phase)) throw new PreconditionFailedError("This question's phase is not open");
  if (!quiz.courseId) return { ...catalogue, progress };
  const [courseSnap, courseProgress] = await tx.getAll(kit.db.doc(coursePath(quiz.courseId)), kit.db.doc(progressPath(uid, quiz.courseId)));
  return { ...catalogue, progress, course: { totals: totalsOf({ get: (field) => courseSnap?.get(field) }), progress: parseProgressDoc(courseProgress?.data()) } };
}

export async function startAttempt(kit: FirestoreKit, uid: string, input: StartAttemptRequest, nowMs = Date.now()): Promise<StartAttemptResponse> {
  const ref = kit.db.doc(attemptPath(uid, input.attemptId));
  const catalogue = await readQuizCatalogue(kit, input.quizId, input.questionId);
  return kit.db.runTransaction(async (tx) => {
    const [attemptSnap, questionSnap] = await tx.getAll(ref, kit.db.doc(`questions/${input.questionId}`));
    if (attemptSnap?.exists) {
      const started = AttemptDoc.parse(attemptSnap.data());
      if (started.questionId !== input.questionId || started.quizId !== (input.quizId ?? null)) {
        throw new PreconditionFailedError("This attemptId was started for another question");
      }
      return view(input.attemptId, started);
    }
    if (!questionSnap?.exists) throw new NotFoundError("No such question");
    const question = QuestionDoc.parse(questionSnap.data());
    const context = await readQuizContext(kit, tx, uid, catalogue);
    const limit = timeLimitOf(question, context?.phase);
    const attempt: AttemptDoc = { questionId: input.questionId, quizId: input.quizId ?? null, startedAtMs: nowMs, deadlineMs: limit === null ? null : nowMs + limit * 1000 };
    tx.create(ref, attempt);
    return view(input.attemptId, attempt);
  });
}

/** Refuses a timed answer that was not started through startAttempt, or comes past its deadline (and the grace). */
export function checkTimeLimit(limitSec: number | null, attempt: AttemptDoc | undefined, questionId: string, nowMs: number): void {
  if (limitSec === null) return;
  if (!attempt || attempt.questionId !== questionId || attempt.deadlineMs === null) {
    throw new PreconditionFailedError("This question has a time limit: start the attempt first (startAttempt)");
  }
  if (nowMs > attempt.deadlineMs + DEADLINE_GRACE_MS) throw new PreconditionFailedError("Past the time limit");
}

function view(attemptId: string, attempt: AttemptDoc): StartAttemptResponse {
  return {
    attemptId,
    startedAt: new Date(attempt.startedAtMs).toISOString(),
    deadline: attempt.deadlineMs === null ? null : new Date(attempt.deadlineMs).toISOString(),
  };
}
