/**
 * The fuzzing property, run over HTTP against a running stack: every callable gets generated payloads (valid ones
 * mixed with mutations of them), and
 *  1. every answer is a result or a clean refusal — INVALID_ARGUMENT, RESOURCE_EXHAUSTED, PERMISSION_DENIED to a
 *     non-admin calling an admin callable, and NOT_FOUND or FAILED_PRECONDITION to a payload of valid shape (one of
 *     the callable's contract, or a mutation that the callable's own screen and schema still accept: shapes.ts) — a
 *     valid shape naming something absent or not allowed yet; any other payload must be refused for its shape first —
 *     never INTERNAL, another status, or an answer outside the callable protocol;
 *  2. a refused payload (INVALID_ARGUMENT, PERMISSION_DENIED) writes nothing. Writes are counted at the stand-ins,
 *     which count everyone's, so valid payloads (which write) and refused ones must not run at the same time: each
 *     round first sends its mix, then sends the payloads it refused again, alone, with Firestore writes and Upstash
 *     commands counted around them; a round whose replay wrote anything is replayed one call at a time to name the
 *     payloads that wrote.
 *  3. writes nobody can be charged with fail the run too: a replay that wrote with no refused payload writing alone
 *     (`unattributedWrites`). The probe counts only the product's own writes (not the sinks' status counters, which
 *     are flushed on a timer) and waits for triggers and tasks before counting.
 * Payloads come from fast-check with a seed, so a run can be replayed (FUZZ_SEED).
 */
import fc from "fast-check";
import { sendCall, type Answer, type Caller } from "./answers.ts";
import { CONTRACTS, genericPayload } from "./contracts.ts";
import { mutationsOf } from "./mutations.ts";
import { callableBody, type WireValue } from "./wire.ts";

export interface FuzzTarget {
  name: string;
  url: string;
  /** Refuses signed-in non-admins (found by calling it, not from a list). */
  admin: boolean;
}

/** Counters at the stand-ins; firestore is null when they cannot count (an external emulator). */
export interface StackProbe {
  counts(): Promise<{ firestoreWrites: number | null; redisCommands: number }>;
  /** Resolves once the triggers fired and the tasks enqueued so far have finished. */
  idle(): Promise<void>;
}

export interface FuzzOptions {
  targets: FuzzTarget[];
  runsPerCallable: number;
  seed: number;
  probe: StackProbe;
  /** Payloads per callable in one round. @default 50 */
  batch?: number;
  /** Calls in flight. @default 16 */
  concurrency?: number;
  /** Callers rotate over this many uids, so that per-user rate limits leave most payloads to validation. @default 1000 */
  uids?: number;
  onRound?: (progress: FuzzProgress) => void;
}

export interface FuzzProgress {
  round: number;
  rounds: number;
  sentPerCallable: number;
  elapsedMs: number;
  internal: number;
  unclean: number;
  invalidWrites: number;
}

export interface CallableTally {
  name: string;
  admin: boolean;
  /** Payloads built from the callable's contract (else generic JSON only). */
  contract: boolean;
  /** Mutated payloads judged by the callable's request schema (shapes.ts); without one, every mutation is invalid. */
  schema: boolean;
  payloads: number;
  verdicts: Record<string, number>;
  internal: number;
  /** Answers that are neither a result nor a clean refusal, INTERNAL excepted. */
  unclean: number;
  /** Refused payloads sent again with writes counted. */
  replayed: number;
}

export interface Finding {
  callable: string;
  kind: "INTERNAL" | "UNCLEAN" | "WRITES_FROM_INVALID";
  verdict: string;
  message: string;
  caller: Caller;
  body: string;
  bodyBytes: number;
}

export interface FuzzReport {
  seed: number;
  runsPerCallable: number;
  durationMs: number;
  callables: CallableTally[];
  internal: number;
  unclean: number;
  /** Firestore writes and Upstash commands made by refused payloads. */
  invalidWrites: { firestore: number; redis: number };
  /** Writes seen during a replay that no replayed payload made when sent alone (background work). */
  unattributedWrites: number;
  firestoreCounted: boolean;
  /** The first findings, for a person to read. */
  findings: Finding[];
}

