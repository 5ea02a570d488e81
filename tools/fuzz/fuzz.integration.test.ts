/**
 * The fuzzing property of `npm run fuzz` (tools/fuzz/runner.ts) with fewer payloads: FUZZ_TEST_RUNS per callable
 * (default 120; FUZZ_SEED replays a run). Every callable the functions export is fuzzed, found from the loaded
 * functions rather than listed. On a stack of this file's own (helpers/own-stack.ts): writes are counted exactly, and
 * the admin callables it calls thousands of times (flushNow, reconcile with repair, replayDeadLetters) touch only
 * this stack's data.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runFuzz, type FuzzTarget } from "./runner.ts";
import { FUZZ_PARAMS, prepareFuzzing, stackProbe } from "./stack.ts";
import type { Stack } from "@learnpulse/local-stack";
import { startOwnStack } from "../../functions/test/helpers/own-stack.js";

const RUNS = Number(process.env["FUZZ_TEST_RUNS"] ?? 120);
const SEED = Number(process.env["FUZZ_SEED"] ?? Date.now() % 1_000_000_000);

let stack: Stack;
let targets: FuzzTarget[];
beforeAll(async () => {
  stack = await startOwnStack(FUZZ_PARAMS);
  targets = await prepareFuzzing(stack);
});
afterAll(() => stack?.stop());

describe("fuzzing every callable", () => {
  it(`when every exported callable gets ${RUNS} generated payloads, then each answer is a result or a clean refusal and refused payloads write nothing, nor does anything nobody sent`, async () => {
    console.info(`fuzz: seed ${SEED} (FUZZ_SEED=${SEED} replays it)`);
    const report = await runFuzz({ targets, runsPerCallable: RUNS, seed: SEED, probe: stackProbe(stack) });

    expect(targets.map((target) => target.name)).toEqual([...stack.functions.callables.keys()].sort());
    // Mutated payloads are judged by each callable's schema: a callable without one would have every mutation judged invalid.
    expect(report.callables.filter((tally) => !tally.schema).map((tally) => tally.name)).toEqual([]);
    expect(report.callables.map((tally) => [tally.name, tally.payloads])).toEqual(targets.map((target) => [target.name, RUNS]));
    expect(report.findings).toEqual([]);
    expect({ internal: report.internal, unclean: report.unclean, invalidWrites: report.invalidWrites, unattributedWrites: report.unattributedWrites }).toEqual({
      internal: 0,
      unclean: 0,
      invalidWrites: { firestore: 0, redis: 0 },
      unattributedWrites: 0,
    });
    expect(report.firestoreCounted).toBe(true);
    // The property was exercised both ways for every callable: valid payloads got results, refused ones were replayed.
    // getErasure answers only the learner whose request it names (or an admin), which no generated caller is: its
    // answers are checked in functions/test/rights/erasure.integration.test.ts.
    const exercised = report.callables.map((tally) => [tally.name, (tally.verdicts["OK"] ?? 0) > 0 || tally.name === "getErasure", tally.replayed > 0]);
    expect(exercised).toEqual(targets.map((target) => [target.name, true, true]));
  }, 240_000);
});
