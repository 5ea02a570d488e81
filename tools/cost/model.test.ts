import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { OpCounts } from "../simulate/core.ts";
import { costReport, opsPerPing, otherWorkloadPerPing, priceOps, type DesignName, type Measurement, type Prices } from "./model.ts";

const prices = JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")) as Prices;

const none: OpCounts = {
  firestoreWrites: 0,
  flushWrites: 0,
  firestoreReads: 0,
  upstashCommands: 0,
  upstashByCommand: {},
  triggerInvocations: 0,
  bigqueryRows: 0,
  mongoWrites: 0,
  cosmosWrites: 0,
  cosmosReads: 0,
  cosmosRequestUnits: 0,
  callables: {},
  callableBusyMs: {},
  tasksEnqueued: 0,
  taskDispatches: 0,
  scheduledRuns: 0,
};

/** 1,000 pings, 4 ms each in the handler; 20 documents flushed, each a trigger and three sink tasks (11 RU each in Cosmos). */
const learnpulse: Measurement = {
  design: "learnpulse",
  pings: 1_000,
  ops: {
    ...none,
    firestoreWrites: 20,
    flushWrites: 20,
    firestoreReads: 20,
    upstashCommands: 1_040,
    triggerInvocations: 20,
    tasksEnqueued: 60,
    taskDispatches: 60,
    bigqueryRows: 20,
    cosmosRequestUnits: 20 * 12,
    callables: { saveProgress: 1_000 },
    callableBusyMs: { saveProgress: 4_000 },
  },
};
/** The same pings each written to Firestore: a read and a write per ping, each write fanning out. */
const direct: Measurement = {
  design: "direct",
  pings: 1_000,
  ops: { ...none, firestoreWrites: 1_000, firestoreReads: 2_000, triggerInvocations: 1_000, tasksEnqueued: 3_000, taskDispatches: 3_000, bigqueryRows: 1_000, cosmosRequestUnits: 12_000, callables: { simDirectPing: 1_000 }, callableBusyMs: { simDirectPing: 10_000 } },
};
const baseline: Measurement = { ...learnpulse, design: "baseline", ops: { ...learnpulse.ops, upstashCommands: 3_040, callables: { simBaselinePing: 1_000 }, callableBusyMs: { simBaselinePing: 4_000 } } };
const all: Record<DesignName, Measurement> = { learnpulse, direct, baseline };
const scenario = { students: 10_000, intervalSec: 5, hours: 1 };

const perMillion = (usd: number) => Math.round(usd * 1e6 * 1e4) / 1e4;

describe("cost model", () => {
  it("when a ping costs one of each op, then 1M pings cost each list price a million times", () => {
    const f = prices.functions;
    const items = priceOps({ invocations: 1, instanceSeconds: 1, cloudTasksOperations: 1, upstashCommands: 1, firestoreWrites: 1, firestoreReads: 1, bigqueryRows: 1, cosmosRequestUnits: 1 }, prices);

    expect(items).toEqual({
      invocations: perMillion(f.usdPerInvocation.value),
      compute: perMillion(f.vcpu.value * f.usdPerVcpuSecond.value + f.memoryGib.value * f.usdPerGibSecond.value),
      cloudTasks: perMillion(prices.cloudTasks.usdPerOperation.value),
      upstash: perMillion(prices.upstash.usdPerCommand.value),
      firestore: perMillion(prices.firestore.usdPerWrite.value + prices.firestore.usdPerRead.value),
      // A row is billed at the 1 KB minimum: 1/1024 of a MiB.
      bigquery: perMillion(prices.bigquery.usdPerMib.value / 1024),
      cosmos: perMillion(prices.cosmos.usdPerRu.value),
    });
  });

  it("when a run is measured, then its ops per ping are its counts over its pings, and its instance time the handlers' time over the concurrency", () => {
    const ops = opsPerPing(learnpulse, prices);

    // 1,000 calls + 20 triggers + 60 task attempts; triggers and tasks at the calls' mean 4 ms.
    expect(ops.invocations).toBeCloseTo(1_080 / 1_000, 9);
    expect(ops.instanceSeconds).toBeCloseTo((4 + 80 * 0.004) / prices.functions.concurrency.value / 1_000, 12);
    expect(ops.cloudTasksOperations).toBeCloseTo(120 / 1_000, 9);
    expect(ops.upstashCommands).toBeCloseTo(1.04, 9);
    expect(ops.cosmosRequestUnits).toBeCloseTo(0.24, 9);
  });

  it("when the three designs are priced, then each total is the sum of its own line items and the ratios divide the totals", () => {
    const report = costReport(all, prices, scenario);
    const total = (name: DesignName) => Object.values(report.designs[name].lineItems).reduce((sum, v) => sum + v, 0);

    for (const name of ["learnpulse", "direct", "baseline"] as const) expect(report.designs[name].usdPerMillionPings).toBeCloseTo(total(name), 4);
    expect(report.ratios.learnpulseToDirect).toBeCloseTo(total("learnpulse") / total("direct"), 3);
    expect(report.ratios.learnpulseToBaseline).toBeCloseTo(total("learnpulse") / total("baseline"), 3);
    const withoutCompute = (name: DesignName) => total(name) - report.designs[name].lineItems.compute;
    expect(report.ratiosWithoutCompute.learnpulseToDirect).toBeCloseTo(withoutCompute("learnpulse") / withoutCompute("direct"), 3);
    // The baseline's 2,000 extra commands are all it adds.
    expect(report.designs.baseline.lineItems.upstash - report.designs.learnpulse.lineItems.upstash).toBeCloseTo(2 * perMillion(prices.upstash.usdPerCommand.value), 4);
    expect(report.designs.direct.opsPerPing.firestoreWrites).toBe(1);
  });

  it("when the scenario is 10,000 students for an hour, then the totals are 7.2M pings at each per-million price", () => {
    const report = costReport(all, prices, scenario);

    expect(report.scenario.pings).toBe(7_200_000);
    expect(report.scenario.usd.direct).toBeCloseTo(report.designs.direct.usdPerMillionPings * 7.2, 2);
    expect(report.designs.learnpulse.upstashCommandsPerSecond).toBeCloseTo((10_000 / 5) * 1.04, 1);
  });

  it("when activities were recorded beside the pings, then the other workload holds their calls and writes, not the pings' or the flush's", () => {
    const withActivities: Measurement = {
      ...learnpulse,
      ops: { ...learnpulse.ops, firestoreWrites: 320, triggerInvocations: 320, callables: { saveProgress: 1_000, recordActivity: 100, flushNow: 1 }, callableBusyMs: { saveProgress: 4_000, recordActivity: 600, flushNow: 900 } },
    };
    const other = otherWorkloadPerPing(withActivities, prices);

    expect(other.firestoreWrites).toBeCloseTo(300 / 1_000, 9);
    expect(other.upstashCommands).toBe(0);
    // 100 calls and the 300 triggers beyond the flush's 20 (with their share of the 60 task attempts), at the calls' mean 6 ms.
    const background = 300 + (60 * 300) / 320;
    expect(other.invocations).toBeCloseTo((100 + background) / 1_000, 9);
    expect(other.instanceSeconds).toBeCloseTo((0.6 + background * 0.006) / prices.functions.concurrency.value / 1_000, 12);
  });
});
