import { Binary, Decimal128, Double, Int32, Long, ObjectId } from "mongodb";
import { describe, expect, it } from "vitest";
import { targets, uniqueName, useTarget, type Loose } from "./testing.ts";

/** Reading with promoteValues off shows each number's BSON type, as stored. */
const RAW_TYPES = { promoteValues: false } as const;

describe.each(targets)("BSON types against the $name", (target) => {
  const session = useTarget(target);
  const collection = () => session.db.collection<Loose>(uniqueName("types"));

  it("when every common BSON type is written, then it reads back with the same type and value", async () => {
    const docs = collection();
    const id = new ObjectId();
    const written = {
      _id: id,
      date: new Date("2024-05-06T07:08:09.123Z"),
      int: new Int32(7),
      double: new Double(5),
      fraction: 0.25,
      long: Long.fromString("9007199254740993"), // 2^53 + 1: not representable as a JS number
      decimal: Decimal128.fromString("12.345"),
      nested: { deeper: { list: [1, "two", { three: 3 }], empty: {} } },
      emptyList: [],
      nothing: null,
      yes: true,
      bytes: new Binary(Buffer.from("hello")),
      ref: new ObjectId(),
    };
    await docs.insertOne(written);
    const raw = await docs.findOne({ _id: id }, RAW_TYPES);
    expect(raw?.int).toEqual(new Int32(7));
    expect(raw?.double).toEqual(new Double(5));
    expect(raw?.fraction).toEqual(new Double(0.25));
    expect(raw?.long).toEqual(Long.fromString("9007199254740993"));
    expect(raw?.decimal.toString()).toBe("12.345");
    const promoted = await docs.findOne({ _id: id }, { promoteLongs: false });
    expect(promoted).toEqual({ ...written, int: 7, double: 5, bytes: expect.anything() });
    expect(Buffer.from((promoted?.bytes as Binary).buffer).toString()).toBe("hello");
  });

  it("when an update touches other fields, then untouched numbers keep their type and exact value", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "t", long: Long.fromString("9007199254740993"), double: new Double(2), n: 1 });
    await docs.updateOne({ _id: "t" }, { $inc: { n: 1 }, $set: { when: new Date(0) } });
    const raw = await docs.findOne({ _id: "t" }, RAW_TYPES);
    expect(raw).toEqual({ _id: "t", long: Long.fromString("9007199254740993"), double: new Double(2), n: new Int32(2), when: new Date(0) });
  });

  it("when arithmetic mixes types, then the result takes MongoDB's type (long with int stays long, int with double is double)", async () => {
    const docs = collection();
    await docs.insertOne({ _id: "m", long: Long.fromNumber(10), int: 10, big: 2_147_483_647, max: 1 });
    await docs.updateOne({ _id: "m" }, { $inc: { long: 5, int: 0.5, big: 1, fresh: Long.fromNumber(3) }, $max: { max: new Double(4) } });
    const raw = await docs.findOne({ _id: "m" }, RAW_TYPES);
    expect(raw).toEqual({
      _id: "m",
      long: Long.fromNumber(15),
      int: new Double(10.5),
      big: Long.fromNumber(2_147_483_648), // int32 overflow becomes a long
      max: new Double(4),
      fresh: Long.fromNumber(3),
    });
  });

  it("when filters compare across number types and dates, then values compare by value", async () => {
    const docs = collection();
    await docs.insertMany([
      { _id: "int", v: 1, at: new Date(1_000) },
      { _id: "long", v: Long.fromNumber(2), at: new Date(2_000) },
      { _id: "double", v: 2.5, at: new Date(3_000) },
    ]);
    expect((await docs.find({ v: { $gte: new Double(2) } }).toArray()).map((doc) => doc._id)).toEqual(["long", "double"]);
    expect((await docs.find({ v: Long.fromNumber(1) }).toArray()).map((doc) => doc._id)).toEqual(["int"]);
    expect((await docs.find({ at: { $lt: new Date(2_500) } }, { sort: { at: -1 } }).toArray()).map((doc) => doc._id)).toEqual(["long", "int"]);
  });

  it("when _id values are equal numbers of different types, then they collide", async () => {
    const docs = collection();
    await docs.insertOne({ _id: 1 });
    await expect(docs.insertOne({ _id: Long.fromNumber(1) })).rejects.toMatchObject({ code: 11000 });
  });
});
