import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Container, CosmosClient } from "@azure/cosmos";
import { startCosmos } from "./index.ts";
import type { LocalCosmos } from "./index.ts";
import { client, freshContainer } from "./test-harness.ts";

/** The rejection of a call, or a failure if it resolved. */
async function rejection(call: Promise<unknown>): Promise<{ code?: unknown; name?: string; message?: string }> {
  try {
    await call;
  } catch (error) {
    return error as { code?: unknown; name?: string };
  }
  throw new Error("expected the call to reject");
}

describe("fault injection, seen through a plain CosmosClient", () => {
  let cosmos: LocalCosmos;
  let sdk: CosmosClient;
  let container: Container;
  beforeAll(async () => {
    cosmos = await startCosmos();
    sdk = client(cosmos);
    container = await freshContainer(sdk);
    await container.items.upsert({ id: "p1", student_id: "s1", lessons: 1 });
  });
  afterEach(() => cosmos.fault(false));
  afterAll(async () => {
    sdk?.dispose();
    await cosmos?.stop();
  });

  it("when the service errors, then reads and writes reject with 503, and work again once it recovers", async () => {
    cosmos.fault("error");
    expect((await rejection(container.item("p1", "s1").read())).code).toBe(503);
    expect((await rejection(container.items.upsert({ id: "p1", student_id: "s1", lessons: 2 }))).code).toBe(503);
    cosmos.fault(false);
    expect((await container.item("p1", "s1").read()).statusCode).toBe(200);
  });

  it("when connections are refused, then a write rejects at once with ECONNRESET (the client retries only reads)", async () => {
    cosmos.fault("refuse");
    cosmos.resetStats();
    const error = await rejection(container.items.upsert({ id: "p1", student_id: "s1", lessons: 2 }));
    expect(error.code).toBe("ECONNRESET");
    expect(cosmos.stats().requests).toBe(1);
  });

  it("when connections are refused for a moment, then the client's read retries (1 s apart) absorb it", async () => {
    cosmos.fault("refuse");
    setTimeout(() => cosmos.fault(false), 1_500);
    cosmos.resetStats();
    expect((await container.item("p1", "s1").read()).statusCode).toBe(200);
    expect(cosmos.stats().requests).toBeGreaterThan(1);
  });

  it("when requests hang, then a write rejects with the client's TimeoutError after its requestTimeout", async () => {
    const impatient = client(cosmos, { connectionPolicy: { requestTimeout: 300 } }); // test client only
    const slow = impatient.database(container.database.id).container(container.id);
    // discover endpoints and the container's partition key first: timed-out metadata reads are retried too
    await slow.items.upsert({ id: "p1", student_id: "s1", lessons: 2 });
    cosmos.fault("timeout");
    cosmos.resetStats();
    const started = performance.now();
    const error = await rejection(slow.items.upsert({ id: "p1", student_id: "s1", lessons: 2 }));
    expect(error.name).toBe("TimeoutError");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(cosmos.stats().requests).toBe(1);
    impatient.dispose();
  });

  it("when requests hang, then a read bounded by an abortSignal rejects (the client would retry timed-out reads 120 times)", async () => {
    cosmos.fault("timeout");
    const error = await rejection(container.item("p1", "s1").read({ abortSignal: AbortSignal.timeout(300) }));
    expect(error.name).toBe("AbortError");
  });

  it("when throttling lasts less than the client's retries, then the call succeeds after retrying", async () => {
    cosmos.fault("throttle");
    cosmos.resetStats();
    setTimeout(() => cosmos.fault(false), 200);
    const upserted = await container.items.upsert({ id: "p1", student_id: "s1", lessons: 3 });
    expect(upserted.statusCode).toBe(200);
    expect(cosmos.stats().requests).toBeGreaterThan(1);
  });

  it("when throttling outlasts the client's retries, then the call rejects with 429 after 1 + 9 attempts", async () => {
    cosmos.fault("throttle");
    cosmos.resetStats();
    const error = await rejection(container.items.upsert({ id: "p1", student_id: "s1", lessons: 4 }));
    expect(error.code).toBe(429);
    expect(cosmos.stats()).toEqual({ requests: 10, reads: 0, writes: 0, requestUnits: 0, throttled: 0 });
  });
});
