/** A local stack made ready for fuzzing, for npm run fuzz and the test suite alike: seeded, its callables found, counted. */
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { Stack } from "@learnpulse/local-stack";
import { seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { discoverTargets, type FuzzTarget, type StackProbe } from "./runner.ts";

/** Seeds the demo catalogue (the valid payloads name it) and finds every callable the loaded functions export. */
export async function prepareFuzzing(stack: Stack): Promise<FuzzTarget[]> {
  await seedDemoCatalogue(getFirestore(initializeApp({ projectId: stack.projectId }, `fuzz-seed-${Date.now()}`)));
  await stack.triggers.idle();
  return discoverTargets(stack.host.baseUrl, [...stack.functions.callables.keys()].sort(), "fuzz-probe");
}

/** Counts at this process's own stand-ins. */
export function stackProbe(stack: Stack): StackProbe {
  return {
    counts: async () => ({ firestoreWrites: stack.firestore?.stats().writes ?? null, redisCommands: stack.redis.commands() }),
    idle: () => stack.triggers.idle(),
  };
}
