import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("field transforms", () => {
  it("when one write carries several transforms, then all of them apply", async () => {
    const ref = t.db.collection(uniqueCollection("transforms")).doc("d");
    await ref.set({ a: 1, b: 10, tags: ["x"] });
    const before = Date.now();

    await ref.update({
      a: FieldValue.increment(2),
      b: FieldValue.increment(5),
      at: FieldValue.serverTimestamp(),
      tags: FieldValue.arrayUnion("y", "z"),
    });

    const data = (await ref.get()).data();
    expect(data).toMatchObject({ a: 3, b: 15, tags: ["x", "y", "z"] });
    expect(data?.["at"]).toBeInstanceOf(Timestamp);
    expect((data?.["at"] as Timestamp).toMillis()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("when increment and arrayUnion target missing fields, then they start from 0 and from an empty array", async () => {
    const ref = t.db.collection(uniqueCollection("missing")).doc("d");
    await ref.set({ other: true });

    await ref.update({ count: FieldValue.increment(3), ratio: FieldValue.increment(0.5), tags: FieldValue.arrayUnion("a") });
    await ref.set({ created: FieldValue.increment(1) }, { merge: true });

    expect((await ref.get()).data()).toEqual({ other: true, count: 3, ratio: 0.5, tags: ["a"], created: 1 });
  });

  it("when update() names dotted field paths with transforms, then the nested fields change", async () => {
    const ref = t.db.collection(uniqueCollection("dotted")).doc("d");
    await ref.set({ stats: { count: 1, keep: "k" } });

    await ref.update({ "stats.count": FieldValue.increment(1), "stats.seen": FieldValue.arrayUnion(7), "fresh.deep.n": FieldValue.increment(4) });

    expect((await ref.get()).data()).toEqual({ stats: { count: 2, keep: "k", seen: [7] }, fresh: { deep: { n: 4 } } });
  });

  it("when set(merge) carries nested maps with transforms, then they apply inside the maps and keep sibling fields", async () => {
    const ref = t.db.collection(uniqueCollection("merge")).doc("d");
    await ref.set({ progress: { c1: { attempts: 2, best: 50 }, c2: { attempts: 1 } } });

    await ref.set(
      { progress: { c1: { attempts: FieldValue.increment(1), at: FieldValue.serverTimestamp() } }, total: FieldValue.increment(1) },
      { merge: true },
    );

    const data = (await ref.get()).data();
    expect(data?.["progress"]).toMatchObject({ c1: { attempts: 3, best: 50 }, c2: { attempts: 1 } });
    expect(data?.["progress"].c1.at).toBeInstanceOf(Timestamp);
    expect(data?.["total"]).toBe(1);
  });

  it("when arrayRemove, maximum and minimum apply, then they follow Firestore's rules", async () => {
    const ref = t.db.collection(uniqueCollection("array-minmax")).doc("d");
    await ref.set({ tags: ["a", "b", "a", "c"], hi: 5, lo: 5, mixed: 2 });

    await ref.update({
      tags: FieldValue.arrayRemove("a", "zzz"),
      hi: FieldValue.maximum(9),
      lo: FieldValue.minimum(7),
      mixed: FieldValue.maximum(2.5),
      absent: FieldValue.minimum(-1),
      gone: FieldValue.arrayRemove("x"),
    });

    expect((await ref.get()).data()).toEqual({ tags: ["b", "c"], hi: 9, lo: 5, mixed: 2.5, absent: -1, gone: [] });
  });

  it("when a double field is incremented by an integer, then it stays a double", async () => {
    const ref = t.db.collection(uniqueCollection("double")).doc("d");
    await ref.set({ n: 1.5 });
    await ref.update({ n: FieldValue.increment(1) });
    expect((await ref.get()).get("n")).toBe(2.5);
  });
});

describe("FieldValue.delete()", () => {
  it("when update() carries FieldValue.delete(), then the field and a dotted nested field are removed", async () => {
    const ref = t.db.collection(uniqueCollection("delete-update")).doc("d");
    await ref.set({ a: 1, b: 2, nested: { x: 1, y: 2 } });

    await ref.update({ a: FieldValue.delete(), "nested.x": FieldValue.delete() });

    expect((await ref.get()).data()).toEqual({ b: 2, nested: { y: 2 } });
  });

  it("when set(merge) carries FieldValue.delete(), then the field and a nested field are removed", async () => {
    const ref = t.db.collection(uniqueCollection("delete-merge")).doc("d");
    await ref.set({ a: 1, b: 2, nested: { x: 1, y: 2 } });

    await ref.set({ a: FieldValue.delete(), nested: { y: FieldValue.delete() }, c: 3 }, { merge: true });

    expect((await ref.get()).data()).toEqual({ b: 2, nested: { x: 1 }, c: 3 });
  });
});
