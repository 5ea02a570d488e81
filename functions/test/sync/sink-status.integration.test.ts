/**
 * Sink counters without a hot document: every instance adds its sums to one of SINK_STATUS_SHARDS documents picked at
 * random (the firestore-counter extension's pattern), and getSyncStatus adds the shards up. On a stack of this file's
 * own, so that the sums are this file's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { firestoreKit } from "../../src/adapters/firestore.js";
import { readSinkFigures, SINK_STATUS_SHARDS, SINK_STATUS_SHARDS_PATH, SinkStatus } from "../../src/sync/sink-status.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { callFunction } from "../helpers/stack.js";

const INSTANCES = 200;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

describe("sink counters", () => {
  it(`when ${INSTANCES} instances add their sums, then the sums spread over the shards and getSyncStatus adds them up, with the latest error`, async () => {
    const kit = await firestoreKit();
    const writesBefore = stack.firestore?.stats().writes ?? 0;

    await Promise.all(
      Array.from({ length: INSTANCES }, async (_, n) => {
        const instance = new SinkStatus();
        instance.record("mongo", { applied: true }, 1_000 + n);
        instance.record("mongo", { applied: true }, 1_000 + n);
        instance.record("cosmos", { failed: new Error(`failure ${n}`) }, 1_000 + n);
        await instance.flush(kit, true);
      }),
    );

    // One write per instance, never to one document alone.
    expect((stack.firestore?.stats().writes ?? 0) - writesBefore).toBe(INSTANCES);
    const shards = await kit.db.collection(SINK_STATUS_SHARDS_PATH).get();
    const perShard = shards.docs.map((doc) => Number(doc.get("mongo.delivered") ?? 0) / 2);
    expect(shards.size).toBe(SINK_STATUS_SHARDS);
    expect(Math.max(...perShard)).toBeLessThan(INSTANCES / 2);

    const figures = await readSinkFigures(kit);
    expect(figures.mongo).toMatchObject({ delivered: 2 * INSTANCES, failed: 0, lastSuccessAt: new Date(1_000 + INSTANCES - 1) });
    expect(figures.cosmos).toMatchObject({ failed: INSTANCES, lastError: `Error: failure ${INSTANCES - 1}` });
    const status = await callFunction("getSyncStatus", {}, { claims: { admin: true } });
    expect(status.body.result).toMatchObject({
      sinks: {
        mongo: { delivered: 2 * INSTANCES, failed: 0, lastSuccessAt: new Date(1_000 + INSTANCES - 1).toISOString() },
        cosmos: { failed: INSTANCES, lastError: `Error: failure ${INSTANCES - 1}` },
      },
    });
  });
});
