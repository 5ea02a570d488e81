import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DocumentSnapshot } from "firebase-admin/firestore";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("the stand-in server", () => {
  it("when started without a port, then it listens on a free loopback port", () => {
    expect(t.local.host).toBe(`127.0.0.1:${t.local.port}`);
    expect(t.local.port).toBeGreaterThan(0);
  });

  it("when documents are written and read, then stats count writes, commits and returned documents", async () => {
    const col = t.db.collection(uniqueCollection("stats"));
    t.local.resetStats();

    const batch = t.db.batch();
    batch.set(col.doc("a"), { n: 1 });
    batch.set(col.doc("b"), { n: 2 });
    await batch.commit();
    await col.doc("a").get();
    await col.get();
    await t.db.getAll(col.doc("a"), col.doc("missing"));

    expect(t.local.stats()).toEqual({ writes: 2, commits: 1, reads: 4 });
  });

  it("when a batch of 500 writes commits, then all 500 documents are stored", async () => {
    const col = t.db.collection(uniqueCollection("big"));
    const batch = t.db.batch();
    for (let i = 0; i < 500; i++) batch.set(col.doc(`d${i}`), { i, tags: ["x"], nested: { at: new Date() } });

    await batch.commit();
    expect((await col.count().get()).data().count).toBe(500);
  });

  it("when onSnapshot listens to a document, then it sees each committed change", async () => {
    const ref = t.db.collection(uniqueCollection("listen")).doc("d");
    const seen: unknown[] = [];
    const done = new Promise<void>((resolve) => {
      const stop = ref.onSnapshot((snap: DocumentSnapshot) => {
        seen.push(snap.get("n"));
        if (snap.get("n") === 2) {
          stop();
          resolve();
        }
      });
    });

    await ref.set({ n: 1 });
    await ref.set({ n: 2 });
    await done;

    expect(seen.at(-1)).toBe(2);
  });

  it("when clear() runs, then every document is gone", async () => {
    const ref = t.db.collection(uniqueCollection("clear")).doc("d");
    await ref.set({ n: 1 });

    t.local.clear();

    expect((await ref.get()).exists).toBe(false);
  });
});
