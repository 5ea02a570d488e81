/**
 * A learner's progress through a quiz in phases, pure (API.md "Quizzes in phases"). The stored document keeps, per
 * phase and question, the best points so far and the attempts; statuses derive from it and the catalogue:
 *
 * - A phase is **passed** when each of its questions has a graded answer, none waits for a person, and the best
 *   points reach `passingScore` of the phase's points; **failed** when that can no longer happen: even full points on
 *   every question that still has attempts left (or waits for a person) would not reach it; else **open**.
 * - Phases open in order: the first that is not passed is open (or failed); those after it are **locked**. A phase once
 *   passed stays passed.
 * - The quiz is **passed** when every phase is, **failed** when a phase is, else **in progress**.
 */
import type { QuizDoc, QuizProgressDoc, QuizProgressResponse, QuestionRecord } from "../schemas/quizzes.js";

type Phase = QuizDoc["phases"][number];

/** What the catalogue says of a question: its points and the attempts it allows. */
export interface QuestionFacts {
  points: number;
  maxAttempts: number | null;
}

/** One answer as the quiz counts it. */
export interface AnswerOutcome {
  points: number;
  /** Waits for a person (essay, speaking, audio). */
  pending: boolean;
  timeSpentMs: number;
}

/** The phase that holds `questionId`, if the quiz has it. */
export function phaseOf(quiz: QuizDoc, questionId: string): Phase | undefined {
  return quiz.phases.find((phase) => phase.questionIds.includes(questionId));
}

export function emptyProgress(quizId: string, quiz: QuizDoc): QuizProgressDoc {
  return { quizId, courseId: quiz.courseId ?? null, status: "not_started", currentPhase: quiz.phases[0]?.phaseId ?? null, completedAt: null, phases: {} };
}

/** Whether a learner may answer (or start an attempt at) a question of `phase` now: the phase is open. */
export function phaseIsOpen(doc: QuizProgressDoc | undefined, quiz: QuizDoc, phase: Phase): boolean {
  for (const earlier of quiz.phases) {
    if (earlier.phaseId === phase.phaseId) return (doc?.phases[phase.phaseId]?.status ?? "open") === "open";
    if (doc?.phases[earlier.phaseId]?.status !== "passed") return false;
  }
  return false;
}

/**
 * The progress after one answer to `questionId` (in an open phase): its best points, attempts and time, and the
 * statuses again. `facts` holds every question of the answer's phase.
 */
export function withAnswer(doc: QuizProgressDoc, quiz: QuizDoc, questionId: string, facts: ReadonlyMap<string, QuestionFacts>, outcome: AnswerOutcome, nowIso: string): QuizProgressDoc {
  const phase = phaseOf(quiz, questionId);
  if (!phase) throw new Error(`question ${questionId} is not in quiz ${doc.quizId}`);
  const stored = doc.phases[phase.phaseId];
  const fact = facts.get(questionId) ?? { points: outcome.points, maxAttempts: null };
  const previous = stored?.questions[questionId];
  const pendingAnswers = (previous?.pendingAnswers ?? 0) + (outcome.pending ? 1 : 0);
  const record: QuestionRecord = {
    bestPoints: Math.max(previous?.bestPoints ?? 0, outcome.pending ? 0 : outcome.points),
    maxPoints: fact.points,
    attempts: (previous?.attempts ?? 0) + 1,
    timeSpentMs: (previous?.timeSpentMs ?? 0) + outcome.timeSpentMs,
    pendingReview: pendingAnswers > 0,
    pendingAnswers,
    graded: (previous?.graded ?? false) || !outcome.pending,
    maxAttempts: fact.maxAttempts,
  };
  return withRecord(doc, quiz, phase, questionId, record, facts, nowIso);
}

/** A person's review of an answer: its points, and on a re-review the points the previous review gave. */
export interface ReviewOutcome {
  points: number;
  previousPoints: number | null;
}

/**
 * The progress after a review of an answer to `questionId`. A first review takes the answer off the pending ones and
 * grades the question; a re-review only moves the points. The best points are the highest an answer earned, except
 * that a re-review lowering the answer that held the best lowers the best to it (the record keeps no other answers'
 * points, so an earlier, lower answer is not restored).
 */
export function withReview(doc: QuizProgressDoc, quiz: QuizDoc, questionId: string, facts: ReadonlyMap<string, QuestionFacts>, review: ReviewOutcome, nowIso: string): QuizProgressDoc {
  const phase = phaseOf(quiz, questionId);
  const previous = phase ? doc.phases[phase.phaseId]?.questions[questionId] : undefined;
  if (!phase || !previous) return doc; // the answer's quiz progress is gone (or never was): nothing to move
  const lowersBest = review.previousPoints !== null && review.previousPoints >= previous.bestPoints && review.points < review.previousPoints;
  const pendingAnswers = review.previousPoints === null ? Math.max(0, previous.pendingAnswers - 1) : previous.pendingAnswers;
  const record: QuestionRecord = {
    ...previous,
    bestPoints: lowersBest ? review.points : Math.max(previous.bestPoints, review.points),
    pendingAnswers,
    pendingReview: pendingAnswers > 0,
    graded: true,
  };
  return withRecord(doc, quiz, phase, questionId, record, facts, nowIso);
}

