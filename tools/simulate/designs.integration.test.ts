/**
 * The designs `npm run cost` compares (tools/simulate/designs.ts), each measured by the simulator on a stack of this
 * file's own that serves their pings and flush: one seed, the same players, so each design's counts differ from the
 * others' only by what the design does with the pings.
 */
import type { Stack } from "@learnpulse/local-stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOwnStack } from "../../functions/test/helpers/own-stack.ts";
import { simulate, type SimulationReport } from "./core.ts";
import { designCallables, DESIGNS, PING_CALLABLE, type Design } from "./designs.ts";

let stack: Stack;
const reports = {} as Record<Design, SimulationReport>;

beforeAll(async () => {
  stack = await startOwnStack({}, { extraCallables: () => designCallables(300_000) });
  for (const design of DESIGNS) {
    reports[design] = await simulate({
      design,
      students: 4,
      minutes: 1,
      speed: 10,
      quizShare: 0.5,
      seed: 7,
      functionsUrl: stack.env.LEARNPULSE_FUNCTIONS_URL,
      stackUrl: stack.env.LEARNPULSE_STACK_URL,
      reconcileScope: "run",
    });
  }
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

describe("the measured designs", () => {
  it("when the same players (one seed) meet each design, then every acknowledged ping reaches Firestore and the players' other calls are the same", () => {
    const others = (design: Design) => Object.entries(reports[design].calls).filter(([name]) => name !== PING_CALLABLE[design]);
    for (const design of DESIGNS) {
      expect(reports[design].errors, design).toEqual([]);
      expect(reports[design].pings, design).toMatchObject({ sent: 48, acknowledged: 48, notInFirestore: 0 });
      expect(others(design), design).toEqual(others("learnpulse"));
    }
  });

  it("when the pings go straight to Firestore, then no Upstash command is billed and every ping is a Firestore write with its fan-out", () => {
    const { ops } = reports.direct;
    expect(ops.upstashCommands).toBe(0);
    expect(ops.firestoreWrites).toBeGreaterThanOrEqual(48);
    expect(ops.triggerInvocations).toBeGreaterThan(reports.learnpulse.ops.triggerInvocations);
  });

  it("when the seed's write-behind takes the pings, then each costs HSET, SADD and EXPIRE, and its flush SMEMBERS and SREM", () => {
    const by = reports.baseline.ops.upstashByCommand;
    expect([by["HSET"], by["SADD"], by["EXPIRE"]]).toEqual([48, 48, 48]);
    expect(by["SMEMBERS"]).toBe(reports.baseline.flushes);
    expect(by["SREM"]).toBe(1);
    expect(reports.learnpulse.ops.upstashByCommand["HSET"]).toBe(48);
    expect(reports.learnpulse.ops.upstashByCommand["SADD"]).toBeUndefined();
  });

  it("when a run is measured, then the host's handler time and Cosmos's request charge are in its counts", () => {
    for (const design of DESIGNS) {
      expect(reports[design].ops.callableBusyMs[PING_CALLABLE[design]], design).toBeGreaterThan(0);
      expect(reports[design].ops.cosmosRequestUnits, design).toBeGreaterThan(0);
      expect(reports[design].ops.taskDispatches, design).toBeGreaterThan(0);
    }
  });
});
