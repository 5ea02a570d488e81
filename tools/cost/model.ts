/**
 * The cost arithmetic of `npm run cost` (pure): dollars per 1M pings of each design, each priced from the op counts its
 * own simulation measured (`npm run simulate -- --design learnpulse|direct|baseline`, tools/simulate/designs.ts)
 * with the list prices of prices.json. Nothing about a design is assumed: the three runs play the same players (one
 * seed), so what differs between them is what the designs do with the pings.
 *
 * Every op of a run is priced, the players' other calls (activities, completions, quiz answers) included, and the
 * total is divided by the run's acknowledged pings. The other calls cost the same in every design; `otherWorkload`
 * gives their share, priced from the learnpulse run (the calls and the documents they wrote).
 */
import type { OpCounts } from "../simulate/core.ts";

interface Priced {
  value: number;
}

export interface Prices {
  firestore: { usdPerWrite: Priced; usdPerRead: Priced };
  upstash: { usdPerCommand: Priced; commandsPerSecondCap: Priced; fixedPlans: { name: string; usdPerMonth: number }[] };
  functions: { usdPerInvocation: Priced; usdPerVcpuSecond: Priced; usdPerGibSecond: Priced; vcpu: Priced; memoryGib: Priced; concurrency: Priced };
  cloudTasks: { usdPerOperation: Priced };
  bigquery: { usdPerMib: Priced; minimumBytesPerRow: Priced };
  cosmos: { usdPerRu: Priced };
}

export const DESIGN_NAMES = ["learnpulse", "direct", "baseline"] as const;
export type DesignName = (typeof DESIGN_NAMES)[number];

/** What one simulation measured (its `pings.acknowledged` and `ops`). */
export interface Measurement {
  design: DesignName;
  pings: number;
  ops: OpCounts;
}

export interface Scenario {
  students: number;
  intervalSec: number;
  hours: number;
}

/** Ops per ping of one design: what gets priced, each counted at a stand-in or at the callable host. */
export interface OpsPerPing {
  /** Function invocations: callables, trigger deliveries, task attempts, scheduled runs. */
  invocations: number;
  /** Instance seconds: the callables' handler time at the host (triggers and tasks at the callables' mean), ÷ concurrency. */
  instanceSeconds: number;
  cloudTasksOperations: number;
  upstashCommands: number;
  firestoreWrites: number;
  firestoreReads: number;
  bigqueryRows: number;
  cosmosRequestUnits: number;
}

export interface LineItems {
  invocations: number;
  compute: number;
  cloudTasks: number;
  upstash: number;
  firestore: number;
  bigquery: number;
  cosmos: number;
}

export interface DesignCost {
  usdPerMillionPings: number;
  lineItems: LineItems;
  opsPerPing: OpsPerPing;
  /** Upstash commands/s at the scenario's ping rate, against the plan's cap. */
  upstashCommandsPerSecond: number;
}

export interface CostReport {
  designs: Record<DesignName, DesignCost>;
  otherWorkload: DesignCost;
  ratios: { learnpulseToDirect: number; learnpulseToBaseline: number };
  /**
   * The same without the compute line: handler time is wall time on the measuring machine, where the stand-ins share
   * the host's CPU, so a design that loads them (every ping a Firestore transaction) waits longer there than it would
   * on Google's services.
   */
  ratiosWithoutCompute: { learnpulseToDirect: number; learnpulseToBaseline: number };
  scenario: Scenario & { pings: number; usd: Record<DesignName, number>; upstashFixedPlans: { name: string; usd: number; learnpulseFits: boolean }[] };
}

const MIB = 1024 * 1024;
const HOURS_PER_MONTH = 730;
/** The ping callables of the three designs: every other callable is the players' other workload or an operator's. */
const PING_CALLABLES = new Set(["saveProgress", "simDirectPing", "simBaselinePing"]);

/** A run's ops divided by its acknowledged pings. */
export function opsPerPing(m: Measurement, prices: Prices): OpsPerPing {
  const pings = Math.max(1, m.pings);
  const o = m.ops;
  const calls = sum(Object.values(o.callables));
  const busySeconds = sum(Object.values(o.callableBusyMs)) / 1000;
  const meanCallSeconds = calls ? busySeconds / calls : 0;
  const background = o.triggerInvocations + o.taskDispatches + o.scheduledRuns;
  return {
    invocations: (calls + background) / pings,
    instanceSeconds: (busySeconds + background * meanCallSeconds) / prices.functions.concurrency.value / pings,
    cloudTasksOperations: (o.tasksEnqueued + o.taskDispatches) / pings,
    upstashCommands: o.upstashCommands / pings,
    firestoreWrites: o.firestoreWrites / pings,
    firestoreReads: o.firestoreReads / pings,
    bigqueryRows: o.bigqueryRows / pings,
    cosmosRequestUnits: o.cosmosRequestUnits / pings,
  };
}

/**
 * The other workload's ops per ping, from the learnpulse run: the calls that are not pings or an operator's (by
 * name) with their measured handler time, the Firestore writes beside the flush's, and the triggers those fired
 * (every trigger beyond the one per flushed document) with each trigger's measured fan-out (its tasks and the sinks' work).
 */
