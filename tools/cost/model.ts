/**
 * The cost arithmetic of `npm run cost` (pure): dollars per 1M pings for three designs, from the op counts the
 * simulator measured (tools/simulate/core.ts) and the price table (prices.json).
 *
 * The ping traffic is what the designs differ in: the pings themselves and everything they cause (the flush, the
 * flushed documents' trigger fan-out into BigQuery, MongoDB and Cosmos). The rest of what the simulated students
 * did (activities, completions) costs the same in all three and is reported apart, as `otherWorkload`.
 */
import type { OpCounts } from "../simulate/core.ts";

interface Priced {
  value: number;
}

export interface Prices {
  firestore: { usdPerWrite: Priced; usdPerRead: Priced };
  upstash: { usdPerCommand: Priced; commandsPerSecondCap: Priced; fixedPlans: { name: string; usdPerMonth: number }[] };
  functions: { usdPerInvocation: Priced; usdPerVcpuSecond: Priced; usdPerGibSecond: Priced; vcpu: Priced; memoryGib: Priced; concurrency: Priced; handlerSecondsAssumed: Priced };
  bigquery: { usdPerMib: Priced; minimumBytesPerRow: Priced };
  cosmos: { usdPerRu: Priced; ruPerPointRead: Priced; ruPerWrite: Priced };
}

/** What a simulation measured (its `ops`, `flushes`, `pings.acknowledged`, `options`). */
export interface Measurement {
  pings: number;
  intervalSec: number;
  /** The simulated flush window; null when the simulator ran against a stack with its own schedule. */
  windowSec: number | null;
  flushes: number;
  /** The simulator's counts at the stand-ins (tools/simulate/core.ts). */
  ops: OpCounts;
}

export interface Scenario {
  students: number;
  intervalSec: number;
  flushSec: number;
  hours: number;
}

/** Ops per ping of one design: what gets priced. */
export interface OpsPerPing {
  requests: number;
  triggers: number;
  upstashCommands: number;
  firestoreWrites: number;
  firestoreReads: number;
  bigqueryRows: number;
  cosmosReads: number;
  cosmosWrites: number;
}

export interface LineItems {
  invocations: number;
  compute: number;
  upstash: number;
  firestore: number;
  triggers: number;
  bigquery: number;
  cosmos: number;
}

export interface DesignCost {
  usdPerMillionPings: number;
  lineItems: LineItems;
  opsPerPing: OpsPerPing;
  /** Upstash billed per ping: the design's commands/s at the scenario's rate, against the plan cap. */
  upstashCommandsPerSecond: number;
}

export interface CostReport {
  learnpulse: DesignCost;
  directFirestore: DesignCost;
  baselineWriteBehind: DesignCost;
  otherWorkload: DesignCost;
  ratios: { learnpulseToDirect: number; learnpulseToBaseline: number };
  scenario: Scenario & { pings: number; usd: Record<"learnpulse" | "directFirestore" | "baselineWriteBehind", number>; upstashFixedPlans: { name: string; usd: number; learnpulseFits: boolean }[] };
  /** How the window-dependent ops (marks, flush, fan-out) were scaled from the measured interval/window to the scenario's. */
  windowScale: number;
}

/** The baseline's ping: HSET + SADD + EXPIRE, every time (PRICES.md). */
export const BASELINE_COMMANDS_PER_PING = 3;
/** The ping path's own commands; every other command counted is the flush's (or getSyncStatus', negligible). */
const PING_COMMANDS = ["HSET", "SADD", "EXPIRE"];
const MIB = 1024 * 1024;
const HOURS_PER_MONTH = 730;

/** Prices ops per ping; dollars per 1M pings by line item. */
export function priceOps(ops: OpsPerPing, prices: Prices): LineItems {
  const f = prices.functions;
  const instanceSeconds = f.handlerSecondsAssumed.value / f.concurrency.value;
  const computePerInvocation = instanceSeconds * (f.vcpu.value * f.usdPerVcpuSecond.value + f.memoryGib.value * f.usdPerGibSecond.value);
  const bytesPerRow = prices.bigquery.minimumBytesPerRow.value;
  const perPing: LineItems = {
    invocations: ops.requests * f.usdPerInvocation.value,
    compute: (ops.requests + ops.triggers) * computePerInvocation,
    upstash: ops.upstashCommands * prices.upstash.usdPerCommand.value,
    firestore: ops.firestoreWrites * prices.firestore.usdPerWrite.value + ops.firestoreReads * prices.firestore.usdPerRead.value,
    triggers: ops.triggers * f.usdPerInvocation.value,
    bigquery: ((ops.bigqueryRows * bytesPerRow) / MIB) * prices.bigquery.usdPerMib.value,
    cosmos: (ops.cosmosReads * prices.cosmos.ruPerPointRead.value + ops.cosmosWrites * prices.cosmos.ruPerWrite.value) * prices.cosmos.usdPerRu.value,
  };
  return Object.fromEntries(Object.entries(perPing).map(([k, v]) => [k, round(v * 1e6, 4)])) as unknown as LineItems;
}

const total = (items: LineItems) => round(Object.values(items).reduce((sum, v) => sum + v, 0), 4);

