import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VectorValue } from "@google-cloud/firestore";
import { FieldPath, FieldValue } from "firebase-admin/firestore";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

const INVALID_ARGUMENT = 3;
const reservedId = (id: string) => ({ code: INVALID_ARGUMENT, details: `Resource id "${id}" is invalid because it is reserved.` });
const reservedCollection = (id: string) => ({ code: INVALID_ARGUMENT, details: `Collection id "${id}" is invalid because it is reserved.` });
const reservedField = (name: string) => ({ code: INVALID_ARGUMENT, details: `field name ${name} is reserved` });
const undecodable = {
  code: INVALID_ARGUMENT,
  details: "Invalid request proto: an error was encountered during deserialization of the request proto.",
};
// The Admin SDK encodes strings under 40 UTF-16 units surrogate by surrogate, longer ones through Buffer (U+FFFD).
const LONE_SURROGATE = "a\uD800b";

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

describe("reserved names in writes", () => {
  it("when a write names a document id matching __.*__, then it is refused with INVALID_ARGUMENT and the batch applies nothing", async () => {
    const col = t.db.collection(uniqueCollection("reserved-id"));
    const batch = t.db.batch();
    batch.set(col.doc("ok"), { n: 1 });
    batch.set(col.doc("__x__"), { n: 1 });

    await expect(batch.commit()).rejects.toMatchObject(reservedId("__x__"));
    await expect(col.doc("__x__").create({ n: 1 })).rejects.toMatchObject(reservedId("__x__"));
    await expect(col.doc("____").delete()).rejects.toMatchObject(reservedId("____"));
    await expect(col.doc("__x__").collection("sub").doc("d").set({ n: 1 })).rejects.toMatchObject(reservedId("__x__"));

    expect((await col.doc("ok").get()).exists).toBe(false);
    expect(await t.db.collection(col.path).listDocuments()).toEqual([]);
  });

  it("when a write names a collection id matching __.*__, then it is refused with INVALID_ARGUMENT", async () => {
    const parent = t.db.collection(uniqueCollection("reserved-col")).doc("p");

    await expect(t.db.collection("__c__").doc("d").set({ n: 1 })).rejects.toMatchObject(reservedCollection("__c__"));
    await expect(parent.collection("__sub__").doc("d").set({ n: 1 })).rejects.toMatchObject(reservedCollection("__sub__"));
  });

  it("when a field name matches __.*__ at any depth, then the write is refused with INVALID_ARGUMENT and nothing is stored", async () => {
    const ref = t.db.collection(uniqueCollection("reserved-field")).doc("d");
    await ref.set({ kept: true, m: {} });

    await expect(ref.set({ __x__: 1 })).rejects.toMatchObject(reservedField("__x__"));
    await expect(ref.set({ m: { __y__: 1 } }, { merge: true })).rejects.toMatchObject(reservedField("__y__"));
    await expect(ref.set({ list: [{ __z__: 1 }] })).rejects.toMatchObject(reservedField("__z__"));
    await expect(ref.update({ "m.__name__": 1 })).rejects.toMatchObject(reservedField("__name__"));
    await expect(ref.update(new FieldPath("m", "__key__"), "v")).rejects.toMatchObject(reservedField("__key__"));

    expect((await ref.get()).data()).toEqual({ kept: true, m: {} });
  });

  it("when a transform targets or brings a reserved field name, then the write is refused with INVALID_ARGUMENT", async () => {
    const ref = t.db.collection(uniqueCollection("reserved-transform")).doc("d");
    await ref.set({ n: 1 });

    await expect(ref.update({ __count__: FieldValue.increment(1) })).rejects.toMatchObject(reservedField("__count__"));
    await expect(ref.update({ tags: FieldValue.arrayUnion({ __t__: 1 }) })).rejects.toMatchObject(reservedField("__t__"));

    expect((await ref.get()).data()).toEqual({ n: 1 });
  });

  it("when a BulkWriter write names a reserved id, then only that write fails, with INVALID_ARGUMENT", async () => {
    const col = t.db.collection(uniqueCollection("reserved-bulk"));
    const writer = t.db.bulkWriter();
    writer.onWriteError(() => false);
    const ok = writer.set(col.doc("a"), { n: 1 });
    const refused = writer.set(col.doc("__b__"), { n: 1 });

    await writer.close();

    await ok;
    // A BulkWriterError carries the status's details as its message.
    await expect(refused).rejects.toMatchObject({ code: INVALID_ARGUMENT, message: reservedId("__b__").details });
    expect((await col.doc("a").get()).data()).toEqual({ n: 1 });
  });

  it("when names only start or end with __, are Datastore numeric ids or spell a vector, then Firestore accepts them and so does the stand-in", async () => {
    const col = t.db.collection(uniqueCollection("not-reserved"));

    await col.doc("__x").set({ __a: 1, b__: 2, ___: 3, m: { _x_: 4 }, v: FieldValue.vector([1, 2]) });
    await col.doc("__id42__").set({ n: 1 });

    const data = (await col.doc("__x").get()).data();
    expect(data).toMatchObject({ __a: 1, b__: 2, ___: 3, m: { _x_: 4 } });
    expect((data?.["v"] as VectorValue).toArray()).toEqual([1, 2]);
    expect((await col.doc("__id42__").get()).data()).toEqual({ n: 1 });
  });

  it("when a numeric-looking reserved id is not a non-zero 64-bit integer, then it is refused as Firestore refuses it", async () => {
    const col = t.db.collection(uniqueCollection("numeric-id"));

    await expect(col.doc("__id0__").set({ n: 1 })).rejects.toMatchObject({
      code: INVALID_ARGUMENT,
      details: "Document ID of type long must be non-zero",
    });
    await expect(col.doc("__id9223372036854775808__").set({ n: 1 })).rejects.toMatchObject({
      code: INVALID_ARGUMENT,
      details: expect.stringContaining("A long document ID string must be formatted like '__id{LONG}__'"),
    });
  });
});

