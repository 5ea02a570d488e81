import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FieldPath, type CollectionReference, type Query } from "firebase-admin/firestore";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

let t: TestFirestore;
let col: CollectionReference;
beforeAll(async () => {
  t = await startTestFirestore();
  col = t.db.collection(uniqueCollection("scores"));
  const batch = t.db.batch();
  const rows = [
    { id: "a", score: 10, meta: { level: 1 }, tags: ["x"] },
    { id: "b", score: 20, meta: { level: 2 }, tags: ["y"] },
    { id: "c", score: 30, meta: { level: 1 }, tags: ["x", "y"] },
    { id: "d", score: 40, meta: { level: 3 }, tags: [] },
    { id: "e", score: 50, meta: { level: 2 }, tags: ["z"] },
    { id: "f", meta: { level: null } },
  ];
  for (const { id, ...data } of rows) batch.set(col.doc(id), data);
  await batch.commit();
});
afterAll(() => t.stop());

const ids = async (query: Query) => (await query.get()).docs.map((doc) => doc.id);

describe("query cursors and paging", () => {
  it("when a query has startAfter, startAt, endAt or endBefore by value, then it starts and ends there", async () => {
    const byScore = col.orderBy("score");
    expect(await ids(byScore.startAfter(20))).toEqual(["c", "d", "e"]);
    expect(await ids(byScore.startAt(20).endAt(40))).toEqual(["b", "c", "d"]);
    expect(await ids(byScore.startAt(20).endBefore(40))).toEqual(["b", "c"]);
    expect(await ids(col.orderBy("score", "desc").startAfter(40))).toEqual(["c", "b", "a"]);
  });

  it("when a query's cursor is a DocumentSnapshot, then it continues after that document", async () => {
    const page1 = await col.orderBy("score").limit(2).get();
    const last = page1.docs.at(-1);
    expect(await ids(col.orderBy("score").startAfter(last).limit(2))).toEqual(["c", "d"]);
    expect(await ids(col.where("score", ">=", 10).startAt(last))).toEqual(["b", "c", "d", "e"]);
  });

  it("when a query has an offset, then it skips that many documents", async () => {
    expect(await ids(col.orderBy("score").offset(3))).toEqual(["d", "e"]);
    expect(await ids(col.orderBy("score").offset(1).limit(2))).toEqual(["b", "c"]);
  });

  it("when a query uses limitToLast, then it returns the last documents in order", async () => {
    expect(await ids(col.orderBy("score").limitToLast(2))).toEqual(["d", "e"]);
  });

  it("when a query orders by documentId() with a range on it, then it returns that id range", async () => {
    const query = col.orderBy(FieldPath.documentId()).where(FieldPath.documentId(), ">", "b").where(FieldPath.documentId(), "<=", "d");
    expect(await ids(query)).toEqual(["c", "d"]);
    expect(await ids(col.orderBy(FieldPath.documentId(), "desc").startAfter("c"))).toEqual(["b", "a"]);
  });
});

describe("query filters", () => {
  it("when a query filters on a nested field, then it matches inside maps", async () => {
    expect(await ids(col.where("meta.level", "==", 1))).toEqual(["a", "c"]);
    expect(await ids(col.where(new FieldPath("meta", "level"), ">=", 2).orderBy("meta.level"))).toEqual(["b", "e", "d"]);
  });

  it("when a query uses in, not-in, array-contains, array-contains-any and !=, then it matches as Firestore does", async () => {
    expect(await ids(col.where("score", "in", [10, 50, 99]))).toEqual(["a", "e"]);
    expect(await ids(col.where("score", "not-in", [10, 50]))).toEqual(["b", "c", "d"]);
    expect(await ids(col.where("tags", "array-contains", "x"))).toEqual(["a", "c"]);
    expect(await ids(col.where("tags", "array-contains-any", ["y", "z"]))).toEqual(["b", "c", "e"]);
    // != and not-in skip documents without the field and null values.
    expect(await ids(col.where("score", "!=", 30))).toEqual(["a", "b", "d", "e"]);
    expect(await ids(col.where("meta.level", "!=", 1))).toEqual(["b", "e", "d"]);
  });

  it("when count() runs with filters, then it counts only the matching documents", async () => {
    expect((await col.where("score", ">", 15).count().get()).data().count).toBe(4);
    expect((await col.where("meta.level", "==", 2).count().get()).data().count).toBe(2);
    expect((await col.count().get()).data().count).toBe(6);
  });
});

describe("collection groups", () => {
  it("when collectionGroup() queries an id, then it returns documents from every collection with that id at any depth", async () => {
    const group = uniqueCollection("progress");
    const root = uniqueCollection("users");
    const batch = t.db.batch();
    batch.set(t.db.doc(`${root}/u1/${group}/c1`), { score: 1 });
    batch.set(t.db.doc(`${root}/u2/${group}/c2`), { score: 2 });
    batch.set(t.db.doc(`${root}/u2/courses/k/${group}/c3`), { score: 3 });
    batch.set(t.db.doc(`${group}/top`), { score: 4 });
    batch.set(t.db.doc(`${root}/u3/other/c9`), { score: 9 });
    await batch.commit();

    const all = t.db.collectionGroup(group);
    expect(await ids(all.orderBy("score"))).toEqual(["c1", "c2", "c3", "top"]);
    expect(await ids(all.where("score", ">=", 2).orderBy("score", "desc"))).toEqual(["top", "c3", "c2"]);
    expect(await ids(all.orderBy("score").startAfter(2).limit(1))).toEqual(["c3"]);
    expect((await all.count().get()).data().count).toBe(4);
  });
});
