import { describe, expect, it } from "vitest";
import { targets, uniqueName, useTarget, type Loose } from "./testing.ts";

describe.each(targets)("MongoDB reads against the $name", (target) => {
  const session = useTarget(target);
  const collection = () => session.db.collection<Loose>(uniqueName("reads"));
  const seed = async (count: number) => {
    const docs = collection();
    await docs.insertMany(Array.from({ length: count }, (_, n) => ({ _id: `d${String(n).padStart(4, "0")}`, n, group: n % 3 === 0 ? "fizz" : "other" })));
    return docs;
  };

  it("when 1,000 documents are inserted one by one and in one insertMany, then both land", async () => {
    const single = collection();
    let started = performance.now();
    for (let n = 0; n < 1_000; n++) await single.insertOne({ _id: `s${n}`, n, group: "x" });
    const oneByOneMs = performance.now() - started;
    started = performance.now();
    const many = await seed(1_000);
    const insertManyMs = performance.now() - started;
    console.info(`${target.name}: 1,000 insertOne ${oneByOneMs.toFixed(0)} ms; insertMany of 1,000 ${insertManyMs.toFixed(0)} ms`);
    expect(await single.countDocuments()).toBe(1_000);
    expect(await many.estimatedDocumentCount()).toBe(1_000);
  });

  it("when 1,000 documents are scanned with batchSize 100, then the cursor pages through getMore and returns each once", async () => {
    const docs = await seed(1_000);
    const before = session.sent.length;
    const started = performance.now();
    const seen = await docs.find({}, { batchSize: 100, sort: { _id: 1 } }).toArray();
    console.info(`${target.name}: scan of 1,000 documents in batches of 100 ${(performance.now() - started).toFixed(0)} ms`);
    expect(seen.map((doc) => doc.n)).toEqual(Array.from({ length: 1_000 }, (_, n) => n));
    const sent = session.sent.slice(before).map((event) => event.commandName);
    expect(sent.filter((name) => name === "find")).toHaveLength(1);
    // A real server may need one empty getMore to notice the end of an exact multiple of the batch size.
    expect(sent.filter((name) => name === "getMore").length).toBeGreaterThanOrEqual(9);
    expect(sent.filter((name) => name === "getMore").length).toBeLessThanOrEqual(10);
  });

  it("when a cursor is closed early, then killCursors ends it on the server", async () => {
    const docs = await seed(50);
    const cursor = docs.find({}, { batchSize: 10 });
    expect(await cursor.next()).toMatchObject({ n: 0 });
    const before = session.sent.length;
    await cursor.close();
    expect(session.sent.slice(before).map((event) => event.commandName)).toEqual(["killCursors"]);
  });

  it("when find sorts, skips, limits and projects, then it returns that page and only those fields", async () => {
    const docs = await seed(30);
    const page = await docs.find({ group: "other" }, { sort: { n: -1 }, skip: 2, limit: 3, projection: { n: 1, _id: 0 } }).toArray();
    expect(page).toEqual([{ n: 26 }, { n: 25 }, { n: 23 }]);
    const excluded = await docs.findOne({ _id: "d0003" }, { projection: { group: 0 } });
    expect(excluded).toEqual({ _id: "d0003", n: 3 });
    const byTwoKeys = await docs.find({ n: { $lt: 6 } }, { sort: { group: 1, n: -1 } }).toArray();
    expect(byTwoKeys.map((doc) => doc.n)).toEqual([3, 0, 5, 4, 2, 1]);
  });

  it("when a filter tests existence or null, then missing fields match as in MongoDB", async () => {
    const docs = collection();
    await docs.insertMany([
      { _id: "a", n: 1, group: "g", label: "x" },
      { _id: "b", n: 2, group: "g" },
      { _id: "c", n: 3, group: "g", label: null },
    ]);
    expect((await docs.find({ label: { $exists: true } }).toArray()).map((doc) => doc._id)).toEqual(["a", "c"]);
    expect((await docs.find({ label: null }).toArray()).map((doc) => doc._id)).toEqual(["b", "c"]);
    expect((await docs.find({ label: { $ne: null } }).toArray()).map((doc) => doc._id)).toEqual(["a"]);
  });

  it("when countDocuments and estimatedDocumentCount run, then they count matches and the whole collection", async () => {
    const docs = await seed(25);
    expect(await docs.countDocuments({ group: "fizz" })).toBe(9);
    expect(await docs.countDocuments({ group: "fizz" }, { skip: 2, limit: 5 })).toBe(5);
    expect(await docs.countDocuments({ group: "none" })).toBe(0);
    expect(await docs.estimatedDocumentCount()).toBe(25);
    expect(await session.db.collection(uniqueName("missing")).estimatedDocumentCount()).toBe(0);
  });

  it("when aggregate uses $match, $sort, $limit, $project, $group and $count, then each stage applies", async () => {
    const docs = await seed(20);
    const top = await docs.aggregate([{ $match: { group: "other" } }, { $sort: { n: -1 } }, { $limit: 2 }, { $project: { _id: 0, n: 1, twice: { $multiply: ["$n", 2] } } }]).toArray();
    expect(top).toEqual([{ n: 19, twice: 38 }, { n: 17, twice: 34 }]);
    const groups = await docs.aggregate([{ $group: { _id: "$group", total: { $sum: "$n" }, count: { $sum: 1 } } }, { $sort: { _id: 1 } }]).toArray();
    expect(groups).toEqual([
      { _id: "fizz", total: 0 + 3 + 6 + 9 + 12 + 15 + 18, count: 7 },
      { _id: "other", total: 190 - 63, count: 13 },
    ]);
    expect(await docs.aggregate([{ $match: { n: { $gte: 10 } } }, { $count: "big" }]).toArray()).toEqual([{ big: 10 }]);
  });

  it("when distinct runs, then each value comes back once", async () => {
    const docs = await seed(10);
    expect((await docs.distinct("group")).sort()).toEqual(["fizz", "other"]);
    expect(await docs.distinct("n", { n: { $gt: 7 } })).toEqual([8, 9]);
  });
});
