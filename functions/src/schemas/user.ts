/** `users/{uid}`: the profile and the denormalised stats that make getStudentStats O(1). */
import { z } from "zod";
import { EmptyRequest, LocalDate } from "./common.js";

const Count = z.number().int().nonnegative();

/** The stored user document. Every field is optional: a user who never did anything has no document yet. */
export const UserDoc = z.object({
  timezone: z.string().max(64).optional(),
  /**
   * The zones in force before the current one, oldest first: each `{timezone, until}` (ms) was in force until
   * `until`. Kept while an activity may still be dated in them (activity/days.ts zoneAt), so a late activity is
   * counted in the zone of its time.
   */
  timezoneChanges: z.array(z.object({ timezone: z.string().max(64), until: z.number() })).max(32).optional(),
  displayName: z.string().max(80).optional(),
  locale: z.string().max(35).optional(),
  currentStreak: Count.optional(),
  longestStreak: Count.optional(),
  lastActiveDate: LocalDate.nullable().optional(),
  totalCompletedLectures: Count.optional(),
  totalActiveDays: Count.optional(),
});
export type UserDoc = z.infer<typeof UserDoc>;

export const GetStudentStatsRequest = EmptyRequest;
export type GetStudentStatsRequest = z.infer<typeof GetStudentStatsRequest>;

export const StudentStats = z.strictObject({
  currentStreak: Count,
  longestStreak: Count,
  lastActiveDate: LocalDate.nullable(),
  totalCompletedLectures: Count,
  totalActiveDays: Count,
});
export type StudentStats = z.infer<typeof StudentStats>;
