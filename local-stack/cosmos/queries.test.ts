import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container, CosmosClient } from "@azure/cosmos";
import { startCosmos } from "./index.ts";
import type { LocalCosmos } from "./index.ts";
import { client, freshContainer, statusOf } from "./test-harness.ts";

const ids = (items: { id?: string }[]) => items.map((item) => item.id);
const pad = (n: number) => String(n).padStart(3, "0");

describe("queries through a plain CosmosClient", () => {
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

  /** Two students with the same lesson ids, so only the partition key tells their items apart. */
  async function twoStudents(): Promise<Container> {
    const container = await freshContainer(sdk);
    for (const student of ["s1", "s2"]) {
      for (const lesson of ["l1", "l2"]) {
        await container.items.create({ id: `${student}-${lesson}`, student_id: student, lesson, done: true });
      }
    }
    await container.items.create({ id: "s2-l3", student_id: "s2", lesson: "l3", done: false });
    return container;
  }

  it("when a parameterised query names its student, then it returns that student's items", async () => {
    const container = await twoStudents();
    const { resources } = await container.items
      .query({ query: "SELECT * FROM c WHERE c.student_id = @s", parameters: [{ name: "@s", value: "s2" }] }, { partitionKey: "s2" })
      .fetchAll();
    expect(ids(resources).sort()).toEqual(["s2-l1", "s2-l2", "s2-l3"]);
  });

  it("when a query's filter matches other partitions too, then the partition key option still scopes it", async () => {
    const container = await twoStudents();
    const query = { query: "SELECT * FROM c WHERE c.done = @done", parameters: [{ name: "@done", value: true }] };
    const scoped = await container.items.query(query, { partitionKey: "s1" }).fetchAll();
    const everywhere = await container.items.query(query).fetchAll();
    expect(ids(scoped.resources).sort()).toEqual(["s1-l1", "s1-l2"]);
    expect(ids(everywhere.resources).sort()).toEqual(["s1-l1", "s1-l2", "s2-l1", "s2-l2"]);
  });

  it("when readAll is given a partition key, then it returns only that partition's items", async () => {
    const container = await twoStudents();
    const scoped = await container.items.readAll({ partitionKey: "s1" }).fetchAll();
    const all = await container.items.readAll().fetchAll();
    expect(ids(scoped.resources).sort()).toEqual(["s1-l1", "s1-l2"]);
    expect(all.resources).toHaveLength(5);
  });

  it("when the REST read feed (GET .../docs) names a partition, then it returns only that partition's items", async () => {
    const container = await twoStudents();
    const url = `${cosmos.endpoint}/dbs/${container.database.id}/colls/${container.id}/docs`;
    const feed = async (headers: Record<string, string>) => ((await (await fetch(url, { headers })).json()) as { Documents: { id: string }[] }).Documents;
    expect(ids(await feed({ "x-ms-documentdb-partitionkey": '["s1"]' })).sort()).toEqual(["s1-l1", "s1-l2"]);
    expect(await feed({})).toHaveLength(5);
  });

  it("when COUNT runs across partitions and in one, then each counts its own items", async () => {
    const container = await twoStudents();
    const total = await container.items.query<number>("SELECT VALUE COUNT(1) FROM c").fetchAll();
    const inS1 = await container.items.query<number>("SELECT VALUE COUNT(1) FROM c", { partitionKey: "s1" }).fetchAll();
    expect(total.resources).toEqual([5]);
    expect(inS1.resources).toEqual([2]);
  });

  it("when a query has a syntax error, then the client rejects with 400", async () => {
    const container = await twoStudents();
    expect(await statusOf(container.items.query("SELECT * FROM c WHERE").fetchAll())).toBe(400);
  });

  describe("paging over 250 items", () => {
    let container: Container;
    const expected = Array.from({ length: 250 }, (_, i) => `item-${pad(i)}`);
    beforeAll(async () => {
      container = await freshContainer(sdk);
      // written out of order, across five students, so ORDER BY has work to do
      const shuffled = [...expected].sort((a, b) => (a.split("").reverse().join("") < b.split("").reverse().join("") ? -1 : 1));
      await Promise.all(shuffled.map((id, i) => container.items.create({ id, student_id: `s${i % 5}` })));
    });

    it("when pages of 100 are fetched with fetchNext, then they come in id order, complete and without repeats", async () => {
      const iterator = container.items.query("SELECT * FROM c ORDER BY c.id", { maxItemCount: 100 });
      const pages: string[][] = [];
      while (iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        if (page.resources.length) pages.push(ids(page.resources) as string[]);
      }
      expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
      expect(pages.flat()).toEqual(expected);
    });

    it("when a new query resumes from a page's continuationToken, then it carries on where that page stopped", async () => {
      const query = "SELECT * FROM c ORDER BY c.id";
      const first = await container.items.query(query, { maxItemCount: 80 }).fetchNext();
      expect(first.continuationToken).toEqual(expect.any(String));
      const seen = ids(first.resources) as string[];
      let token = first.continuationToken;
      while (token) {
        const page = await container.items.query(query, { maxItemCount: 80, continuationToken: token }).fetchNext();
        seen.push(...(ids(page.resources) as string[]));
        token = page.continuationToken;
      }
      expect(seen).toEqual(expected);
    });

    it("when a partition-scoped query pages, then it pages through that partition only", async () => {
      const iterator = container.items.query("SELECT * FROM c ORDER BY c.id", { partitionKey: "s3", maxItemCount: 20 });
      const seen: string[] = [];
      let pages = 0;
      while (iterator.hasMoreResults()) {
        const page = await iterator.fetchNext();
        seen.push(...(ids(page.resources) as string[]));
        pages += page.resources.length ? 1 : 0;
      }
      expect(seen).toHaveLength(50);
      expect(pages).toBe(3);
      expect(seen).toEqual([...seen].sort());
      const owners = await container.items
        .query<string>({ query: "SELECT VALUE c.student_id FROM c WHERE ARRAY_CONTAINS(@ids, c.id)", parameters: [{ name: "@ids", value: seen }] })
        .fetchAll();
      expect(new Set(owners.resources)).toEqual(new Set(["s3"]));
    });

    it("when TOP and ORDER BY DESC are combined, then the last ids come first", async () => {
      const { resources } = await container.items.query("SELECT TOP 3 c.id FROM c ORDER BY c.id DESC").fetchAll();
      expect(ids(resources)).toEqual(expected.slice(-3).reverse());
    });
  });
});
