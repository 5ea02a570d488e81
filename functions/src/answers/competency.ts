/**
 * Per-skill competency (`users/{uid}/competencies/{subject~skill~subskill}`), pure.
 *
 * - `currentScore` (0..100) is a moving estimate of the student's recent scores on the skill: an average of the
 *   first attempts, then an exponential moving average in which each new attempt weighs 20%
 *   (weight = max(1/attempts, 0.2)), so it follows improvement without forgetting at once.
 * - `credibility` (0..1) says how much that estimate can be trusted: attempts / (attempts + 5), rising toward 1
 *   (1 attempt: 0.17, 5: 0.5, 20: 0.8).
 */

/** The smallest weight a new attempt has in the moving estimate. */
export const MIN_WEIGHT = 0.2;
/** Attempts at which credibility reaches one half. */
export const CREDIBILITY_HALF = 5;

export interface Competency {
  currentScore: number;
  credibility: number;
  totalAttempts: number;
}

export const competencyId = (subject: string, skill: string, subskill: string) => `${subject}~${skill}~${subskill}`;

/** The weight a new attempt has in the estimate after it (`withAttempt`), kept with a reviewed answer for a re-review. */
export function weightOf(previous: Competency | undefined): number {
  return Math.max(1 / ((previous?.totalAttempts ?? 0) + 1), MIN_WEIGHT);
}

/**
 * The competency after a re-review moved an attempt's score from `oldScore` to `newScore` (0..1): the estimate moves
 * by the difference at the weight the attempt had when it counted, and the attempt is not counted again.
 */
export function withRevisedAttempt(current: Competency, weight: number, oldScore: number, newScore: number): Competency {
  const moved = current.currentScore + weight * (Math.min(1, Math.max(0, newScore)) - Math.min(1, Math.max(0, oldScore))) * 100;
  return { ...current, currentScore: Math.round(Math.min(100, Math.max(0, moved)) * 10) / 10 };
}

/** The competency after one more graded attempt scoring `score` (0..1). */
export function withAttempt(previous: Competency | undefined, score: number): Competency {
  const totalAttempts = (previous?.totalAttempts ?? 0) + 1;
  const weight = Math.max(1 / totalAttempts, MIN_WEIGHT);
  const percent = Math.min(1, Math.max(0, score)) * 100;
  const currentScore = previous ? previous.currentScore + weight * (percent - previous.currentScore) : percent;
  return {
    currentScore: Math.round(currentScore * 10) / 10,
    credibility: Math.round((totalAttempts / (totalAttempts + CREDIBILITY_HALF)) * 1000) / 1000,
    totalAttempts,
  };
}
