/**
 * A course's totals, pure: what its completion is counted over, as the course document and the Redis cache hold them.
 * Apart from catalogue.ts so that code which only reads them (submitAnswer's quiz step) imports no Redis client.
 */
/** A course's lectures and quizzes: what its completion is counted over. */
export interface CourseTotals {
  lectures: number;
  quizzes: number;
}

/** The cached totals, as `{lectures}:{quizzes}`; an older cache holding lectures alone reads as a miss. */
export const encodeTotals = (totals: CourseTotals) => `${totals.lectures}:${totals.quizzes}`;
export function decodeTotals(value: unknown): CourseTotals | undefined {
  const match = /^(\d+):(\d+)$/.exec(typeof value === "string" || typeof value === "number" ? String(value) : "");
  return match ? { lectures: Number(match[1]), quizzes: Number(match[2]) } : undefined;
}

/** The totals a course document holds (0 for a count not made yet). */
export const totalsOf = (course: { get(field: string): unknown }): CourseTotals => ({
  lectures: Number(course.get("totalLectures") ?? 0),
  quizzes: Number(course.get("totalQuizzes") ?? 0),
});
