/**
 * Firestore's limits that a product can reach by writing, enforced by the stand-in (limits.ts), through firebase-admin.
 * Source of every figure: Firestore's "Usage and limits" page; sizes as its "Storage size calculations" page counts
 * them; index entries as its "Index entry count" section counts them.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDocumentLimits, documentNameSize, documentSize, indexEntries, MAX_DOCUMENT_BYTES, MAX_INDEX_ENTRIES } from "./limits.ts";
import type { RestValue } from "./values.ts";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

const INVALID_ARGUMENT = 3;
const EXEMPT_COLLECTION = "exempted";

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore({
    indexes: { fieldOverrides: [{ collectionGroup: EXEMPT_COLLECTION, fieldPath: "big", indexes: [] }] },
  });
});
afterAll(() => t.stop());

/** A map of `n` numeric fields: 2n index entries when indexed. */
const numbers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`f${i}`, i]));

describe("storage size, as Firestore counts it", () => {
  it("when the documentation's worked example is sized, then the stand-in counts the same bytes", () => {
    // "Storage size calculations": users/jeff/tasks/my_task_id is 6 + 5 + 6 + 11 + 16 = 44 bytes.
    expect(documentNameSize("users/jeff/tasks/my_task_id")).toBe(44);
    // Its task document: "type" "Personal", "done" false, "priority" 1, "description" "Learn Cloud Firestore": 147 bytes.
    const fields = {
      type: { stringValue: "Personal" },
      done: { booleanValue: false },
      priority: { integerValue: "1" },
      description: { stringValue: "Learn Cloud Firestore" },
    };
    expect(documentSize("users/jeff/tasks/my_task_id", fields)).toBe(147);
  });
});

describe("document size: 1 MiB", () => {
  it("when a document would pass 1,048,576 bytes, then the write is refused with INVALID_ARGUMENT and nothing is stored", async () => {
    const doc = t.db.collection(uniqueCollection("size")).doc("d");
    const refused = doc.set({ text: "x".repeat(MAX_DOCUMENT_BYTES) });

    await expect(refused).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringMatching(/exceeds the maximum allowed size of 1,048,576 bytes/) });
    expect((await doc.get()).exists).toBe(false);
  });

  it("when a document is just under the limit, then it is stored", async () => {
    const doc = t.db.collection(uniqueCollection("size")).doc("d");
    const overhead = documentSize(doc.path, { text: { stringValue: "" } });

    await doc.set({ text: "x".repeat(MAX_DOCUMENT_BYTES - overhead) });

    expect((await doc.get()).get("text")).toHaveLength(MAX_DOCUMENT_BYTES - overhead);
  });

  it("when one write of a batch is too large, then the whole batch is refused", async () => {
    const col = t.db.collection(uniqueCollection("size"));
    const batch = t.db.batch();
    batch.set(col.doc("small"), { n: 1 });
    batch.set(col.doc("large"), { text: "x".repeat(MAX_DOCUMENT_BYTES) });

    await expect(batch.commit()).rejects.toMatchObject({ code: INVALID_ARGUMENT });
    expect((await col.doc("small").get()).exists).toBe(false);
  });
});

describe("index entries per document: 40,000", () => {
  it("when a document's indexed fields take more than 40,000 entries, then the write is refused", async () => {
    const doc = t.db.collection(uniqueCollection("entries")).doc("d");

    await expect(doc.set({ big: numbers(MAX_INDEX_ENTRIES / 2 + 1) })).rejects.toMatchObject({
      code: INVALID_ARGUMENT,
      details: expect.stringMatching(/too many index entries/),
    });
    await expect(doc.set({ big: numbers(MAX_INDEX_ENTRIES / 2) })).resolves.toBeDefined();
  });

  it("when firestore.indexes.json exempts the map, then the same document is stored", async () => {
    const doc = t.db.collection(EXEMPT_COLLECTION).doc(uniqueCollection("d"));

    await doc.set({ big: numbers(MAX_INDEX_ENTRIES / 2 + 1) });

    expect(Object.keys((await doc.get()).get("big") as object)).toHaveLength(MAX_INDEX_ENTRIES / 2 + 1);
  });

  it("when entries are counted, then arrays take one per distinct element and composite indexes one each", () => {
    const fields = { tags: { arrayValue: { values: [{ stringValue: "a" }, { stringValue: "a" }, { stringValue: "b" }] } }, n: { integerValue: "1" } };
    expect(indexEntries("c", fields)).toBe(2 + 2);
    expect(indexEntries("c", fields, { indexes: [{ collectionGroup: "c", fields: [{ fieldPath: "n" }, { fieldPath: "tags" }] }] })).toBe(5);
  });
});

describe("depth of maps and arrays: 20", () => {
  it("when a map is nested past 20 levels, then the stand-in refuses it, as firebase-admin already does before sending", () => {
    let deep: Record<string, unknown> = { leaf: 1 };
    let rest: RestValue = { integerValue: "1" };
    for (let level = 0; level < 21; level++) {
      deep = { inner: deep };
      rest = { mapValue: { fields: { inner: rest } } };
    }

    expect(() => t.db.collection(uniqueCollection("depth")).doc("d").set(deep)).toThrow(/deeper than 20 levels/);
    expect(() => checkDocumentLimits("projects/p/databases/(default)/documents/c/d", { deep: rest })).toThrow(
      expect.objectContaining({ code: INVALID_ARGUMENT, message: expect.stringMatching(/nested more than 20 levels/) }),
    );
  });
});

describe("request size: 10 MiB", () => {
  it("when a batch of documents each under 1 MiB adds up past 10 MiB, then the commit is refused and nothing is stored", async () => {
    const col = t.db.collection(uniqueCollection("request"));
    const batch = t.db.batch();
    for (let i = 0; i < 11; i++) batch.set(col.doc(`d${i}`), { text: "x".repeat(1_000_000) });

    await expect(batch.commit()).rejects.toMatchObject({ code: INVALID_ARGUMENT, details: expect.stringMatching(/Request payload size exceeds the limit/) });
    expect((await col.doc("d0").get()).exists).toBe(false);
  });
});
