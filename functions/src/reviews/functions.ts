/** Registrations of the review capability (API.md "Reviews", teacher). */
import { firestoreKit } from "../adapters/firestore.js";
import { callable } from "../callable.js";
import { onCallable } from "../on-callable.js";
import { callableOptions } from "../options.js";
import { ListPendingReviewsRequest, ReviewAnswerRequest } from "../schemas/reviews.js";
import { listPendingReviews as list, reviewAnswer as review } from "./reviews.js";

export const handleListPendingReviews = callable({ name: "listPendingReviews", schema: ListPendingReviewsRequest, role: "teacher" }, async (input) => list(await firestoreKit(), input));

export const handleReviewAnswer = callable({ name: "reviewAnswer", schema: ReviewAnswerRequest, role: "teacher" }, async (input, caller) => review(await firestoreKit(), caller, input));

export const listPendingReviews = onCallable(callableOptions, handleListPendingReviews);
export const reviewAnswer = onCallable(callableOptions, handleReviewAnswer);