// A refused streamed read (get, query, count) fails only after ~7 s: the SDK retries a stream that errs before its
// first response twice, whatever the code (retry-request's noResponseRetries), against Firestore as against the stand-in.
describe("reserved names in reads", () => {
  it("when get() names a reserved document id, then the read is refused with INVALID_ARGUMENT", async () => {
    const col = t.db.collection(uniqueCollection("read-id"));

    await expect(col.doc("__x__").get()).rejects.toMatchObject(reservedId("__x__"));
  });

  it("when a query or count reads a reserved collection id or below a reserved document id, then it is refused with INVALID_ARGUMENT", async () => {
    const col = t.db.collection(uniqueCollection("read-query"));

    await expect(t.db.collection("__c__").get()).rejects.toMatchObject(reservedCollection("__c__"));
    await expect(col.doc("__d__").collection("sub").count().get()).rejects.toMatchObject(reservedId("__d__"));
  });

  it("when a listing names a reserved collection or document id, then it is refused with INVALID_ARGUMENT", async () => {
    const col = t.db.collection(uniqueCollection("read-list"));

    await expect(t.db.collection("__c__").listDocuments()).rejects.toMatchObject(reservedCollection("__c__"));
    await expect(col.doc("__d__").listCollections()).rejects.toMatchObject(reservedId("__d__"));
  });

  it("when a query filters on __name__, then it still runs: the reserved field path names the document id", async () => {
    const col = t.db.collection(uniqueCollection("name-filter"));
    await col.doc("a").set({ n: 1 });
    await col.doc("b").set({ n: 2 });

    const snap = await col.where(FieldPath.documentId(), ">", col.doc("a")).get();

    expect(snap.docs.map((d) => d.id)).toEqual(["b"]);
  });
});

describe("strings that are not UTF-8", () => {
  it("when a short string value or a map key carries a lone surrogate, then the write is refused with INVALID_ARGUMENT and nothing is stored", async () => {
    const ref = t.db.collection(uniqueCollection("utf8")).doc("d");

    await expect(ref.set({ s: LONE_SURROGATE })).rejects.toMatchObject(undecodable);
    await expect(ref.set({ [LONE_SURROGATE]: 1 })).rejects.toMatchObject(undecodable);
    const writer = t.db.bulkWriter();
    const bulk = writer.set(ref, { s: LONE_SURROGATE });
    await writer.close().catch(() => undefined);
    // The whole BatchWrite request is undecodable, so it fails as a call, not write by write.
    await expect(bulk).rejects.toMatchObject({ code: INVALID_ARGUMENT, message: expect.stringContaining(undecodable.details) });

    expect((await ref.get()).exists).toBe(false);
  });

  it("when a query's filter value carries a lone surrogate, then the query is refused with INVALID_ARGUMENT", async () => {
    const col = t.db.collection(uniqueCollection("utf8-query"));

    await expect(col.where("s", "==", LONE_SURROGATE).get()).rejects.toMatchObject(undecodable);
  });

  it("when a string of 40 or more units carries a lone surrogate, then the SDK itself sends U+FFFD, which is stored as sent", async () => {
    const ref = t.db.collection(uniqueCollection("utf8-long")).doc("d");
    const long = `${"x".repeat(40)}\uD800`;

    await ref.set({ s: long });

    expect((await ref.get()).get("s")).toBe(`${"x".repeat(40)}\uFFFD`);
  });
});
