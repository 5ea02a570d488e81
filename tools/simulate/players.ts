/**
 * Simulated video players for `npm run simulate`: each one is a student (its own uid and emulator token) watching
 * random lectures and talking to the callables over real HTTP, on a compressed clock. A player never has two
 * calls in flight, as the real ProgressTracker.
 */
import { randomUUID } from "node:crypto";
import { emulatorIdToken } from "@learnpulse/local-stack/tokens.ts";

export interface Lecture {
  id: string;
  durationSec: number;
}

/** A quiz phase the player answers before watching: each question once, right with `rightChance`. */
export interface QuizPlan {
  quizId: string;
  questions: { questionId: string; right: Record<string, unknown>; wrong: Record<string, unknown> }[];
  rightChance: number;
}

export interface PlayerPlan {
  uid: string;
  courseId: string;
  lectures: readonly Lecture[];
  /** Simulated seconds between pings. */
  intervalSec: number;
  /** Simulated seconds each player plays. */
  sessionSec: number;
  /** Simulated seconds per wall second. */
  speed: number;
  /** Simulated seconds before the first ping (staggers the players). */
  startOffsetSec: number;
  random: () => number;
  /** The callable each ping calls: saveProgress, or a measured design's (designs.ts). @default "saveProgress" */
  pingCallable?: string;
  quiz?: QuizPlan;
}

/** What every player reports into: counts and latencies, shared by all players of a run. */
export interface Tally {
  pingsSent: number;
  pingsAcked: number;
  pingLatenciesMs: number[];
  calls: Record<string, { sent: number; ok: number }>;
  errors: string[];
  /** Last acknowledged position per `uid/lecture`: what Firestore must hold after the final flush. */
  lastAcked: Map<string, number>;
}

export const emptyTally = (): Tally => ({ pingsSent: 0, pingsAcked: 0, pingLatenciesMs: [], calls: {}, errors: [], lastAcked: new Map() });

/** Chance per ping that the player seeks (starting a new played segment) or records a `lecture_view`/`search`. */
const SEEK_CHANCE = 0.05;
const ACTIVITY_CHANCE = 0.02;
const MAX_ERRORS_KEPT = 20;

export type Caller = (name: string, data: unknown, token: string) => Promise<{ ok: boolean; body: unknown; ms: number }>;

/** The callable protocol: POST `{data}` with a bearer token, answered `{result}` or `{error}`. */
export function httpCaller(functionsUrl: string): Caller {
  return async (name, data, token) => {
    const start = performance.now();
    try {
      const response = await fetch(`${functionsUrl}/${name}`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({ data }),
      });
      const body: unknown = await response.json().catch(() => null);
      return { ok: response.ok && typeof body === "object" && body !== null && "result" in body, body, ms: performance.now() - start };
    } catch (error) {
      return { ok: false, body: { error: String(error) }, ms: performance.now() - start };
    }
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Plays one student's session; resolves when the session's simulated time is over. */
export async function runPlayer(plan: PlayerPlan, call: Caller, tally: Tally): Promise<void> {
  const token = emulatorIdToken(plan.uid);
  const wallMs = (simSec: number) => (simSec * 1000) / plan.speed;
  const started = performance.now();
  const counted = async (name: string, data: unknown) => {
    const entry = (tally.calls[name] ??= { sent: 0, ok: 0 });
    entry.sent++;
    const reply = await call(name, data, token);
    if (reply.ok) entry.ok++;
    else if (tally.errors.length < MAX_ERRORS_KEPT) tally.errors.push(`${name}: ${JSON.stringify(reply.body)}`);
    return reply;
  };
  // Each activity type takes exactly its ids (API.md recordActivity): a search names no course.
  const activity = (type: string, lectureId?: string) =>
    counted("recordActivity", { type, clientEventId: randomUUID(), ...(lectureId ? { courseId: plan.courseId, lectureId } : {}) });

  for (const { questionId, right, wrong } of plan.quiz?.questions ?? []) {
    const attemptId = randomUUID();
    await counted("startAttempt", { questionId, attemptId, quizId: plan.quiz?.quizId });
    const answer = plan.random() < (plan.quiz?.rightChance ?? 0) ? right : wrong;
    await counted("submitAnswer", { questionId, attemptId, quizId: plan.quiz?.quizId, answer, timeSpentMs: Math.round(2_000 + 18_000 * plan.random()) });
  }

  let lecture = pick(plan.lectures, plan.random);
  let position = Math.floor(plan.random() * lecture.durationSec * 0.5);
  let segments: [number, number][] = [[position, position]];
  await activity("lecture_view", lecture.id);
  for (let simSec = plan.startOffsetSec; simSec < plan.sessionSec; simSec += plan.intervalSec) {
    await sleep(started + wallMs(simSec) - performance.now());
    position = Math.min(lecture.durationSec, position + plan.intervalSec);
    const current = segments[segments.length - 1] as [number, number];
    current[1] = position;
    const ping = { courseId: plan.courseId, lectureId: lecture.id, position, duration: lecture.durationSec, playedSegments: segments.filter(([s, e]) => e > s).slice(-100) };
    tally.pingsSent++;
    const reply = await counted(plan.pingCallable ?? "saveProgress", ping);
    tally.pingLatenciesMs.push(reply.ms);
    if (reply.ok) {
      tally.pingsAcked++;
      tally.lastAcked.set(`${plan.uid}/${lecture.id}`, position);
    }
    if (position >= lecture.durationSec) {
      await counted("completeLecture", { courseId: plan.courseId, lectureId: lecture.id });
      await activity("lecture_complete", lecture.id);
      lecture = pick(plan.lectures, plan.random);
      position = 0;
      segments = [[0, 0]];
      await activity("lecture_view", lecture.id);
    } else if (plan.random() < SEEK_CHANCE) {
      position = Math.floor(plan.random() * lecture.durationSec * 0.9);
      segments.push([position, position]);
    }
    if (plan.random() < ACTIVITY_CHANCE) await activity("search");
  }
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)] as T;
}
