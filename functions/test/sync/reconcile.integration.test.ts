/**
 * Reconciliation against each sink's stand-in: divergences planted through the sink's official client are found
 * exactly, `repair: true` fixes them, and the next run is clean. Each test owns a key range (a unique id prefix for
 * a top-level collection, a unique uid for a subcollection), so other tests' documents do not count.
 */
import { afterAll, describe, expect, it, vi } from "vitest";
import { bigquery } from "../../src/adapters/bigquery.js";
import { cosmosContainer } from "../../src/adapters/cosmos.js";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { mongo } from "../../src/adapters/mongo.js";
import { MONGODB_DATABASE } from "../../src/config.js";
import { buildEnvelope } from "../../src/sync/envelope.js";
import { MIRRORED_DOCUMENTS } from "../../src/sync/functions.js";
import { SINK_NAMES } from "../../src/sync/sinks/sink.js";
import { COSMOS_PARTITION_KEY, cosmosContainerOf, cosmosItem } from "../../src/sync/mappers/cosmos.js";
import { bigqueryReader } from "../../src/sync/reconcile/readers/bigquery.js";
import * as functions from "../../src/index.js";
import { reconcileSweep, reconcileTarget } from "../../src/sync/reconcile/functions.js";
import { SWEEP_CURSORS } from "../../src/sync/reconcile/sweep.js";
import { reconcile, type ReconcileTarget } from "../../src/sync/reconcile/reconcile.js";
import type { KeyRange } from "../../src/sync/reconcile/readers/reader.js";
import { bigquerySink } from "../../src/sync/sinks/bigquery.js";
import { callFunction, triggersIdle, uniqueId } from "../helpers/stack.js";

type Collection = "answers" | "progress";
const OLD_VERSION = "2001-01-01T00:00:00.000000Z";

/** A small scenario: five documents in Firestore, in a key range of their own. */
interface Scenario {
  collection: Collection;
  uid: string;
  range: KeyRange;
  paths: string[];
  /** A path in the range that Firestore does not have. */
  extraPath: string;
  /** The field the plants change. */
  field: string;
}

function rangeOf(collection: Collection, uid: string): KeyRange {
  const scope = collection === "answers" ? `answers/${uid}` : `users/${uid}`;
  return { after: scope, upTo: `${scope}\uf8ff` };
}

async function writeScenario(collection: Collection): Promise<Scenario> {
  const { db } = await firestoreKit();
  const uid = uniqueId("rcn");
  const ids = [1, 2, 3, 4, 5].map((n) => `${uid}-d${n}`);
  const base = collection === "answers" ? `answers/` : `users/${uid}/progress/`;
  const paths = ids.map((id) => base + id);
  const dataOf = (n: number) =>
    collection === "answers"
      ? { uid, questionId: "q1", subject: "math", skill: "alg", subskill: "lin", score: n / 10, status: "graded" }
      : { watchTimes: { l1: n * 10 }, completedLectures: [], completionPercentage: n * 10, updatedAt: "2024-05-01T00:00:00.000000Z" };
  await Promise.all(paths.map((path, index) => db.doc(path).set(dataOf(index + 1))));
  await triggersIdle();
  // Another test file may switch a sink off for a moment (backfill): level this range first, so plants are all it has.
  for (const sink of ["mongo", "cosmos"] as const) await reconcile(await firestoreKit(), reconcileTarget(collection, sink), { range: rangeOf(collection, uid), repair: true });
  return {
    collection,
    uid,
    range: rangeOf(collection, uid),
    paths,
    extraPath: `${base}${uid}-extra`,
    field: collection === "answers" ? "score" : "completionPercentage",
  };
}

/** The envelope of a Firestore document as the trigger would build it (for the stand-alone BigQuery dataset). */
async function envelopeOf(path: string, scenario: Scenario, overrides: { data?: Record<string, unknown>; seconds?: number; exists?: boolean } = {}) {
  const snapshot = await (await firestoreKit()).db.doc(path).get();
  const pathParams: Record<string, string> =
    scenario.collection === "answers" ? { answerId: path.split("/")[1] ?? "" } : { uid: scenario.uid, courseId: path.split("/")[3] ?? "" };
  const updateTime = overrides.seconds === undefined ? snapshot.updateTime : { seconds: overrides.seconds, nanoseconds: 0 };
  return buildEnvelope({
    eventId: uniqueId("evt"),
    eventTime: new Date().toISOString(),
    documentPath: path,
    pathParams,
    before: { exists: false },
    after: overrides.exists === false ? { exists: false } : { exists: true, data: overrides.data ?? snapshot.data(), ...(updateTime ? { updateTime } : {}) },
  });
}

