/** Building blocks shared by every payload schema. */
import { z } from "zod";

/**
 * Ids of courses, lectures, questions, quizzes, client events and attempts.
 * Restricted so that they can never inject a Firestore path segment (`/`, `..`, `__name__`) or a Redis key part (`:`).
 */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export const Id = z.string().regex(ID_PATTERN, "must match [A-Za-z0-9_-]{1,128}");

/** An empty strict request: `{}` and nothing else. */
export const EmptyRequest = z.strictObject({});

/** A local calendar date, `YYYY-MM-DD`. */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");
