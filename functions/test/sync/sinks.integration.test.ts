/** Each sink against its stand-in (or a real MongoDB when MONGODB_URI is set): idempotent and order-safe. */
import { describe, expect, it } from "vitest";
import { enabledSinks } from "../../src/sync/functions.js";
import type { Sink } from "../../src/sync/sinks/sink.js";
import { expectedView, readBigQuery, readCosmos, readMongo, testEnvelope, type SinkView } from "../helpers/sinks.js";
import { uniqueId } from "../helpers/stack.js";

const sinkNamed = (name: string) => enabledSinks().find((sink) => sink.name === name) as Sink;
const SINKS: [string, SinkView][] = [
  ["bigquery", readBigQuery],
  ["mongo", readMongo],
  ["cosmos", readCosmos],
];

describe.each(SINKS)("the %s sink", (name, read) => {
  const sink = () => sinkNamed(name);
  const answerDoc = (uid: string, score: number) => ({ uid, questionId: "q1", subject: "math", skill: "alg", subskill: "lin", score, status: "graded" });

  it("when a create, an update and a delete arrive, then the sink follows and ends deleted", async () => {
    const id = uniqueId("ans");
    const path = `answers/${id}`;
    const params = { answerId: id };
    const created = testEnvelope(path, params, answerDoc("u1", 0.5), 1_000);
    const updated = testEnvelope(path, params, answerDoc("u1", 1), 1_001, answerDoc("u1", 0.5));
    const deleted = testEnvelope(path, params, null, 1_002, answerDoc("u1", 1));
    expect(await sink().deliver(created)).toEqual({ applied: true });
    expect(await read("answers", path, created)).toEqual(expectedView(name as never, created));
    expect(await sink().deliver(updated)).toEqual({ applied: true });
    expect(await read("answers", path, updated)).toEqual(expectedView(name as never, updated));
    expect(await sink().deliver(deleted)).toEqual({ applied: true });
    expect(await read("answers", path, deleted)).toBeNull();
  });

  it("when a change is delivered twice, then it applies once", async () => {
    const id = uniqueId("ans");
    const change = testEnvelope(`answers/${id}`, { answerId: id }, answerDoc("u2", 0.25), 2_000);
    await sink().deliver(change);
    const again = await sink().deliver(change);
    expect(again).toEqual(name === "bigquery" ? { applied: true } : { skipped: "stale" });
    expect(await read("answers", `answers/${id}`, change)).toEqual(expectedView(name as never, change));
  });

  it("when an older change arrives after a newer one, then it is skipped and the newer state stays", async () => {
    const id = uniqueId("ans");
    const path = `answers/${id}`;
    const newer = testEnvelope(path, { answerId: id }, answerDoc("u3", 1), 3_002);
    const older = testEnvelope(path, { answerId: id }, answerDoc("u3", 0), 3_001);
    await sink().deliver(newer);
    const outcome = await sink().deliver(older);
    if (name !== "bigquery") expect(outcome).toEqual({ skipped: "stale" });
    expect(await read("answers", path, newer)).toEqual(expectedView(name as never, newer));
  });

  it("when a delete is followed by a late, older update, then the document stays deleted", async () => {
    const id = uniqueId("ans");
    const path = `answers/${id}`;
    const created = testEnvelope(path, { answerId: id }, answerDoc("u4", 0.5), 4_000);
    const deleted = testEnvelope(path, { answerId: id }, null, 4_002, answerDoc("u4", 0.5));
    const lateUpdate = testEnvelope(path, { answerId: id }, answerDoc("u4", 0.9), 4_001, answerDoc("u4", 0.5));
    await sink().deliver(created);
    await sink().deliver(deleted);
    await sink().deliver(lateUpdate);
    expect(await read("answers", path, lateUpdate)).toBeNull();
  });
});
