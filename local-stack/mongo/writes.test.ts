import { MongoBulkWriteError, MongoServerError, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { targets, uniqueName, useTarget, type Loose } from "./testing.ts";


/** The product's version guard (functions/src/sync/sinks/mongo.ts): replace only an older `_v`. */
const newerThanStored = (id: string, version: number) => ({ _id: id, $or: [{ _v: { $lt: version } }, { _v: { $exists: false } }] });

describe.each(targets)("MongoDB writes against the $name", (target) => {
  const session = useTarget(target);
  const collection = () => session.db.collection<Loose>(uniqueName("writes"));

  it("when a document is inserted with a string _id, then it reads back as written", async () => {
    const users = collection();
    const result = await users.insertOne({ _id: "users/u1", name: "Ada", tags: ["a", "b"], nested: { level: 1 } });
    expect(result.insertedId).toBe("users/u1");
    expect(await users.findOne({ _id: "users/u1" })).toEqual({ _id: "users/u1", name: "Ada", tags: ["a", "b"], nested: { level: 1 } });
  });

  it("when no _id is given, then the driver's ObjectId is kept", async () => {
    const docs = session.db.collection<Loose>(uniqueName("writes"));
    const { insertedId } = await docs.insertOne({ n: 1 });
    expect(insertedId).toBeInstanceOf(ObjectId);
    expect((await docs.findOne({ _id: insertedId }))?.n).toBe(1);
  });

  it("when an _id is inserted twice, then E11000 names the collection, index and key", async () => {
    const users = collection();
    await users.insertOne({ _id: "users/u1" });
    const error = await users.insertOne({ _id: "users/u1" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 11000, keyPattern: { _id: 1 }, keyValue: { _id: "users/u1" } });
    expect((error as Error).message).toBe(
      `E11000 duplicate key error collection: ${session.db.databaseName}.${users.collectionName} index: _id_ dup key: { _id: "users/u1" }`,
    );
  });

  it("when insertMany meets a duplicate, then ordered stops there and unordered carries on", async () => {
    const ordered = collection();
    const orderedError = await ordered.insertMany([{ _id: "a" }, { _id: "a" }, { _id: "b" }]).catch((caught: unknown) => caught);
    expect(orderedError).toBeInstanceOf(MongoBulkWriteError);
    expect((orderedError as MongoBulkWriteError).insertedCount).toBe(1);
    expect((orderedError as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(await ordered.countDocuments()).toBe(1);

    const unordered = collection();
    const unorderedError = await unordered.insertMany([{ _id: "a" }, { _id: "a" }, { _id: "b" }], { ordered: false }).catch((caught: unknown) => caught);
    expect((unorderedError as MongoBulkWriteError).insertedCount).toBe(2);
    expect(await unordered.countDocuments()).toBe(2);
  });

  it("when the version guard's replace meets an older, newer or missing version, then it applies, collides or inserts", async () => {
    const users = collection();
    await users.insertOne({ _id: "users/u1", _v: 5, name: "v5" });

    const newer = await users.replaceOne(newerThanStored("users/u1", 7), { _id: "users/u1", _v: 7, name: "v7" }, { upsert: true });
    expect(newer).toMatchObject({ matchedCount: 1, modifiedCount: 1, upsertedCount: 0 });

    // The stored _v is newer: the filter misses, the upsert's insert collides on _id — that is "stale".
    const stale = await users.replaceOne(newerThanStored("users/u1", 6), { _id: "users/u1", _v: 6, name: "v6" }, { upsert: true }).catch((caught: unknown) => caught);
    expect(stale).toMatchObject({ code: 11000, keyValue: { _id: "users/u1" } });
    const equal = await users.replaceOne(newerThanStored("users/u1", 7), { _id: "users/u1", _v: 7, name: "again" }, { upsert: true }).catch((caught: unknown) => caught);
    expect(equal).toMatchObject({ code: 11000 });
    expect(await users.findOne({ _id: "users/u1" })).toEqual({ _id: "users/u1", _v: 7, name: "v7" });

    const fresh = await users.replaceOne(newerThanStored("users/u2", 1), { _id: "users/u2", _v: 1 }, { upsert: true });
    expect(fresh).toMatchObject({ matchedCount: 0, upsertedCount: 1, upsertedId: "users/u2" });
    expect(await users.findOne({ _id: "users/u2" })).toEqual({ _id: "users/u2", _v: 1 });
  });

  it("when a replace's upsert has no _id in the replacement, then it takes the filter's", async () => {
    const users = collection();
    await users.replaceOne({ _id: "users/u3" }, { _v: 1, name: "x" }, { upsert: true });
    expect(await users.findOne({ _id: "users/u3" })).toEqual({ _id: "users/u3", _v: 1, name: "x" });
  });

  it("when an update upserts, then it starts from the filter's equality fields and applies $setOnInsert", async () => {
    const counters = collection();
    await counters.updateOne({ _id: "c1", kind: "daily", n: { $gt: 5 } }, { $inc: { n: 2 }, $setOnInsert: { created: true } }, { upsert: true });
    expect(await counters.findOne({ _id: "c1" })).toEqual({ _id: "c1", kind: "daily", n: 2, created: true });
    await counters.updateOne({ _id: "c1" }, { $inc: { n: 3 }, $setOnInsert: { created: false } }, { upsert: true });
    expect(await counters.findOne({ _id: "c1" })).toEqual({ _id: "c1", kind: "daily", n: 5, created: true });
  });

  it("when update operators run, then $set, $unset, $inc, $max, $min, $push, $addToSet and $pull behave as in MongoDB", async () => {
    interface Operated {
      _id: string;
      a: number;
      b: string;
      hi: number;
      lo: number;
      list: number[];
      set: string[];
      drop?: number;
      deep?: { path: boolean };
    }
    const docs = session.db.collection<Operated>(uniqueName("writes"));
    await docs.insertOne({ _id: "d", a: 1, b: "x", hi: 5, lo: 5, list: [1], set: ["a"], drop: 1 });
    const result = await docs.updateOne(
      { _id: "d" },
      { $set: { "deep.path": true, b: "y" }, $unset: { drop: "" }, $inc: { a: 2 }, $max: { hi: 9 }, $min: { lo: 1 }, $push: { list: 2 }, $addToSet: { set: "a" } },
    );
    expect(result).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
    await docs.updateOne({ _id: "d" }, { $pull: { list: 1 } });
    expect(await docs.findOne({ _id: "d" })).toEqual({ _id: "d", a: 3, b: "y", hi: 9, lo: 1, list: [2], set: ["a"], deep: { path: true } });
  });

  it("when an update uses a pipeline, a positional path or arrayFilters, then the right values change", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "o", a: 2, b: 3, items: [{ sku: "x", qty: 1 }, { sku: "y", qty: 2 }] });
    await docs.updateOne({ _id: "o" }, [{ $set: { total: { $add: ["$a", "$b"] } } }]);
    await docs.updateOne({ _id: "o", "items.sku": "y" }, { $inc: { "items.$.qty": 10 } });
    await docs.updateOne({ _id: "o" }, { $set: { "items.$[item].qty": 0 } }, { arrayFilters: [{ "item.sku": "x" }] });
    expect(await docs.findOne({ _id: "o" })).toEqual({ _id: "o", a: 2, b: 3, items: [{ sku: "x", qty: 0 }, { sku: "y", qty: 12 }], total: 5 });
  });

  it("when a write is unacknowledged (w: 0), then the server applies it without answering", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "w0" }, { writeConcern: { w: 0 } });
    await expect.poll(() => docs.findOne({ _id: "w0" })).toEqual({ _id: "w0" });
  });

  it("when an update changes nothing, then it matches without modifying", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "same", a: 1 });
    expect(await docs.updateOne({ _id: "same" }, { $set: { a: 1 } })).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
    expect(await docs.updateOne({ _id: "missing" }, { $set: { a: 1 } })).toMatchObject({ matchedCount: 0, modifiedCount: 0, upsertedCount: 0 });
  });

  it("when an update would change _id, then it fails with ImmutableField", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "fixed" });
    await expect(docs.updateOne({ _id: "fixed" }, { $set: { _id: "moved" } })).rejects.toMatchObject({ code: 66 });
    await expect(docs.replaceOne({ _id: "fixed" }, { _id: "moved" })).rejects.toMatchObject({ code: 66 });
  });

  it("when updateMany and deleteMany filter with $lt, $lte, $gt, $in, $ne, $and and $or, then exactly the matching documents change", async () => {
    const docs = collection();
    await docs.insertMany(Array.from({ length: 10 }, (_, i) => ({ _id: `d${i}`, n: i, group: i % 2 ? "odd" : "even" })));
    expect(await docs.updateMany({ n: { $lt: 3 } }, { $set: { low: true } })).toMatchObject({ matchedCount: 3, modifiedCount: 3 });
    expect(await docs.countDocuments({ n: { $lte: 2 }, low: true })).toBe(3);
    expect(await docs.countDocuments({ $and: [{ n: { $gt: 2 } }, { group: { $ne: "odd" } }] })).toBe(3);
    expect(await docs.countDocuments({ $or: [{ n: { $in: [1, 2] } }, { group: "even", n: { $gt: 7 } }] })).toBe(3);
    expect(await docs.deleteOne({ group: "odd" })).toMatchObject({ deletedCount: 1 });
    expect(await docs.deleteMany({ group: "odd" })).toMatchObject({ deletedCount: 4 });
    expect(await docs.deleteMany({ n: { $gt: 100 } })).toMatchObject({ deletedCount: 0 });
    expect(await docs.countDocuments()).toBe(5);
  });

  it("when bulkWrite mixes operations and one fails, then ordered stops there and unordered reports each failure by index", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "taken", _v: 5, n: 0 });
    const operations = [
      { insertOne: { document: { _id: "new1", n: 1 } } },
      { insertOne: { document: { _id: "taken", n: 1 } } },
      { updateOne: { filter: { _id: "new1" }, update: { $inc: { n: 10 } } } },
      { replaceOne: { filter: newerThanStored("taken", 1), replacement: { _id: "taken", _v: 1 }, upsert: true } },
      { deleteOne: { filter: { _id: "nobody" } } },
      { updateOne: { filter: { _id: "up" }, update: { $set: { n: 5 } }, upsert: true } },
    ];
    const ordered = await docs.bulkWrite(operations).catch((caught: unknown) => caught);
    expect(ordered).toBeInstanceOf(MongoBulkWriteError);
    expect((ordered as MongoBulkWriteError).writeErrors).toMatchObject([{ index: 1, code: 11000 }]);
    expect(await docs.findOne({ _id: "new1" })).toEqual({ _id: "new1", n: 1 });

    await docs.deleteMany({ _id: { $ne: "taken" } });
    const unordered = (await docs.bulkWrite(operations, { ordered: false }).catch((caught: unknown) => caught)) as MongoBulkWriteError;
    expect(unordered.writeErrors).toMatchObject([
      { index: 1, code: 11000 },
      { index: 3, code: 11000 },
    ]);
    expect(unordered.result).toMatchObject({ insertedCount: 1, matchedCount: 1, modifiedCount: 1, deletedCount: 0, upsertedCount: 1 });
    expect(await docs.find({}, { sort: { _id: 1 } }).toArray()).toEqual([
      { _id: "new1", n: 11 },
      { _id: "taken", _v: 5, n: 0 },
      { _id: "up", n: 5 },
    ]);
  });

  it("when findOneAndUpdate runs, then it returns the document before or after, and upserts", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "f", n: 1 });
    expect(await docs.findOneAndUpdate({ _id: "f" }, { $inc: { n: 1 } })).toEqual({ _id: "f", n: 1 });
    expect(await docs.findOneAndUpdate({ _id: "f" }, { $inc: { n: 1 } }, { returnDocument: "after" })).toEqual({ _id: "f", n: 3 });
    expect(await docs.findOneAndUpdate({ _id: "g" }, { $set: { n: 9 } }, { upsert: true, returnDocument: "after" })).toEqual({ _id: "g", n: 9 });
    expect(await docs.findOneAndUpdate({ _id: "none" }, { $set: { n: 9 } })).toBeNull();
    expect(await docs.findOneAndDelete({ _id: "g" }, { projection: { n: 1, _id: 0 } })).toEqual({ n: 9 });
    expect(await docs.findOneAndReplace({ _id: "f" }, { n: 0 }, { returnDocument: "after" })).toEqual({ _id: "f", n: 0 });
  });
});