function withRecord(doc: QuizProgressDoc, quiz: QuizDoc, phase: Phase, questionId: string, record: QuestionRecord, facts: ReadonlyMap<string, QuestionFacts>, nowIso: string): QuizProgressDoc {
  const stored = doc.phases[phase.phaseId] ?? { status: "open" as const, questions: {} };
  const questions = { ...stored.questions, [questionId]: record };
  // A phase once passed stays passed (a re-review does not take a phase back from a learner who moved on).
  const status = stored.status === "passed" ? "passed" : phaseStatus(phase, questions, facts);
  return withStatuses({ ...doc, phases: { ...doc.phases, [phase.phaseId]: { status, questions } } }, quiz, nowIso);
}

/** A phase's status from its questions' records (see the top of this file). */
export function phaseStatus(phase: Phase, questions: Record<string, QuestionRecord>, facts: ReadonlyMap<string, QuestionFacts>): "open" | "passed" | "failed" {
  let total = 0;
  let score = 0;
  let reachable = 0;
  let complete = true;
  for (const questionId of phase.questionIds) {
    const points = facts.get(questionId)?.points ?? questions[questionId]?.maxPoints ?? 0;
    const record = questions[questionId];
    total += points;
    score += record?.bestPoints ?? 0;
    const canImprove = !record || record.pendingReview || record.maxAttempts === null || record.attempts < record.maxAttempts;
    reachable += canImprove ? points : record.bestPoints;
    if (!record?.graded || record.pendingReview) complete = false;
  }
  if (total === 0) return complete ? "passed" : "open";
  if (complete && score / total >= phase.passingScore) return "passed";
  return reachable / total < phase.passingScore ? "failed" : "open";
}

/** The phases' order decides the rest: statuses after the first phase not passed, the current phase, the quiz. */
function withStatuses(doc: QuizProgressDoc, quiz: QuizDoc, nowIso: string): QuizProgressDoc {
  let current: string | null = null;
  let failed = false;
  for (const phase of quiz.phases) {
    const status = doc.phases[phase.phaseId]?.status ?? "open";
    if (status === "passed") continue;
    current = phase.phaseId;
    failed = status === "failed";
    break;
  }
  const status = current === null ? "passed" : failed ? "failed" : "in_progress";
  return { ...doc, status, currentPhase: current, completedAt: status === "passed" ? (doc.completedAt ?? nowIso) : null };
}

/** The response of getQuizProgress: every phase in order, with its figures; a phase after the current one is locked. */
export function progressView(doc: QuizProgressDoc | undefined, quizId: string, quiz: QuizDoc, facts: ReadonlyMap<string, QuestionFacts>): QuizProgressResponse {
  const progress = doc ?? emptyProgress(quizId, quiz);
  const currentIndex = progress.currentPhase === null ? quiz.phases.length : quiz.phases.findIndex((phase) => phase.phaseId === progress.currentPhase);
  return {
    quizId,
    courseId: quiz.courseId ?? null,
    status: doc ? progress.status : "not_started",
    currentPhase: progress.currentPhase,
    completedAt: progress.completedAt,
    phases: quiz.phases.map((phase, index) => {
      const questions = progress.phases[phase.phaseId]?.questions ?? {};
      const records = phase.questionIds.map((id) => questions[id]);
      const stored = progress.phases[phase.phaseId]?.status;
      return {
        phaseId: phase.phaseId,
        status: index < currentIndex ? "passed" : index === currentIndex ? (stored === "failed" ? "failed" : "open") : "locked",
        score: round(records.reduce((sum, record) => sum + (record?.bestPoints ?? 0), 0)),
        maxScore: round(phase.questionIds.reduce((sum, id) => sum + (facts.get(id)?.points ?? questions[id]?.maxPoints ?? 0), 0)),
        correctAnswers: records.filter((record) => record && record.graded && record.bestPoints >= record.maxPoints).length,
        answered: records.filter((record) => record !== undefined).length,
        total: phase.questionIds.length,
        attempts: records.reduce((sum, record) => sum + (record?.attempts ?? 0), 0),
        timeSpentMs: records.reduce((sum, record) => sum + (record?.timeSpentMs ?? 0), 0),
        pendingReview: records.filter((record) => record?.pendingReview).length,
      };
    }),
  };
}

const round = (value: number) => Math.round(value * 100) / 100;