/** Plants, for documents 1–3 and one extra: deleted in the sink, an older version, a changed field at the same version. */
const PLANTS = {
  async mongo(scenario: Scenario): Promise<ReconcileTarget> {
    const target = (await mongo()).db(MONGODB_DATABASE.value()).collection<{ _id: string }>(scenario.collection);
    const [deleted, stale, changed] = scenario.paths as [string, string, string];
    await target.deleteOne({ _id: deleted });
    await target.updateOne({ _id: stale }, { $set: { _v: OLD_VERSION, [scenario.field]: 99 } });
    await target.updateOne({ _id: changed }, { $set: { [scenario.field]: 42 } });
    const extra = { _id: scenario.extraPath, _v: "2030-01-01T00:00:00.000000Z", _deleted: false, _path: scenario.extraPath, _collection: scenario.collection, uid: scenario.uid };
    await target.insertOne(extra);
    return reconcileTarget(scenario.collection, "mongo");
  },

  async cosmos(scenario: Scenario): Promise<ReconcileTarget> {
    const container = await cosmosContainer(cosmosContainerOf(scenario.collection) ?? "", COSMOS_PARTITION_KEY);
    const items = await Promise.all(scenario.paths.slice(0, 3).map(async (path) => cosmosItem(await envelopeOf(path, scenario))!.item));
    const [deleted, stale, changed] = items as [(typeof items)[0], (typeof items)[0], (typeof items)[0]];
    const cosmosField = scenario.collection === "answers" ? "score" : "completion_percentage";
    await container.item(deleted.id, deleted.student_id).delete();
    await container.item(stale.id, stale.student_id).replace({ ...stale, _v: OLD_VERSION, [cosmosField]: 99 });
    await container.item(changed.id, changed.student_id).replace({ ...changed, [cosmosField]: 42 });
    const extra = cosmosItem(await envelopeOf(scenario.paths[3] ?? "", scenario))!.item;
    const extraId = scenario.collection === "answers" ? `${scenario.uid}-extra` : `${scenario.uid}~${scenario.uid}-extra`;
    await container.items.create({ ...extra, id: extraId, _v: "2030-01-01T00:00:00.000000Z" });
    return reconcileTarget(scenario.collection, "cosmos");
  },

  /**
   * BigQuery only appends and its changelog allows no DML, so an older latest version cannot be planted under rows the
   * triggers wrote: this test's dataset of its own is filled through the same sink the triggers use, with the plants.
   */
  async bigquery(scenario: Scenario): Promise<ReconcileTarget> {
    const dataset = `reconcile_${scenario.uid.replace(/-/g, "_")}`;
    datasets.push(dataset);
    const sink = bigquerySink(bigquery, () => dataset);
    const [deleted, stale, changed, ...rest] = scenario.paths as [string, string, string, ...string[]];
    for (const path of [deleted, changed, ...rest]) expect(await sink.deliver(await envelopeOf(path, scenario))).toEqual({ applied: true });
    const current = (await envelopeOf(deleted, scenario)).version;
    const seconds = (date: string) => Math.floor(Date.parse(date) / 1000);
    // Deleted at the same version, a later row; the stale one never got its update; the changed one was rewritten.
    const tombstone = { ...(await envelopeOf(deleted, scenario)), operation: "DELETE" as const, after: null, version: current };
    await sink.deliver(tombstone);
    await sink.deliver(await envelopeOf(stale, scenario, { seconds: seconds(OLD_VERSION), data: { uid: scenario.uid, [scenario.field]: 99 } }));
    const changedNow = await envelopeOf(changed, scenario);
    await sink.deliver({ ...changedNow, after: { ...changedNow.after, [scenario.field]: 42 } });
    const extra = await envelopeOf(scenario.paths[3] ?? "", scenario);
    await sink.deliver({ ...extra, documentPath: scenario.extraPath, documentId: scenario.extraPath.split("/").at(-1) ?? "" });
    return { collection: scenario.collection, pattern: MIRRORED_DOCUMENTS[scenario.collection], sink, reader: bigqueryReader(bigquery, () => dataset) };
  },
};

const datasets: string[] = [];
afterAll(async () => {
  const bq = await bigquery();
  await Promise.all(datasets.map((dataset) => bq.dataset(dataset).delete({ force: true }).catch(() => undefined)));
});

