/** Fault injection, stats and clear: the stand-in's own controls, so these run against the stand-in only. */
import { MongoClient, MongoServerError } from "mongodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startMongo, type LocalMongo } from "./index.ts";

/** Small timeouts so a fault shows within a test. */
const FAST = { serverSelectionTimeoutMS: 600, socketTimeoutMS: 400, connectTimeoutMS: 400 } as const;

describe("MongoDB stand-in controls", () => {
  let mongo: LocalMongo;
  let client: MongoClient;

  beforeEach(async () => {
    mongo = await startMongo();
    client = new MongoClient(mongo.uri, FAST);
    await client.connect();
  });
  afterEach(async () => {
    mongo.fault(false);
    await client.close(true);
    await mongo.stop();
  });

  it("when started, then the URI points at a loopback port for a direct connection", () => {
    expect(mongo.uri).toBe(`mongodb://127.0.0.1:${mongo.port}/?directConnection=true`);
    expect(mongo.port).toBeGreaterThan(0);
    // The driver's first hello on each connection is the legacy OP_QUERY isMaster.
    expect(mongo.stats().commands.ismaster).toBeGreaterThanOrEqual(1);
  });

  it("when connections are refused, then an operation and a new client reject; after the fault they work again", async () => {
    const docs = client.db("faults").collection("docs");
    await docs.insertOne({ _id: "before" } as never);
    mongo.fault("refuse");
    await expect(docs.findOne({})).rejects.toThrow();
    const fresh = new MongoClient(mongo.uri, FAST);
    await expect(fresh.connect()).rejects.toThrow(/Server selection timed out|ECONNRESET|closed/);
    await fresh.close(true);
    mongo.fault(false);
    expect(await docs.findOne({ _id: "before" } as never)).toEqual({ _id: "before" });
  });

  it("when the server stops answering, then the driver times out", async () => {
    const docs = client.db("faults").collection("docs");
    mongo.fault("timeout");
    const started = Date.now();
    await expect(docs.insertOne({ _id: "lost" } as never)).rejects.toThrow(/timed out|Timeout/i);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("when every command errors, then the driver rejects with a transient ShutdownInProgress error", async () => {
    const docs = client.db("faults").collection("docs");
    mongo.fault("error");
    const error = await docs.insertOne({ _id: "x" } as never).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MongoServerError);
    expect(error).toMatchObject({ code: 91, codeName: "ShutdownInProgress" });
    await expect(docs.findOne({})).rejects.toMatchObject({ code: 91 });
    mongo.fault(false);
    await expect(docs.insertOne({ _id: "x" } as never)).resolves.toMatchObject({ insertedId: "x" });
  });

  it("when documents are written, then stats count commands by name and documents written", async () => {
    const docs = client.db("stats").collection<{ _id: string; n: number }>("docs");
    mongo.resetStats();
    await docs.insertMany([
      { _id: "a", n: 1 },
      { _id: "b", n: 2 },
      { _id: "c", n: 3 },
    ]);
    await docs.updateMany({ n: { $gte: 2 } }, { $inc: { n: 1 } });
    await docs.updateOne({ _id: "a" }, { $set: { n: 1 } }); // matches, changes nothing
    await docs.replaceOne({ _id: "d" }, { n: 4 }, { upsert: true });
    await docs.deleteOne({ _id: "a" });
    await docs.findOne({ _id: "b" });
    const stats = mongo.stats();
    expect(stats.writes).toBe(3 + 2 + 1 + 1);
    expect(stats.commands).toMatchObject({ insert: 1, update: 3, delete: 1, find: 1 });
    mongo.resetStats();
    expect(mongo.stats()).toEqual({ commands: {}, writes: 0 });
  });

  it("when cleared, then every database is gone", async () => {
    await client.db("one").collection("docs").insertOne({ _id: "x" } as never);
    await mongo.clear();
    expect(await client.db("one").collection("docs").countDocuments()).toBe(0);
    const { databases } = await client.db("admin").admin().listDatabases();
    expect(databases).toEqual([]);
  });
});
