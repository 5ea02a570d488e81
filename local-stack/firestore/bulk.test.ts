import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

const NOT_FOUND = 5;

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("BatchWrite, recursiveDelete and listing", () => {
  it("when a BulkWriter write fails, then the other writes still apply and the failure has its own status", async () => {
    const col = t.db.collection(uniqueCollection("bulk"));
    const writer = t.db.bulkWriter();
    writer.onWriteError(() => false);
    const ok = Array.from({ length: 30 }, (_, i) => writer.set(col.doc(`d${i}`), { i }));
    const failed = writer.update(col.doc("missing"), { i: -1 });

    await writer.close();

    await Promise.all(ok);
    await expect(failed).rejects.toMatchObject({ code: NOT_FOUND });
    expect((await col.count().get()).data().count).toBe(30);
  });

  it("when recursiveDelete() runs on a collection, then every document below it is deleted and siblings stay", async () => {
    const root = uniqueCollection("tree");
    const sibling = t.db.collection(`${root}x`).doc("keep");
    await sibling.set({ keep: true });
    await t.db.doc(`${root}/A1`).set({ n: 1 });
    await t.db.doc(`${root}/u1`).set({ n: 1 });
    await t.db.doc(`${root}/u1/progress/c1`).set({ n: 1 });
    await t.db.doc(`${root}/ghost/progress/c2`).set({ n: 1 });

    await t.db.recursiveDelete(t.db.collection(root));

    expect((await t.db.collectionGroup("progress").where("n", "==", 1).get()).docs.filter((d) => d.ref.path.startsWith(root))).toEqual([]);
    expect((await t.db.collection(root).get()).size).toBe(0);
    expect((await sibling.get()).exists).toBe(true);
  });

  it("when listCollections() and listDocuments() run, then they list collections and ids that hold documents", async () => {
    const root = uniqueCollection("lists");
    await t.db.doc(`${root}/u1/progress/c1`).set({ n: 1 });
    await t.db.doc(`${root}/u1/answers/a1`).set({ n: 1 });
    await t.db.doc(`${root}/u2`).set({ n: 2 });

    const collections = await t.db.doc(`${root}/u1`).listCollections();
    const documents = await t.db.collection(root).listDocuments();

    expect(collections.map((c) => c.id)).toEqual(["answers", "progress"]);
    expect(documents.map((d) => d.id).sort()).toEqual(["u1", "u2"]);
    expect((await t.db.listCollections()).map((c) => c.id)).toContain(root);
  });
});