describe.each(["mongo", "cosmos", "bigquery"] as const)("reconcile with the %s sink", (sinkName) => {
  it.each(["answers", "progress"] as const)("when %s documents diverge, then each is found, repair fixes them and the next run is clean", async (collection) => {
    const kit = await firestoreKit();
    const scenario = await writeScenario(collection);
    const target = await PLANTS[sinkName](scenario);

    const found = await reconcile(kit, target, { range: scenario.range });
    expect(found).toMatchObject({ checked: 5, missing: 1, stale: 2, changed: 1, extra: 1, repaired: 0 });
    expect(found.examples).toEqual({ missing: [scenario.paths[0]], stale: [scenario.paths[1]], changed: [scenario.paths[2]], extra: [scenario.extraPath] });
    const stored = await kit.db.doc(`_sync/reconcile/runs/${found.runId}`).get();
    expect(stored.data()).toMatchObject({ checked: 5, missing: 1, stale: 2, extra: 1, collection, sink: sinkName });

    const repaired = await reconcile(kit, target, { range: scenario.range, repair: true });
    expect(repaired).toMatchObject({ checked: 5, missing: 1, stale: 2, extra: 1, repaired: 4, repairFailed: 0 });

    const clean = await reconcile(kit, target, { range: scenario.range });
    expect(clean).toMatchObject({ checked: 5, missing: 0, stale: 0, changed: 0, extra: 0 });
  });
});

describe("a tombstone of reconcile's", () => {
  it("when the operator's clock runs an hour ahead, then the tombstone is versioned at Firestore's read time, and the document created again afterwards is not hidden by it", async () => {
    const kit = await firestoreKit();
    const scenario = await writeScenario("answers");
    const target = (await mongo()).db(MONGODB_DATABASE.value()).collection<{ _id: string; _v?: string; _deleted?: boolean; uid?: string }>("answers");
    await target.insertOne({ _id: scenario.extraPath, _v: OLD_VERSION, _deleted: false, uid: scenario.uid });

    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3_600_000 });
    try {
      await reconcile(kit, reconcileTarget("answers", "mongo"), { range: scenario.range, repair: true });
    } finally {
      vi.useRealTimers();
    }
    const tombstone = await target.findOne({ _id: scenario.extraPath });
    expect(tombstone).toMatchObject({ _deleted: true });
    expect(Date.parse(tombstone?._v ?? "")).toBeLessThan(Date.now() + 60_000);

    await kit.db.doc(scenario.extraPath).set({ uid: scenario.uid, questionId: "q1", subject: "math", skill: "alg", subskill: "lin", score: 0.5, status: "graded" });
    await triggersIdle();
    expect(await target.findOne({ _id: scenario.extraPath })).toMatchObject({ _deleted: false, score: 0.5 });
  });
});

describe("the reconcile callable", () => {
  it("when an admin calls it, then it answers the counts of API.md", async () => {
    const answer = await callFunction("reconcile", { collection: "answers", sink: "mongo", limit: 1 }, { claims: { admin: true } });
    expect(answer.status).toBe(200);
    expect(Object.keys(answer.body.result as object).sort()).toEqual(["checked", "extra", "missing", "repaired", "stale"]);
    expect(answer.body.result).toMatchObject({ checked: expect.any(Number), repaired: 0 });
  });

  it("when a caller without the admin claim calls it, then it is refused with PERMISSION_DENIED", async () => {
    const answer = await callFunction("reconcile", { collection: "answers", sink: "mongo" });
    expect(answer.body.error?.status).toBe("PERMISSION_DENIED");
  });

  it.each([
    ["an unknown collection", { collection: "questions", sink: "mongo" }],
    ["an unknown sink", { collection: "answers", sink: "redis" }],
  ])("when an admin names %s, then it is refused with INVALID_ARGUMENT", async (_case, data) => {
    const answer = await callFunction("reconcile", data, { claims: { admin: true } });
    expect(answer.body.error?.status).toBe("INVALID_ARGUMENT");
  });
});

describe("the daily reconciliation", () => {
  it("is a schedule every 24 hours whose run sweeps a share of every collection in every enabled sink, stores each report and moves each cursor", async () => {
    expect(functions.reconcileDaily.__endpoint.scheduleTrigger).toMatchObject({ schedule: "every 24 hours" });
    const { db } = await firestoreKit();
    const before = Date.now();
    await reconcileSweep(1_000);
    const runs = await db.collection("_sync/reconcile/runs").where("repair", "==", true).where("startedAt", ">=", new Date(before).toISOString()).get();
    const pairs = new Set(runs.docs.map((run) => `${run.get("collection")}/${run.get("sink")}`));
    expect(pairs.size).toBe(Object.keys(MIRRORED_DOCUMENTS).length * SINK_NAMES.length);
    const cursors = await db.collection(SWEEP_CURSORS).get();
    expect(new Set(cursors.docs.map((cursor) => cursor.id.replace("~", "/")))).toEqual(pairs);
  });
});
