/**
 * Request units as Cosmos charges and enforces them, seen through a plain CosmosClient: each answer carries its
 * charge by the published rule (chargeOf), and a container past its RU/s budget answers 429 with the wait, which
 * the client honours; the throughput a budget allows is what the charges predict.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Container, CosmosClient } from "@azure/cosmos";
import { startCosmos, type LocalCosmos } from "./index.ts";
import { client, freshContainer } from "./test-harness.ts";

describe("the RU/s budget of a container", () => {
  let cosmos: LocalCosmos;
  let sdk: CosmosClient;
  let container: Container;
  beforeAll(async () => {
    cosmos = await startCosmos({ ruPerSecond: 200 });
    sdk = client(cosmos);
    container = await freshContainer(sdk);
  });
  afterAll(async () => {
    sdk?.dispose();
    await cosmos?.stop();
  });

  it("when items are written and read, then each answer's charge follows the size rule: 5.5 RU per KB created, twice that replaced, 1 per KB read", async () => {
    const small = { id: "c1", student_id: "s1", note: "x" };
    const big = { id: "c2", student_id: "s1", note: "x".repeat(2_500) }; // 3 KB with its system fields
    expect((await container.items.create(small)).requestCharge).toBe(5.5);
    expect((await container.items.create(big)).requestCharge).toBe(16.5);
    expect((await container.item("c1", "s1").replace({ ...small, note: "y" })).requestCharge).toBe(11);
    expect((await container.items.upsert({ ...small, note: "z" })).requestCharge).toBe(11);
    expect((await container.item("c1", "s1").read()).requestCharge).toBe(1);
    expect((await container.item("c2", "s1").read()).requestCharge).toBe(3);
  });

  it("when writes outrun 200 RU/s, then some are answered 429, the client waits as told, and 100 creates of 5.5 RU take at least the time the budget allows", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // a full bucket
    cosmos.resetStats();
    const started = Date.now();
    // Ten writers at once wake together after each wait: more retries than the client's default 9 (test client only).
    const patient = client(cosmos, { connectionPolicy: { retryOptions: { maxRetryAttemptCount: 100, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 60 } } });
    const target = patient.database(container.database.id).container(container.id);
    for (let start = 0; start < 100; start += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => target.items.create({ id: `b${start + i}`, student_id: "s2" })));
    }
    patient.dispose();
    const seconds = (Date.now() - started) / 1000;
    const stats = cosmos.stats();
    expect(stats.writes).toBe(100);
    // The creates' 550 RU, and 1 RU for each metadata read the new client made.
    expect(stats.requestUnits - 550).toBe(stats.requests - stats.throttled - stats.writes);
    expect(stats.throttled).toBeGreaterThan(0);
    // 550 RU, less the second's worth the bucket starts with and what the last ten may overspend (charges are taken
    // after a request, as Cosmos takes them), at 200 RU/s.
    expect(seconds).toBeGreaterThan((550 - 200 - 10 * 5.5) / 200);
  });
});