const CLEAN = new Set(["OK", "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"]);
/** Clean only for a payload of the callable's contract: a valid shape may name what does not exist or is not open yet. */
const CLEAN_FOR_VALID_SHAPES = new Set(["NOT_FOUND", "FAILED_PRECONDITION"]);
const REFUSED = new Set(["INVALID_ARGUMENT", "PERMISSION_DENIED"]);
const MAX_FINDINGS = 50;
/** One in this many calls to an admin callable comes from a non-admin (PERMISSION_DENIED is then the clean answer). */
const NON_ADMIN_EVERY = 4;

export function isClean(verdict: string, target: FuzzTarget, caller: Caller, validShape: boolean): boolean {
  return CLEAN.has(verdict) || (validShape && CLEAN_FOR_VALID_SHAPES.has(verdict)) || (verdict === "PERMISSION_DENIED" && target.admin && !caller.admin);
}

/** A payload and whether the callable's contract generated it (a mutation of one is judged by shapes.ts). */
export interface Generated {
  payload: WireValue;
  validShape: boolean;
}

/** The callables of a functions URL, each probed once: a signed-in non-admin sending `{}` is refused as such by admin ones. */
export async function discoverTargets(baseUrl: string, names: string[], probeUid: string): Promise<FuzzTarget[]> {
  return Promise.all(
    names.map(async (name) => {
      const url = `${baseUrl}/${name}`;
      const answer = await sendCall(url, callableBody({}), { uid: probeUid, admin: false });
      return { name, url, admin: answer.verdict === "PERMISSION_DENIED" };
    }),
  );
}

/**
 * Valid payloads from the callable's contract, three in ten; mutations of them otherwise. A callable without a
 * contract gets small JSON objects, none of them known to be valid-shaped.
 */
export function payloadsFor(name: string): fc.Arbitrary<Generated> {
  const contract = CONTRACTS[name];
  const valid: fc.Arbitrary<WireValue> = contract ?? genericPayload;
  return fc.oneof(
    { weight: 3, arbitrary: valid.map((payload) => ({ payload, validShape: contract !== undefined })) },
    { weight: 7, arbitrary: mutationsOf(valid).map((payload) => ({ payload, validShape: false })) },
  );
}

interface Call {
  target: FuzzTarget;
  tally: CallableTally;
  caller: Caller;
  body: string;
  validShape: boolean;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const { targets, runsPerCallable, seed, probe } = options;
  const batch = options.batch ?? 50;
  const concurrency = options.concurrency ?? 16;
  const uids = options.uids ?? 1_000;
  const runId = `fz${seed.toString(36)}${started.toString(36).slice(-4)}`;
  // Loaded here, not at the top: it loads firebase-functions, whose logger keeps the console it finds, and the callers
  // quieten or divert the console first.
  const { REQUEST_SCHEMAS, isValidShape } = await import("./shapes.ts");
  const report: FuzzReport = {
    seed,
    runsPerCallable,
    durationMs: 0,
    callables: targets.map((target) => ({ name: target.name, admin: target.admin, contract: target.name in CONTRACTS, schema: target.name in REQUEST_SCHEMAS, payloads: 0, verdicts: {}, internal: 0, unclean: 0, replayed: 0 })),
    internal: 0,
    unclean: 0,
    invalidWrites: { firestore: 0, redis: 0 },
    unattributedWrites: 0,
    firestoreCounted: (await probe.counts()).firestoreWrites !== null,
    findings: [],
  };
  const arbitraries = targets.map((target) => payloadsFor(target.name));
  let callerCount = 0;
  const nextCaller = (target: FuzzTarget, index: number, pool: string): Caller => ({
    uid: `${runId}-${pool}${callerCount++ % uids}`,
    admin: target.admin && index % NON_ADMIN_EVERY !== NON_ADMIN_EVERY - 1,
  });
  const note = (call: Call, kind: Finding["kind"], answer: Answer) => {
    if (report.findings.length >= MAX_FINDINGS) return;
    report.findings.push({
      callable: call.target.name,
      kind,
      verdict: answer.verdict,
      message: answer.message ?? "",
      caller: call.caller,
      body: call.body.length > 300 ? `${call.body.slice(0, 300)}…` : call.body,
      bodyBytes: Buffer.byteLength(call.body),
    });
  };

