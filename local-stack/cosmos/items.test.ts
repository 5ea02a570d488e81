import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CosmosClient, ItemDefinition } from "@azure/cosmos";
import { startCosmos } from "./index.ts";
import type { LocalCosmos } from "./index.ts";
import { client, freshContainer, statusOf } from "./test-harness.ts";

interface Progress extends ItemDefinition {
  student_id: string;
  lessons: number;
}

describe("items through a plain CosmosClient", () => {
  let cosmos: LocalCosmos;
  let sdk: CosmosClient;
  beforeAll(async () => {
    cosmos = await startCosmos();
    sdk = client(cosmos);
  });
  afterAll(async () => {
    sdk?.dispose();
    await cosmos?.stop();
  });

  it("when the client discovers endpoints, then the account names the stand-in's own http endpoint", async () => {
    const { resource } = await sdk.getDatabaseAccount();
    expect(resource?.writableLocations).toEqual([{ name: "Local", databaseAccountEndpoint: `${cosmos.endpoint}/` }]);
    expect(resource?.readableLocations).toEqual(resource?.writableLocations);
    expect(await sdk.getWriteEndpoint()).toBe(`${cosmos.endpoint}/`);
  });

  it("when a database and container are created if not existing, twice, then the second call finds them", async () => {
    const first = await sdk.databases.createIfNotExists({ id: "learnpulse-twice" });
    const again = await sdk.databases.createIfNotExists({ id: "learnpulse-twice" });
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    const spec = { id: "progress", partitionKey: { paths: ["/student_id"] } };
    const c1 = await first.database.containers.createIfNotExists(spec);
    const c2 = await first.database.containers.createIfNotExists(spec);
    expect([c1.statusCode, c2.statusCode]).toEqual([201, 200]);
    expect(c2.resource?.partitionKey?.paths).toEqual(["/student_id"]);
  });

  it("when an item is created twice, then the second create is a 409 conflict", async () => {
    const container = await freshContainer(sdk);
    const created = await container.items.create<Progress>({ id: "p1", student_id: "s1", lessons: 1 });
    expect(created.statusCode).toBe(201);
    expect(created.resource).toMatchObject({ id: "p1", student_id: "s1", lessons: 1 });
    expect(await statusOf(container.items.create({ id: "p1", student_id: "s1", lessons: 2 }))).toBe(409);
  });

  it("when the same id is created in two partitions, then both exist apart", async () => {
    const container = await freshContainer(sdk);
    await container.items.create({ id: "p1", student_id: "s1", lessons: 1 });
    await container.items.create({ id: "p1", student_id: "s2", lessons: 2 });
    expect((await container.item("p1", "s1").read<Progress>()).resource?.lessons).toBe(1);
    expect((await container.item("p1", "s2").read<Progress>()).resource?.lessons).toBe(2);
  });

  it("when a missing item, or an item under the wrong partition key, is read, then the result is a 404 without resource", async () => {
    const container = await freshContainer(sdk);
    await container.items.create({ id: "p1", student_id: "s1", lessons: 1 });
    for (const [id, pk] of [["nope", "s1"], ["p1", "s2"]] as const) {
      const read = await container.item(id, pk).read();
      expect(read.statusCode).toBe(404);
      expect(read.resource).toBeUndefined();
    }
  });

  it("when an item is written, then it carries _etag and _ts and every write changes _etag", async () => {
    const container = await freshContainer(sdk);
    const created = (await container.items.create<Progress>({ id: "p1", student_id: "s1", lessons: 1 })).resource!;
    expect(typeof created._etag).toBe("string");
    expect(created._ts).toBeCloseTo(Date.now() / 1000, -1);
    const upserted = (await container.items.upsert<Progress>({ ...created, lessons: 2 })).resource!;
    const replaced = (await container.item("p1", "s1").replace<Progress>({ ...upserted, lessons: 3 })).resource!;
    const patched = (await container.item("p1", "s1").patch<Progress>([{ op: "incr", path: "/lessons", value: 1 }])).resource!;
    const read = (await container.item("p1", "s1").read<Progress>()).resource!;
    const etags = [created._etag, upserted._etag, replaced._etag, patched._etag];
    expect(new Set(etags).size).toBe(4);
    expect(read).toMatchObject({ lessons: 4, _etag: patched._etag });
    expect(read._ts).toEqual(expect.any(Number));
  });

  it("when an upsert meets a missing item, then it creates (201), and an existing one, then it replaces (200)", async () => {
    const container = await freshContainer(sdk);
    const first = await container.items.upsert({ id: "p1", student_id: "s1", lessons: 1 });
    const second = await container.items.upsert({ id: "p1", student_id: "s1", lessons: 2 });
    expect([first.statusCode, second.statusCode]).toEqual([201, 200]);
    expect((await container.item("p1", "s1").read<Progress>()).resource?.lessons).toBe(2);
  });

  it("when a replace carries a stale etag, then it fails 412 and the item keeps the newer write", async () => {
    const container = await freshContainer(sdk);
    const v1 = (await container.items.create<Progress>({ id: "p1", student_id: "s1", lessons: 1 })).resource!;
    const item = container.item("p1", "s1");
    const v2 = (await item.replace<Progress>({ ...v1, lessons: 2 }, { accessCondition: { type: "IfMatch", condition: v1._etag! } })).resource!;
    expect(v2.lessons).toBe(2);
    const stale = item.replace({ ...v1, lessons: 9 }, { accessCondition: { type: "IfMatch", condition: v1._etag! } });
    expect(await statusOf(stale)).toBe(412);
    expect((await item.read<Progress>()).resource).toMatchObject({ lessons: 2, _etag: v2._etag });
  });

  it("when an upsert or delete carries a stale etag, then it fails 412; with the current one it succeeds", async () => {
    const container = await freshContainer(sdk);
    const v1 = (await container.items.create<Progress>({ id: "p1", student_id: "s1", lessons: 1 })).resource!;
    const v2 = (await container.items.upsert<Progress>({ ...v1, lessons: 2 })).resource!;
    const ifMatch = (etag: string) => ({ accessCondition: { type: "IfMatch", condition: etag } });
    expect(await statusOf(container.items.upsert({ ...v1, lessons: 9 }, ifMatch(v1._etag!)))).toBe(412);
    expect(await statusOf(container.item("p1", "s1").delete(ifMatch(v1._etag!)))).toBe(412);
    const v3 = (await container.items.upsert<Progress>({ ...v2, lessons: 3 }, ifMatch(v2._etag!))).resource!;
    expect((await container.item("p1", "s1").delete(ifMatch(v3._etag!))).statusCode).toBe(204);
  });

  it("when an item is deleted, then reading it is a 404 and deleting it again is a 404", async () => {
    const container = await freshContainer(sdk);
    await container.items.create({ id: "p1", student_id: "s1", lessons: 1 });
    expect((await container.item("p1", "s1").delete()).statusCode).toBe(204);
    expect((await container.item("p1", "s1").read()).statusCode).toBe(404);
    expect(await statusOf(container.item("p1", "s1").delete())).toBe(404);
  });

  it("when a stale write fails, then the replace of a missing item is a 404", async () => {
    const container = await freshContainer(sdk);
    expect(await statusOf(container.item("gone", "s1").replace({ id: "gone", student_id: "s1" }))).toBe(404);
  });

  it("when items are written and read, then stats count each write and read once", async () => {
    const container = await freshContainer(sdk);
    cosmos.resetStats();
    await container.items.create({ id: "p1", student_id: "s1", lessons: 1 });
    await container.items.upsert({ id: "p1", student_id: "s1", lessons: 2 });
    await container.item("p1", "s1").replace({ id: "p1", student_id: "s1", lessons: 3 });
    await container.item("p1", "s1").patch([{ op: "incr", path: "/lessons", value: 1 }]);
    await container.item("p1", "s1").read();
    await container.item("p1", "s1").delete();
    await statusOf(container.items.create({ id: "p2", student_id: "s1", lessons: 1 }));
    await statusOf(container.items.create({ id: "p2", student_id: "s1", lessons: 1 })); // 409: still a write request
    const stats = cosmos.stats();
    expect(stats).toMatchObject({ writes: 7, reads: 1 });
    expect(stats.requests).toBeGreaterThanOrEqual(8);
  });

  it("when bulk operations run, then each write operation counts as a write", async () => {
    const container = await freshContainer(sdk);
    cosmos.resetStats();
    const results = await container.items.executeBulkOperations([
      { operationType: "Create", partitionKey: "s1", resourceBody: { id: "b1", student_id: "s1" } },
      { operationType: "Upsert", partitionKey: "s1", resourceBody: { id: "b2", student_id: "s1" } },
      { operationType: "Read", id: "b1", partitionKey: "s1" },
    ]);
    expect(results.map((r) => r.response?.statusCode)).toEqual([201, 201, 200]);
    expect(cosmos.stats()).toMatchObject({ writes: 2, reads: 1 });
  });

  it("when the stand-in is cleared, then every database is gone", async () => {
    await sdk.databases.createIfNotExists({ id: "to-clear" });
    await cosmos.clear();
    const { resources } = await sdk.databases.readAll().fetchAll();
    expect(resources).toEqual([]);
  });
});
