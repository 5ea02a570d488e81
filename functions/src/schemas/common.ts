/** Building blocks shared by every payload schema. */
import { z } from "zod";

/**
 * Ids of courses, lectures, questions, quizzes, client events and attempts.
 * Restricted so that they can never inject a Firestore path segment (`/`, `..`, `__name__`) or a Redis key part (`:`);
 * Firestore also reserves document ids matching __.*__ (it refuses them at run time), so those are refused here.
 */
export const ID_PATTERN = /^(?!__.*__$)[A-Za-z0-9_-]{1,128}$/;

export const Id = z.string().regex(ID_PATTERN, "must match [A-Za-z0-9_-]{1,128}, not __…__ (reserved by Firestore)");

/**
 * Free text that gets stored. Firestore keeps strings as UTF-8, which has no form for a lone UTF-16 surrogate (JSON
 * can carry one: "\ud800"), so a write holding one is refused by Firestore; refuse it here, naming the field.
 */
export const StoredText = z.string().regex(/^[^\p{Cs}]*$/u, "must be well-formed Unicode (no lone surrogate)");

/** An empty strict request: `{}` and nothing else. */
export const EmptyRequest = z.strictObject({});

/** A local calendar date, `YYYY-MM-DD`. */
export const LocalDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD");