  const rounds = Math.ceil(runsPerCallable / batch);
  for (let round = 0; round < rounds; round++) {
    const size = Math.min(batch, runsPerCallable - round * batch);
    const perTarget = targets.map((target, t) =>
      fc.sample(arbitraries[t] as fc.Arbitrary<Generated>, { seed: (seed + round * 1_000_003 + t * 7_919) | 0, numRuns: size }).map(
        ({ payload, validShape }, i): Call => {
          const body = callableBody(payload);
          return { target, tally: report.callables[t] as CallableTally, caller: nextCaller(target, i, "u"), body, validShape: validShape || isValidShape(target.name, body) };
        },
      ),
    );
    // Round-robin across callables, so that their calls interleave as real traffic does.
    const calls = Array.from({ length: size }, (_, i) => perTarget.map((list) => list[i] as Call)).flat();
    const answers = await mapInParallel(calls, concurrency, (call) => sendCall(call.target.url, call.body, call.caller));

    const refused: Call[] = [];
    calls.forEach((call, i) => {
      const answer = answers[i] as Answer;
      call.tally.payloads++;
      call.tally.verdicts[answer.verdict] = (call.tally.verdicts[answer.verdict] ?? 0) + 1;
      if (answer.verdict === "INTERNAL") {
        call.tally.internal++;
        report.internal++;
        note(call, "INTERNAL", answer);
      } else if (!isClean(answer.verdict, call.target, call.caller, call.validShape)) {
        call.tally.unclean++;
        report.unclean++;
        note(call, "UNCLEAN", answer);
      } else if (REFUSED.has(answer.verdict)) {
        refused.push({ ...call, caller: { ...call.caller, uid: `${runId}-r${callerCount++ % uids}` } });
      }
    });
    await replayRefused(refused);
    options.onRound?.({
      round: round + 1,
      rounds,
      sentPerCallable: Math.min(runsPerCallable, (round + 1) * batch),
      elapsedMs: Date.now() - started,
      internal: report.internal,
      unclean: report.unclean,
      invalidWrites: report.invalidWrites.firestore + report.invalidWrites.redis,
    });
  }
  report.durationMs = Date.now() - started;
  return report;

  /** Sends refused payloads again, alone, and counts what they wrote; if anything, one by one to name them. */
  async function replayRefused(refused: Call[]): Promise<void> {
    if (!refused.length) return;
    const together = await counted(() => mapInParallel(refused, concurrency, (call) => sendCall(call.target.url, call.body, call.caller)));
    refused.forEach((call) => call.tally.replayed++);
    if (together.firestore === 0 && together.redis === 0) return;
    let attributed = 0;
    for (const call of refused) {
      const alone = await counted(() => sendCall(call.target.url, call.body, call.caller));
      if (!REFUSED.has(alone.result.verdict) && alone.result.verdict !== "RESOURCE_EXHAUSTED") continue; // no longer refused: its writes are legitimate
      if (alone.firestore === 0 && alone.redis === 0) continue;
      attributed += alone.firestore + alone.redis;
      report.invalidWrites.firestore += alone.firestore;
      report.invalidWrites.redis += alone.redis;
      note(call, "WRITES_FROM_INVALID", { ...alone.result, message: `${alone.firestore} Firestore writes, ${alone.redis} Upstash commands` });
    }
    if (!attributed) report.unattributedWrites += together.firestore + together.redis;
  }

  async function counted<T>(action: () => Promise<T>): Promise<{ result: T; firestore: number; redis: number }> {
    await probe.idle();
    const before = await probe.counts();
    const result = await action();
    await probe.idle();
    const after = await probe.counts();
    return { result, firestore: (after.firestoreWrites ?? 0) - (before.firestoreWrites ?? 0), redis: after.redisCommands - before.redisCommands };
  }
}

/** Runs `task` over `items` with at most `limit` in flight; results in the items' order. */
async function mapInParallel<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T);
      }
    }),
  );
  return results;
}