/** The three designs' ops per ping from one measurement, window-dependent parts scaled to the scenario. */
export function designOps(m: Measurement, scenario: Scenario): { learnpulse: OpsPerPing; directFirestore: OpsPerPing; baselineWriteBehind: OpsPerPing; otherWorkload: OpsPerPing; windowScale: number } {
  const pings = Math.max(1, m.pings);
  // Window-dependent ops happen once per key per window: per ping they scale with interval ÷ window.
  const windowScale = (scenario.intervalSec / scenario.flushSec) / (m.intervalSec / (m.windowSec ?? scenario.flushSec));
  const by = (name: string) => m.ops.upstashByCommand[name] ?? 0;
  const hsetPerPing = by("HSET") / pings;
  const marksPerPing = (by("SADD") + by("EXPIRE")) / pings;
  const flushCommands = m.ops.upstashCommands - PING_COMMANDS.reduce((sum, name) => sum + by(name), 0);
  const flushCommandsPerPing = (flushCommands / pings) * windowScale;
  // Each flushed document fires one mirror trigger; per trigger, the sinks did what was measured.
  const triggers = Math.max(1, m.ops.triggerInvocations);
  const perTrigger = { bq: m.ops.bigqueryRows / triggers, cosmosReads: m.ops.cosmosReads / triggers, cosmosWrites: m.ops.cosmosWrites / triggers };
  const fanOut = (documentWrites: number) => ({
    triggers: documentWrites,
    bigqueryRows: documentWrites * perTrigger.bq,
    cosmosReads: documentWrites * perTrigger.cosmosReads,
    cosmosWrites: documentWrites * perTrigger.cosmosWrites,
  });
  const flushWritesPerPing = (m.ops.flushWrites / pings) * windowScale;
  const flushRunsPerPing = (m.flushes / pings) * windowScale;
  // The flush reads each key's document once (one getAll per page) before writing it.
  const flushed = { firestoreWrites: flushWritesPerPing, firestoreReads: flushWritesPerPing, ...fanOut(flushWritesPerPing) };
  const learnpulse: OpsPerPing = { requests: 1 + flushRunsPerPing, upstashCommands: hsetPerPing + marksPerPing * windowScale + flushCommandsPerPing, ...flushed };
  const baselineWriteBehind: OpsPerPing = { ...learnpulse, upstashCommands: BASELINE_COMMANDS_PER_PING + flushCommandsPerPing };
  // Every ping merged straight into Firestore, as the product's degraded path does: a transaction, 1 read + 1 write.
  const directFirestore: OpsPerPing = { requests: 1, upstashCommands: 0, firestoreWrites: 1, firestoreReads: 1, ...fanOut(1) };
  const callables = Object.values(m.ops.callables).reduce((sum, n) => sum + n, 0);
  const otherTriggers = Math.max(0, m.ops.triggerInvocations - m.ops.flushWrites);
  const otherWorkload: OpsPerPing = {
    requests: Math.max(0, callables - m.pings - (m.ops.callables["flushNow"] ?? 0)) / pings,
    upstashCommands: 0,
    firestoreWrites: Math.max(0, m.ops.firestoreWrites - m.ops.flushWrites) / pings,
    firestoreReads: Math.max(0, m.ops.firestoreReads - m.ops.flushWrites) / pings,
    ...fanOut(otherTriggers / pings),
  };
  return { learnpulse, directFirestore, baselineWriteBehind, otherWorkload, windowScale };
}

export function costReport(m: Measurement, prices: Prices, scenario: Scenario): CostReport {
  const ops = designOps(m, scenario);
  const pingsPerSecond = scenario.students / scenario.intervalSec;
  const design = (o: OpsPerPing): DesignCost => {
    const lineItems = priceOps(o, prices);
    return { usdPerMillionPings: total(lineItems), lineItems, opsPerPing: roundAll(o), upstashCommandsPerSecond: round(pingsPerSecond * o.upstashCommands, 1) };
  };
  const learnpulse = design(ops.learnpulse);
  const directFirestore = design(ops.directFirestore);
  const baselineWriteBehind = design(ops.baselineWriteBehind);
  const pings = scenario.students * scenario.hours * (3600 / scenario.intervalSec);
  const usd = (d: DesignCost) => round((d.usdPerMillionPings * pings) / 1e6, 2);
  const withoutUpstash = learnpulse.usdPerMillionPings - learnpulse.lineItems.upstash;
  return {
    learnpulse,
    directFirestore,
    baselineWriteBehind,
    otherWorkload: design(ops.otherWorkload),
    ratios: {
      learnpulseToDirect: round(learnpulse.usdPerMillionPings / directFirestore.usdPerMillionPings, 3),
      learnpulseToBaseline: round(learnpulse.usdPerMillionPings / baselineWriteBehind.usdPerMillionPings, 3),
    },
    scenario: {
      ...scenario,
      pings,
      usd: { learnpulse: usd(learnpulse), directFirestore: usd(directFirestore), baselineWriteBehind: usd(baselineWriteBehind) },
      // A fixed plan has no per-command fee: the month's price prorated to the scenario's hours, if the rate fits the cap.
      upstashFixedPlans: prices.upstash.fixedPlans.map((plan) => ({
        name: plan.name,
        usd: round((withoutUpstash * pings) / 1e6 + (plan.usdPerMonth * scenario.hours) / HOURS_PER_MONTH, 2),
        learnpulseFits: learnpulse.upstashCommandsPerSecond <= prices.upstash.commandsPerSecondCap.value,
      })),
    },
    windowScale: round(ops.windowScale, 4),
  };
}

function roundAll(ops: OpsPerPing): OpsPerPing {
  return Object.fromEntries(Object.entries(ops).map(([k, v]) => [k, round(v, 5)])) as unknown as OpsPerPing;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;
