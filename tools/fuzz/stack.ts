/** A local stack made ready for fuzzing, for npm run fuzz and the test suite alike: seeded, its callables found, counted. */
import { initializeApp } from "firebase-admin/app";
import { FieldValue, getFirestore } from "firebase-admin/firestore";
import { quiesce, type Stack } from "@learnpulse/local-stack";
import { seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { FUZZ_PENDING_ANSWERS } from "./contracts.ts";
import { discoverTargets, type FuzzTarget, type StackProbe } from "./runner.ts";

/**
 * Seeds the demo catalogue (the valid payloads name it) and answers waiting for a review (reviewAnswer's valid
 * payloads name them), and finds every callable the loaded functions export.
 */
export async function prepareFuzzing(stack: Stack): Promise<FuzzTarget[]> {
  const db = getFirestore(initializeApp({ projectId: stack.projectId }, `fuzz-seed-${Date.now()}`));
  await seedDemoCatalogue(db);
  for (const answerId of FUZZ_PENDING_ANSWERS) {
    await db.doc(`answers/${answerId}`).set({
      uid: "fuzz-learner", questionId: "demo-q-essay", questionType: "essay", attemptId: answerId, answer: { text: "An essay to review." },
      status: "pending_review", isCorrect: null, score: 0, pointsEarned: 0, maxPoints: 5, attemptNumber: 1, submittedAt: FieldValue.serverTimestamp(),
      subject: "learning", skill: "video", subskill: "basics",
    });
  }
  await stack.triggers.idle();
  return discoverTargets(stack.host.baseUrl, [...stack.functions.callables.keys()].sort(), "fuzz-probe");
}

/**
 * Params of a stack that fuzzes: erasures (deleteUserData and deleteMyData get valid payloads too) schedule their
 * follow-up passes past the run, since a pass that wrote between two counts would be charged to a refused payload.
 */
export const FUZZ_PARAMS = { ERASURE_FOLLOW_UP_SECONDS: "86400", ERASURE_RETRY_SECONDS: "86400" };

/**
 * The sinks' status counters (sync/sink-status.ts), which every instance flushes to Firestore on a timer: writes of
 * deliveries made earlier, never of the payload being counted.
 */
const TIMED_COUNTERS = "_sync/sinks/";

/**
 * Counts at this process's own stand-ins: the documents Firestore changed (from its commit feed, so that a path can be
 * told apart), less the sinks' timed counters, and billed Upstash commands. Idle means no trigger or Auth trigger in
 * flight, and no task running or due within a minute.
 */
export function stackProbe(stack: Stack): StackProbe {
  let writes = 0;
  stack.firestore?.onCommit((commit) => {
    for (const write of commit.writes) if (!write.path.startsWith(TIMED_COUNTERS)) writes++;
  });
  return {
    counts: async () => ({ firestoreWrites: stack.firestore ? writes : null, redisCommands: stack.redis.commands() }),
    // The erasures' follow-ups are scheduled a day out (FUZZ_PARAMS): not waited for.
    idle: () => quiesce(stack, { dueWithinMs: 60_000 }),
  };
}
