/** Registrations of the answers capability's functions (API.md "Answers"). */
import { firestoreKit } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { callableOptions } from "../options.js";
import { RATE_LIMITS } from "../rate-limit.js";
import { SubmitAnswerRequest } from "../schemas/answers.js";
import { submitAnswer as submit } from "./submit.js";
import { onCallable } from "../on-callable.js";

export const handleSubmitAnswer = callable({ name: "submitAnswer", schema: SubmitAnswerRequest, rateLimit: RATE_LIMITS.submitAnswer }, async (input, caller) =>
  submit(await firestoreKit(), caller.uid, input),
);

export const submitAnswer = onCallable(callableOptions, handleSubmitAnswer);
