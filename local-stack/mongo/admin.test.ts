import { MongoServerError } from "mongodb";
import { describe, expect, it } from "vitest";
import { targets, uniqueName, useTarget } from "./testing.ts";

describe.each(targets)("MongoDB administration against the $name", (target) => {
  const session = useTarget(target);

  it("when the driver connects, then ping, hello and buildInfo answer as a standalone of a supported version", async () => {
    const admin = session.client.db("admin");
    expect(await admin.command({ ping: 1 })).toMatchObject({ ok: 1 });
    const hello = await admin.command({ hello: 1 });
    expect(hello).toMatchObject({ isWritablePrimary: true, ok: 1 });
    expect(hello.setName).toBeUndefined();
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
    const info = await admin.command({ buildInfo: 1 });
    expect(Number(String(info.version).split(".")[0])).toBeGreaterThanOrEqual(4);
  });

  it("when a command does not exist, then it fails with CommandNotFound", async () => {
    const error = await session.db.command({ noSuchCommand: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 59, codeName: "CommandNotFound" });
  });

  it("when a unique index exists, then a second document with the same value fails E11000 until it is dropped", async () => {
    const users = session.db.collection<{ _id: string; email?: string }>(uniqueName("indexes"));
    expect(await users.createIndex({ email: 1 }, { unique: true })).toBe("email_1");
    expect(await users.createIndexes([{ key: { email: 1 }, unique: true, name: "email_1" }])).toEqual(["email_1"]);
    await users.insertOne({ _id: "a", email: "a@example.com" });
    const error = await users.insertOne({ _id: "b", email: "a@example.com" }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: "a@example.com" } });
    expect((error as Error).message).toContain('index: email_1 dup key: { email: "a@example.com" }');
    await expect(users.updateOne({ _id: "a" }, { $set: { email: "b@example.com" } })).resolves.toMatchObject({ modifiedCount: 1 });
    await users.insertOne({ _id: "b", email: "a@example.com" });

    const indexes = await users.listIndexes().toArray();
    expect(indexes.map((index) => [index.name, index.key, index.unique ?? false])).toEqual([
      ["_id_", { _id: 1 }, false],
      ["email_1", { email: 1 }, true],
    ]);
    await users.dropIndex("email_1");
    await users.insertOne({ _id: "c", email: "a@example.com" });
    expect((await users.listIndexes().toArray()).map((index) => index.name)).toEqual(["_id_"]);
  });

  it("when a unique index is created over duplicates, then it fails E11000", async () => {
    const docs = session.db.collection(uniqueName("indexes"));
    await docs.insertMany([{ k: 1 }, { k: 1 }]);
    await expect(docs.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
  });

  it("when collections are created and dropped, then listCollections follows", async () => {
    const db = session.client.db(uniqueName("standin_test_admin"));
    try {
      await db.collection("one").insertOne({ _id: 1 } as never);
      await db.createCollection("two");
      expect((await db.listCollections().toArray()).map((info) => info.name).sort()).toEqual(["one", "two"]);
      expect(await db.listCollections({ name: "one" }, { nameOnly: true }).toArray()).toEqual([{ name: "one", type: "collection" }]);
      await expect(db.createCollection("two")).rejects.toMatchObject({ code: 48 });
      expect(await db.collection("one").drop()).toBe(true);
      expect((await db.listCollections().toArray()).map((info) => info.name)).toEqual(["two"]);
      await expect(db.collection("one").listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
      expect(await db.dropDatabase()).toBe(true);
      expect(await db.listCollections().toArray()).toEqual([]);
    } finally {
      await db.dropDatabase();
    }
  });
});
