import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { costReport, designOps, priceOps, type Measurement, type Prices } from "./model.ts";

const prices = JSON.parse(readFileSync(new URL("./prices.json", import.meta.url), "utf8")) as Prices;

/** 1,000 pings from 20 keys in one 5-minute window: one mark (SADD+EXPIRE) and one flushed write per key. */
const measured: Measurement = {
  pings: 1_000,
  intervalSec: 5,
  windowSec: 300,
  flushes: 1,
  ops: {
    firestoreWrites: 20,
    firestoreReads: 20,
    flushWrites: 20,
    upstashCommands: 1_061,
    upstashByCommand: { HSET: 1_000, SADD: 20, EXPIRE: 20, HGETALL: 20, SCAN: 1 },
    triggerInvocations: 20,
    bigqueryRows: 20,
    mongoWrites: 20,
    cosmosWrites: 20,
    cosmosReads: 20,
    callables: { saveProgress: 1_000 },
  },
};
const scenario = { students: 10_000, intervalSec: 5, flushSec: 300, hours: 1 };

describe("cost model", () => {
  it("when a ping costs one Firestore write with its fan-out, then 1M pings cost the list prices of 1M of each", () => {
    const items = priceOps({ requests: 1, triggers: 1, upstashCommands: 0, firestoreWrites: 1, firestoreReads: 1, bigqueryRows: 1, cosmosReads: 1, cosmosWrites: 1 }, prices);
    expect(items).toEqual({ invocations: 0.4, compute: 0.0308, upstash: 0, firestore: 1.2, triggers: 0.4, bigquery: 0.0488, cosmos: 3 });
  });

  it("when the measurement is one window, then LearnPulse pays its commands and the flush's fan-out per ping", () => {
    const report = costReport(measured, prices, scenario);
    expect(report.learnpulse.opsPerPing).toEqual({ requests: 1.001, upstashCommands: 1.061, firestoreWrites: 0.02, firestoreReads: 0.02, triggers: 0.02, bigqueryRows: 0.02, cosmosReads: 0.02, cosmosWrites: 0.02 });
    expect(report.learnpulse.lineItems).toEqual({ invocations: 0.4004, compute: 0.0157, upstash: 2.122, firestore: 0.024, triggers: 0.008, bigquery: 0.001, cosmos: 0.06 });
    expect(report.learnpulse.usdPerMillionPings).toBe(2.6311);
    expect(report.directFirestore.usdPerMillionPings).toBe(5.0796);
    expect(report.baselineWriteBehind.lineItems.upstash).toBe(6.042);
    expect(report.ratios.learnpulseToDirect).toBe(0.518);
  });

  it("when the scenario's flush window is twice the measured one, then the once-per-window ops halve", () => {
    const ops = designOps(measured, { ...scenario, flushSec: 600 });
    expect(ops.windowScale).toBe(0.5);
    expect(ops.learnpulse.firestoreWrites).toBeCloseTo(0.01);
    expect(ops.learnpulse.upstashCommands).toBeCloseTo(1 + 0.02 + 0.0105);
    expect(ops.directFirestore.firestoreWrites).toBe(1);
  });

  it("when the scenario is 10,000 students for an hour, then the totals are 7.2M pings at the per-million price", () => {
    const report = costReport(measured, prices, scenario);
    expect(report.scenario.pings).toBe(7_200_000);
    expect(report.scenario.usd.directFirestore).toBeCloseTo(5.0796 * 7.2, 2);
    expect(report.learnpulse.upstashCommandsPerSecond).toBe(2122);
  });

  it("when activities were recorded beside the pings, then they are priced apart, the same for every design", () => {
    const withActivities = { ...measured, ops: { ...measured.ops, firestoreWrites: 320, triggerInvocations: 320, bigqueryRows: 320, cosmosWrites: 320, cosmosReads: 320, callables: { saveProgress: 1_000, recordActivity: 100 } } };
    const report = costReport(withActivities, prices, scenario);
    expect(report.learnpulse.usdPerMillionPings).toBe(costReport(measured, prices, scenario).learnpulse.usdPerMillionPings);
    expect(report.otherWorkload.opsPerPing.firestoreWrites).toBe(0.3);
    expect(report.otherWorkload.opsPerPing.requests).toBe(0.1);
  });
});
