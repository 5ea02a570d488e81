/** Registrations of the quiz capability (API.md "Quizzes in phases"). */
import { firestoreKit } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { NotFoundError } from "../errors.js";
import { onCallable } from "../on-callable.js";
import { callableOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { GetQuizProgressRequest, QuizDoc, QuizProgressDoc, StartAttemptRequest } from "../schemas/quizzes.js";
import { quizProgressPath, readPhaseFacts, startAttempt as start } from "./attempts.js";
import { progressView } from "./progress.js";

export const handleStartAttempt = callable({ name: "startAttempt", schema: StartAttemptRequest, rateLimit: RATE_LIMITS.submitAnswer }, async (input, caller) =>
  start(await firestoreKit(), caller.uid, input),
);

/** The quiz, the learner's progress and every question's points: 2 reads and one per question. */
export const handleGetQuizProgress = callable({ name: "getQuizProgress", schema: GetQuizProgressRequest }, async (input, caller) => {
  const kit = await firestoreKit();
  const [quizSnap, progressSnap] = await kit.db.getAll(kit.db.doc(`quizzes/${input.quizId}`), kit.db.doc(quizProgressPath(caller.uid, input.quizId)));
  if (!quizSnap?.exists) throw new NotFoundError("No such quiz");
  const quiz = QuizDoc.parse(quizSnap.data());
  const facts = await readPhaseFacts(kit, kit.db, quiz.phases.flatMap((phase) => phase.questionIds));
  return progressView(progressSnap?.exists ? QuizProgressDoc.parse(progressSnap.data()) : undefined, input.quizId, quiz, facts);
});

export const startAttempt = onCallable(callableOptions, handleStartAttempt);
export const getQuizProgress = onCallable(callableOptions, handleGetQuizProgress);
