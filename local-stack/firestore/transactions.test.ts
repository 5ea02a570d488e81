import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

const ABORTED = 10;

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("serialisable transactions", () => {
  it("when 20 transactions increment one counter concurrently, then no update is lost", async () => {
    const ref = t.db.collection(uniqueCollection("counter")).doc("c");
    let attempts = 0;

    await Promise.all(
      Array.from({ length: 20 }, () =>
        t.db.runTransaction(async (tx) => {
          attempts++;
          const snap = await tx.get(ref);
          tx.set(ref, { n: ((snap.data()?.["n"] as number | undefined) ?? 0) + 1 });
        }),
      ),
    );

    expect((await ref.get()).get("n")).toBe(20);
    // Locks make contenders wait their turn, as Firestore's do for the Admin SDK, instead of failing into the
    // SDK's retry back-off (1 s and more per retry, at most 5 attempts).
    expect(attempts).toBe(20);
  });

  it("when transactions move value between two documents in opposite orders, then the total is conserved", async () => {
    const col = t.db.collection(uniqueCollection("transfer"));
    await col.doc("a").set({ n: 100 });
    await col.doc("b").set({ n: 100 });
    const transfer = (from: string, to: string) =>
      t.db.runTransaction(async (tx) => {
        const [src, dst] = await tx.getAll(col.doc(from), col.doc(to));
        tx.update(col.doc(from), { n: (src?.get("n") as number) - 1 });
        tx.update(col.doc(to), { n: (dst?.get("n") as number) + 1 });
      });

    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? transfer("a", "b") : transfer("b", "a"))));

    const [a, b] = await t.db.getAll(col.doc("a"), col.doc("b"));
    expect((a?.get("n") as number) + (b?.get("n") as number)).toBe(200);
    expect(a?.get("n")).toBe(100);
  });

  it("when a document read as missing is created before the transaction commits, then the commit aborts and retries", async () => {
    const ref = t.db.collection(uniqueCollection("phantom-doc")).doc("d");
    let attempts = 0;

    await t.db.runTransaction(async (tx) => {
      attempts++;
      const snap = await tx.get(ref);
      if (attempts === 1) await ref.set({ n: 10 });
      tx.set(ref, { n: ((snap.data()?.["n"] as number | undefined) ?? 0) + 1 });
    });

    expect(attempts).toBe(2);
    expect((await ref.get()).get("n")).toBe(11);
  });

  it("when a document read in a transaction changes outside it, then the commit fails with ABORTED", async () => {
    const ref = t.db.collection(uniqueCollection("changed")).doc("d");
    await ref.set({ n: 1 });

    const run = t.db.runTransaction(
      async (tx) => {
        const snap = await tx.get(ref);
        await ref.set({ n: 100 });
        tx.set(ref, { n: (snap.get("n") as number) + 1 });
      },
      { maxAttempts: 1 },
    );

    await expect(run).rejects.toMatchObject({ code: ABORTED });
    expect((await ref.get()).get("n")).toBe(100);
  });

  it("when a transaction's query result changes before it commits, then the commit aborts", async () => {
    const col = t.db.collection(uniqueCollection("phantom-query"));
    await col.doc("a").set({ open: true });

    const run = t.db.runTransaction(
      async (tx) => {
        const open = await tx.get(col.where("open", "==", true));
        await col.doc("b").set({ open: true });
        tx.set(col.doc("summary"), { open: open.size });
      },
      { maxAttempts: 1 },
    );

    await expect(run).rejects.toMatchObject({ code: ABORTED });
    expect((await col.doc("summary").get()).exists).toBe(false);
  });

  it("when a transaction rolls back, then its locks are released at once", async () => {
    const ref = t.db.collection(uniqueCollection("rollback")).doc("d");
    await ref.set({ n: 1 });
    const failing = t.db.runTransaction(async (tx) => {
      await tx.get(ref);
      throw new Error("changed my mind");
    });
    await expect(failing).rejects.toThrow("changed my mind");

    const started = Date.now();
    await t.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      tx.update(ref, { n: (snap.get("n") as number) + 1 });
    });

    expect(Date.now() - started).toBeLessThan(1000);
    expect((await ref.get()).get("n")).toBe(2);
  });
});
