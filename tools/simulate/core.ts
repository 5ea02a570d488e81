/**
 * The traffic simulator's core (`npm run simulate`, tools/simulate/simulate.ts): N players over real HTTP against a running
 * local stack, then the final flush, the dead-letter replay, a check that every acknowledged ping reached
 * Firestore, and reconcile of progress, activities and users against every sink. Op counts are the stack's own
 * (Firestore writes at the stand-in, billed Upstash commands at the REST bridge, trigger deliveries, sink writes),
 * taken as differences around the run, so the cost report (tools/cost/cost.ts) prices measured figures.
 *
 * Needs the stack's env in process.env (FIRESTORE_EMULATOR_HOST, MONGODB_URI, ...): seeding and reconcile use the
 * product's own adapters, as `npm run reconcile` does.
 */
import { randomUUID } from "node:crypto";
import type { Firestore } from "firebase-admin/firestore";
import { BASELINE_FLUSH_CALLABLE, PING_CALLABLE, type Design } from "./designs.ts";
import { emptyTally, httpCaller, runPlayer, type Lecture, type QuizPlan, type Tally } from "./players.ts";
import { DEMO_COURSE_ID, DEMO_LECTURES, DEMO_QUESTIONS, DEMO_QUIZ, DEMO_QUIZ_ID, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { emulatorIdToken } from "@learnpulse/local-stack/tokens.ts";
import { prng } from "../../functions/test/helpers/prng.ts";

export interface SimulateOptions {
  /** Which design's ping and flush the players meet (designs.ts); only learnpulse runs on a stack not started with them. @default "learnpulse" */
  design?: Design;
  students: number;
  /** Simulated minutes each student plays. */
  minutes: number;
  /** Simulated seconds between pings. @default 5 */
  intervalSec?: number;
  /** Simulated seconds per wall second. @default 5 */
  speed?: number;
  /** The callables' base URL (`.../{project}/{region}`). */
  functionsUrl: string;
  /** The stack's control routes (`.../__stack`). */
  stackUrl: string;
  /**
   * The stack's flush window in wall ms, when the simulator runs the scheduled flush itself at every window end
   * (plus the grace); undefined leaves the schedule to the stack and only flushes at the end.
   */
  flushWindowMs?: number;
  /**
   * The share of players who first take the demo quiz's opening phase (each answer right with the player's own
   * chance), so that the item and competency reports have answers to show. @default 0.5
   */
  quizShare?: number;
  /** Reconcile only this run's users (a shared test stack), or whole collections. @default "all" */
  reconcileScope?: "run" | "all";
  /** Progress line (stderr). */
  progress?: (line: string, final: boolean) => void;
  random?: () => number;
  /**
   * Makes the run repeatable: the players' plans come from it, and each player draws from a generator of its own
   * (one shared generator would hand out its numbers in whatever order the players' calls happen to finish).
   */
  seed?: number;
}

/** The players watch the demo course (local-stack/seed.ts), which `npm start` serves and the dashboard shows. */
const LECTURES: Lecture[] = DEMO_LECTURES.map(({ id, durationSec }) => ({ id, durationSec }));
/** The product's FLUSH_GRACE_MS plus a second: the scheduled flush drains a window only this long after it closed. */
const FLUSH_AFTER_WINDOW_MS = 11_000;
const RECONCILED = ["progress", "activities", "users"] as const;
/** How often an admin call that answered UNAVAILABLE is made before the run gives up. */
const ADMIN_CALL_ATTEMPTS = 5;
const SINKS = ["bigquery", "mongo", "cosmos"] as const;

export interface OpCounts {
  firestoreWrites: number;
  /** Wall ms in each callable's handler, at the callable host. */
  callableBusyMs: Record<string, number>;
  tasksEnqueued: number;
  /** Task attempts dispatched (each a function invocation and a billed Cloud Tasks operation). */
  taskDispatches: number;
  scheduledRuns: number;
  /** Request units Cosmos charged (x-ms-request-charge), as the stand-in counts them. */
  cosmosRequestUnits: number;
  /** Of those, the flushes' progress writes (each fires one mirror trigger): the ping traffic's share. */
  flushWrites: number;
  firestoreReads: number;
  upstashCommands: number;
  upstashByCommand: Record<string, number>;
  triggerInvocations: number;
  bigqueryRows: number;
  mongoWrites: number;
  cosmosWrites: number;
  cosmosReads: number;
  callables: Record<string, number>;
}

export interface ReconcileLine {
  collection: string;
  sink: string;
  checked: number;
  missing: number;
  stale: number;
  extra: number;
}

export interface SimulationReport {
  simulation: Design;
  at: string;
  options: { students: number; minutes: number; intervalSec: number; speed: number; quizShare: number; simulatedWindowSec: number | null };
  wallSeconds: number;
  pings: { sent: number; acknowledged: number; lost: number; notInFirestore: number };
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  calls: Tally["calls"];
  errors: string[];
  flushes: number;
  /** Scheduled flushes that failed (the stack's scheduler counts them): a run with any is not clean. */
  failedFlushes: number;
  ops: OpCounts;
  /** Every op count divided by the acknowledged pings: what the cost report prices. */
  perPing: Pick<OpCounts, "firestoreWrites" | "flushWrites" | "firestoreReads" | "upstashCommands" | "triggerInvocations" | "bigqueryRows" | "mongoWrites" | "cosmosWrites" | "cosmosReads" | "cosmosRequestUnits"> & {
    calls: number;
    taskDispatches: number;
  };
  sync: unknown;
  deadLetters: number;
  reconcile: ReconcileLine[];
  clean: boolean;
}

export async function simulate(options: SimulateOptions): Promise<SimulationReport> {
  const intervalSec = options.intervalSec ?? 5;
  const speed = options.speed ?? 5;
  const random = options.random ?? (options.seed === undefined ? Math.random : prng(options.seed));
  const playerRandom = (n: number) => (options.seed === undefined ? random : prng(options.seed * 100_003 + n + 1));
  const runId = `sim-${Date.now().toString(36)}-${randomUUID().slice(0, 4)}`;
  const courseId = DEMO_COURSE_ID;
  const lectures = LECTURES;
  const quizShare = options.quizShare ?? 0.5;
  const design = options.design ?? "learnpulse";
  const admin = emulatorIdToken(`${runId}-admin`, { admin: true });
  const call = httpCaller(options.functionsUrl);
  const control = async (path: string, method = "POST") => {
    const response = await fetch(`${options.stackUrl}/${path}`, { method });
    if (!response.ok) throw new Error(`stack ${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  };
  const adminCall = async (name: string, data: unknown) => {
    // As an operator would: UNAVAILABLE (a flush still running, Redis briefly out of reach) is tried again.
    for (let attempt = 1; ; attempt++) {
      const reply = await call(name, data, admin);
      if (reply.ok) return (reply.body as { result: Record<string, unknown> }).result;
      const status = (reply.body as { error?: { status?: string } } | undefined)?.error?.status;
      if (status !== "UNAVAILABLE" || attempt >= ADMIN_CALL_ATTEMPTS) throw new Error(`${name}: ${JSON.stringify(reply.body)}`);
      options.progress?.(`${name} answered UNAVAILABLE; trying again (${attempt}/${ADMIN_CALL_ATTEMPTS})`, true);
      await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };

  const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");
  const { db } = await firestoreKit();
  await seedDemoCatalogue(db);
  await control("idle");

  const before = await control("stats", "GET");
  const tally = emptyTally();
  const started = performance.now();
  const sessionSec = options.minutes * 60;
  const players = Array.from({ length: options.students }, (_, n) =>
    runPlayer(
      {
        uid: `${runId}-s${n}`,
        courseId,
        lectures,
        intervalSec,
        sessionSec,
        speed,
        startOffsetSec: random() * intervalSec,
        random: playerRandom(n),
        pingCallable: PING_CALLABLE[design],
        ...(random() < quizShare ? { quiz: openingPhase(random) } : {}),
      },
      call,
      tally,
    ),
  );
  const elapsed = () => (performance.now() - started) / 1000;
  const line = () => `pings ${tally.pingsSent} sent, ${tally.pingsAcked} acked, ${Math.round(tally.pingsAcked / Math.max(elapsed(), 0.001))}/s, ${elapsed().toFixed(1)} s (simulated ${Math.min(options.minutes * 60, elapsed() * speed).toFixed(0)} of ${sessionSec} s)`;
  const ticker = setInterval(() => options.progress?.(line(), false), 1_000);
  let flushes = 0;
  let flushWrites = 0;
  let stopFlushes = false;
  const scheduledFlushes = (async () => {
    const windowMs = options.flushWindowMs;
    if (!windowMs) return;
    while (!stopFlushes) {
      const next = (Math.floor(Date.now() / windowMs) + 1) * windowMs + FLUSH_AFTER_WINDOW_MS;
      while (!stopFlushes && Date.now() < next) await new Promise((resolve) => setTimeout(resolve, 200));
      if (stopFlushes) return;
      if (design === "direct") continue; // nothing buffered, nothing to flush
      flushes++;
      if (design === "baseline") {
        flushWrites += Number((await adminCall(BASELINE_FLUSH_CALLABLE, {}))["keys"] ?? 0);
        continue;
      }
      // The schedule only enqueues; the run is done when its parts' tasks are (their reports are in the run's document).
      await control("schedules/flushProgress");
      await control("tasks/idle");
      const runId = (await db.doc("_sync/writeBehind").get()).get("lastRunId") as string | undefined;
      const parts = runId ? ((await db.doc(`_sync/writeBehind/runs/${runId}`).get()).get("parts") as Record<string, { writes?: number }> | undefined) : undefined;
      flushWrites += Object.values(parts ?? {}).reduce((sum, part) => sum + (part.writes ?? 0), 0);
    }
  })();
  try {
    await Promise.all(players);
  } finally {
    clearInterval(ticker);
    stopFlushes = true;
  }
  await scheduledFlushes;
  options.progress?.(line(), true);
  const wallSeconds = elapsed();

  // The end of the run: every acknowledged ping into Firestore, every change through the sinks, dead letters retried.
  if (design !== "direct") {
    const final = await adminCall(design === "baseline" ? BASELINE_FLUSH_CALLABLE : "flushNow", {});
    flushes++;
    flushWrites += Number(final[design === "baseline" ? "keys" : "writes"] ?? 0);
  }
  await control("idle");
  const replay = await adminCall("replayDeadLetters", {});
  await control("idle");
  const after = await control("stats", "GET");
  const ops = { ...opsBetween(before as unknown as StackStats, after as unknown as StackStats), flushWrites };

  const notInFirestore = await unflushedPositions(db, courseId, tally.lastAcked);
  const sync = await adminCall("getSyncStatus", {});
  const deadLetters = Object.values((sync["sinks"] ?? {}) as Record<string, { deadLetters?: number }>).reduce((sum, sink) => sum + (sink.deadLetters ?? 0), 0);
  const reconcile = await reconcileAll(options.reconcileScope === "run" ? runId : undefined);

  const acked = Math.max(1, tally.pingsAcked);
  const calls = Object.values(ops.callables).reduce((sum, n) => sum + n, 0);
  const lost = tally.pingsSent - tally.pingsAcked;
  // A failed run is a schedule that failed or a part's task that ran out of retries (a failed attempt is retried).
  const flushFailures = (stats: unknown) =>
    ((stats as StackStats).schedules?.["flushProgress"]?.failures ?? 0) + ((stats as StackStats).tasks?.["flushPartition"]?.exhausted ?? 0);
  const failedFlushes = flushFailures(after) - flushFailures(before);
  return {
    simulation: design,
    at: new Date().toISOString(),
    options: { students: options.students, minutes: options.minutes, intervalSec, speed, quizShare, simulatedWindowSec: options.flushWindowMs ? (options.flushWindowMs / 1000) * speed : null },
    wallSeconds: round(wallSeconds, 1),
    pings: { sent: tally.pingsSent, acknowledged: tally.pingsAcked, lost, notInFirestore },
    latencyMs: { p50: quantile(tally.pingLatenciesMs, 0.5), p95: quantile(tally.pingLatenciesMs, 0.95), p99: quantile(tally.pingLatenciesMs, 0.99), max: quantile(tally.pingLatenciesMs, 1) },
    calls: tally.calls,
    errors: tally.errors,
    flushes,
    failedFlushes,
    ops,
    perPing: {
      firestoreWrites: round(ops.firestoreWrites / acked, 5),
      flushWrites: round(ops.flushWrites / acked, 5),
      firestoreReads: round(ops.firestoreReads / acked, 5),
      upstashCommands: round(ops.upstashCommands / acked, 5),
      triggerInvocations: round(ops.triggerInvocations / acked, 5),
      bigqueryRows: round(ops.bigqueryRows / acked, 5),
      mongoWrites: round(ops.mongoWrites / acked, 5),
      cosmosWrites: round(ops.cosmosWrites / acked, 5),
      cosmosReads: round(ops.cosmosReads / acked, 5),
      cosmosRequestUnits: round(ops.cosmosRequestUnits / acked, 5),
      taskDispatches: round(ops.taskDispatches / acked, 5),
      calls: round(calls / acked, 5),
    },
    sync: { ...sync, replay },
    deadLetters,
    reconcile,
    // The seed's flush loses pings that land between its read and its SREM (its measured flaw): reported, not failed on.
    clean: lost === 0 && (notInFirestore === 0 || design === "baseline") && failedFlushes === 0 && deadLetters === 0 && reconcile.every((r) => r.missing + r.stale + r.extra === 0),
  };
}

interface StackStats {
  firestore: { writes: number; reads: number } | null;
  redis: { commands: number; byCommand: Record<string, number> };
  bigquery: { rowsReceived: number };
  mongo: { writes: number } | null;
  cosmos: { writes: number; reads: number; requestUnits: number };
  triggers: { delivered: number };
  callables: Record<string, number>;
  callableBusyMs: Record<string, number>;
  schedules: Record<string, { runs: number; failures: number }>;
  tasks?: Record<string, { exhausted: number; enqueued: number; dispatched: number }>;
}

function opsBetween(before: StackStats, after: StackStats): Omit<OpCounts, "flushWrites"> {
  const delta = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.entries(b).map(([k, v]) => [k, v - (a[k] ?? 0)]).filter(([, v]) => (v as number) > 0)) as Record<string, number>;
  return {
    firestoreWrites: (after.firestore?.writes ?? 0) - (before.firestore?.writes ?? 0),
    firestoreReads: (after.firestore?.reads ?? 0) - (before.firestore?.reads ?? 0),
    upstashCommands: after.redis.commands - before.redis.commands,
    upstashByCommand: delta(before.redis.byCommand, after.redis.byCommand),
    triggerInvocations: after.triggers.delivered - before.triggers.delivered,
    bigqueryRows: after.bigquery.rowsReceived - before.bigquery.rowsReceived,
    mongoWrites: (after.mongo?.writes ?? 0) - (before.mongo?.writes ?? 0),
    cosmosWrites: after.cosmos.writes - before.cosmos.writes,
    cosmosReads: after.cosmos.reads - before.cosmos.reads,
    cosmosRequestUnits: round(after.cosmos.requestUnits - before.cosmos.requestUnits, 2),
    callables: delta(before.callables, after.callables),
    callableBusyMs: delta(before.callableBusyMs, after.callableBusyMs),
    tasksEnqueued: sumOf(after.tasks, "enqueued") - sumOf(before.tasks, "enqueued"),
    taskDispatches: sumOf(after.tasks, "dispatched") - sumOf(before.tasks, "dispatched"),
    scheduledRuns: Object.values(after.schedules).reduce((n, s) => n + s.runs, 0) - Object.values(before.schedules).reduce((n, s) => n + s.runs, 0),
  };
}

const sumOf = (queues: StackStats["tasks"], field: "enqueued" | "dispatched") => Object.values(queues ?? {}).reduce((n, queue) => n + (queue[field] ?? 0), 0);

/** Lectures whose last acknowledged position is not the one Firestore holds after the final flush. */
async function unflushedPositions(db: Firestore, courseId: string, lastAcked: Map<string, number>): Promise<number> {
  const byUid = new Map<string, [string, number][]>();
  for (const [key, position] of lastAcked) {
    const [uid, lectureId] = key.split("/") as [string, string];
    byUid.set(uid, [...(byUid.get(uid) ?? []), [lectureId, position]]);
  }
  const uids = [...byUid.keys()];
  let missing = 0;
  for (let i = 0; i < uids.length; i += 300) {
    const page = uids.slice(i, i + 300);
    const docs = await db.getAll(...page.map((uid) => db.doc(`users/${uid}/progress/${courseId}`)));
    for (const [j, doc] of docs.entries()) {
      const watchTimes = (doc.get("watchTimes") ?? {}) as Record<string, number>;
      for (const [lectureId, position] of byUid.get(page[j] as string) ?? []) if (watchTimes[lectureId] !== position) missing++;
    }
  }
  return missing;
}

/** The product's reconcile for each collection and sink; a run scope narrows users and progress to this run's users. */
async function reconcileAll(runId: string | undefined): Promise<ReconcileLine[]> {
  const { firestoreKit } = await import("../../functions/lib/adapters/firestore.js");
  const { reconcile } = await import("../../functions/lib/sync/reconcile/reconcile.js");
  const { reconcileTarget } = await import("../../functions/lib/sync/reconcile/functions.js");
  const kit = await firestoreKit();
  const lines: ReconcileLine[] = [];
  for (const collection of RECONCILED) {
    // Activity ids are hashes, not under the user: on a shared stack only a whole-collection run covers them.
    if (runId && collection === "activities") continue;
    for (const sink of SINKS) {
      const range = runId ? { after: `users/${runId}-`, upTo: `users/${runId}-\uf8ff` } : undefined;
      const report = await reconcile(kit, reconcileTarget(collection, sink), { limit: 50_000, ...(range ? { range } : {}) });
      lines.push({ collection, sink, checked: report.checked, missing: report.missing, stale: report.stale, extra: report.extra });
    }
  }
  return lines;
}

/** Nearest-rank quantile, in ms with one decimal. */
export function quantile(values: number[], q: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number, 1);
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The demo quiz's first phase as a player takes it: each question answered right with one chance per player. */
function openingPhase(random: () => number): QuizPlan {
  const questions = (DEMO_QUIZ.phases[0]?.questionIds ?? []).map((questionId) => ({ questionId, ...rightAndWrong(questionId) }));
  return { quizId: DEMO_QUIZ_ID, questions, rightChance: 0.2 + 0.75 * random() };
}

/** A right and a wrong answer to a demo question of the opening phase (true/false or single choice). */
function rightAndWrong(questionId: string): { right: Record<string, unknown>; wrong: Record<string, unknown> } {
  const { question, key } = DEMO_QUESTIONS[questionId] as { question: Record<string, unknown>; key: Record<string, unknown> };
  if (key["type"] === "true_false") return { right: { value: key["correct"] }, wrong: { value: !key["correct"] } };
  const correct = (key["correct"] as string[])[0] as string;
  const other = (question["options"] as { id: string }[]).find((option) => option.id !== correct)?.id as string;
  return { right: { choice: correct }, wrong: { choice: other } };
}
