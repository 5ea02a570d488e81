import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FieldValue } from "firebase-admin/firestore";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

// gRPC status codes Firestore answers with.
const NOT_FOUND = 5;
const ALREADY_EXISTS = 6;
const FAILED_PRECONDITION = 9;

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("atomic commits", () => {
  it("when a batch updates a missing document, then it fails with NOT_FOUND and applies nothing", async () => {
    const col = t.db.collection(uniqueCollection("batch-update"));
    await col.doc("existing").set({ n: 1 });
    const batch = t.db.batch();
    batch.set(col.doc("new"), { n: 1 });
    batch.update(col.doc("existing"), { n: FieldValue.increment(1) });
    batch.update(col.doc("missing"), { n: 1 });

    await expect(batch.commit()).rejects.toMatchObject({ code: NOT_FOUND });

    expect((await col.doc("new").get()).exists).toBe(false);
    expect((await col.doc("existing").get()).data()).toEqual({ n: 1 });
  });

  it("when a batch creates an existing document, then it fails with ALREADY_EXISTS and applies nothing", async () => {
    const col = t.db.collection(uniqueCollection("batch-create"));
    await col.doc("taken").set({ v: "old" });
    const batch = t.db.batch();
    batch.delete(col.doc("taken"));
    batch.set(col.doc("other"), { v: 1 });
    batch.create(col.doc("taken"), { v: "new" });
    batch.create(col.doc("taken"), { v: "again" });

    await expect(batch.commit()).rejects.toMatchObject({ code: ALREADY_EXISTS });

    expect((await col.doc("taken").get()).data()).toEqual({ v: "old" });
    expect((await col.doc("other").get()).exists).toBe(false);
  });

  it("when a write's lastUpdateTime is stale, then the batch fails with FAILED_PRECONDITION and applies nothing", async () => {
    const col = t.db.collection(uniqueCollection("batch-version"));
    const first = await col.doc("d").set({ n: 1 });
    await col.doc("d").set({ n: 2 });
    const batch = t.db.batch();
    batch.set(col.doc("side"), { n: 1 });
    batch.update(col.doc("d"), { n: 3 }, { lastUpdateTime: first.writeTime });

    await expect(batch.commit()).rejects.toMatchObject({ code: FAILED_PRECONDITION });

    expect((await col.doc("d").get()).data()).toEqual({ n: 2 });
    expect((await col.doc("side").get()).exists).toBe(false);
  });

  it("when a write's exists precondition holds, then the batch applies", async () => {
    const col = t.db.collection(uniqueCollection("batch-ok"));
    const written = await col.doc("d").set({ n: 1 });
    const batch = t.db.batch();
    batch.update(col.doc("d"), { n: 2 }, { lastUpdateTime: written.writeTime });
    batch.delete(col.doc("d"), { exists: true });
    batch.create(col.doc("d"), { n: 3 });

    await batch.commit();

    expect((await col.doc("d").get()).data()).toEqual({ n: 3 });
  });

  it("when a transaction's commit has a failing write, then it applies nothing and reports the write's error", async () => {
    const col = t.db.collection(uniqueCollection("tx-atomic"));
    await col.doc("a").set({ n: 1 });

    const run = t.db.runTransaction(async (tx) => {
      const snap = await tx.get(col.doc("a"));
      tx.update(col.doc("a"), { n: (snap.get("n") as number) + 1 });
      tx.update(col.doc("missing"), { n: 1 });
    });

    await expect(run).rejects.toMatchObject({ code: NOT_FOUND });
    expect((await col.doc("a").get()).data()).toEqual({ n: 1 });
  });
});