export function otherWorkloadPerPing(m: Measurement, prices: Prices): OpsPerPing {
  const pings = Math.max(1, m.pings);
  const o = m.ops;
  const otherCalls = Object.entries(o.callables).filter(([name]) => !PING_CALLABLES.has(name) && !OPERATOR_CALLABLES.has(name));
  const calls = sum(otherCalls.map(([, n]) => n));
  const busySeconds = sum(otherCalls.map(([name]) => o.callableBusyMs[name] ?? 0)) / 1000;
  const writes = Math.max(0, o.firestoreWrites - o.flushWrites);
  const otherTriggers = Math.max(0, o.triggerInvocations - o.flushWrites);
  const perTrigger = (total: number) => (o.triggerInvocations ? (total * otherTriggers) / o.triggerInvocations : 0);
  const meanCallSeconds = calls ? busySeconds / calls : 0;
  const background = otherTriggers + perTrigger(o.taskDispatches);
  return {
    invocations: (calls + background) / pings,
    instanceSeconds: (busySeconds + background * meanCallSeconds) / prices.functions.concurrency.value / pings,
    cloudTasksOperations: perTrigger(o.tasksEnqueued + o.taskDispatches) / pings,
    upstashCommands: 0,
    firestoreWrites: writes / pings,
    firestoreReads: (o.firestoreWrites ? (o.firestoreReads * writes) / o.firestoreWrites : 0) / pings,
    bigqueryRows: perTrigger(o.bigqueryRows) / pings,
    cosmosRequestUnits: perTrigger(o.cosmosRequestUnits) / pings,
  };
}

/** Operators' calls the simulator makes (the final flush, replay, status): not the players' workload. */
const OPERATOR_CALLABLES = new Set(["flushNow", "replayDeadLetters", "getSyncStatus", "simBaselineFlush"]);

/** Prices ops per ping; dollars per 1M pings by line item. */
export function priceOps(ops: OpsPerPing, prices: Prices): LineItems {
  const f = prices.functions;
  const perPing: LineItems = {
    invocations: ops.invocations * f.usdPerInvocation.value,
    compute: ops.instanceSeconds * (f.vcpu.value * f.usdPerVcpuSecond.value + f.memoryGib.value * f.usdPerGibSecond.value),
    cloudTasks: ops.cloudTasksOperations * prices.cloudTasks.usdPerOperation.value,
    upstash: ops.upstashCommands * prices.upstash.usdPerCommand.value,
    firestore: ops.firestoreWrites * prices.firestore.usdPerWrite.value + ops.firestoreReads * prices.firestore.usdPerRead.value,
    bigquery: ((ops.bigqueryRows * prices.bigquery.minimumBytesPerRow.value) / MIB) * prices.bigquery.usdPerMib.value,
    cosmos: ops.cosmosRequestUnits * prices.cosmos.usdPerRu.value,
  };
  return Object.fromEntries(Object.entries(perPing).map(([k, v]) => [k, round(v * 1e6, 4)])) as unknown as LineItems;
}

export function costReport(measurements: Record<DesignName, Measurement>, prices: Prices, scenario: Scenario): CostReport {
  const pingsPerSecond = scenario.students / scenario.intervalSec;
  const design = (ops: OpsPerPing): DesignCost => {
    const lineItems = priceOps(ops, prices);
    return { usdPerMillionPings: round(sum(Object.values(lineItems)), 4), lineItems, opsPerPing: roundAll(ops), upstashCommandsPerSecond: round(pingsPerSecond * ops.upstashCommands, 1) };
  };
  const designs = Object.fromEntries(DESIGN_NAMES.map((name) => [name, design(opsPerPing(measurements[name], prices))])) as Record<DesignName, DesignCost>;
  const pings = scenario.students * scenario.hours * (3600 / scenario.intervalSec);
  const usd = (d: DesignCost) => round((d.usdPerMillionPings * pings) / 1e6, 2);
  const learnpulse = designs.learnpulse;
  const withoutUpstash = learnpulse.usdPerMillionPings - learnpulse.lineItems.upstash;
  return {
    designs,
    otherWorkload: design(otherWorkloadPerPing(measurements.learnpulse, prices)),
    ratios: {
      learnpulseToDirect: round(learnpulse.usdPerMillionPings / designs.direct.usdPerMillionPings, 3),
      learnpulseToBaseline: round(learnpulse.usdPerMillionPings / designs.baseline.usdPerMillionPings, 3),
    },
    ratiosWithoutCompute: {
      learnpulseToDirect: round(withoutCompute(learnpulse) / withoutCompute(designs.direct), 3),
      learnpulseToBaseline: round(withoutCompute(learnpulse) / withoutCompute(designs.baseline), 3),
    },
    scenario: {
      ...scenario,
      pings,
      usd: Object.fromEntries(DESIGN_NAMES.map((name) => [name, usd(designs[name])])) as Record<DesignName, number>,
      // A fixed plan has no per-command fee: the month's price prorated to the scenario's hours, if the rate fits the cap.
      upstashFixedPlans: prices.upstash.fixedPlans.map((plan) => ({
        name: plan.name,
        usd: round((withoutUpstash * pings) / 1e6 + (plan.usdPerMonth * scenario.hours) / HOURS_PER_MONTH, 2),
        learnpulseFits: learnpulse.upstashCommandsPerSecond <= prices.upstash.commandsPerSecondCap.value,
      })),
    },
  };
}

const withoutCompute = (d: DesignCost) => d.usdPerMillionPings - d.lineItems.compute;

function roundAll(ops: OpsPerPing): OpsPerPing {
  return Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v, 6)])) as unknown as OpsPerPing;
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
