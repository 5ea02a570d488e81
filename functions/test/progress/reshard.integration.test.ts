/**
 * Changing the shard count (docs/operations.md "Resharding"), the operator's procedure step by step on a stack of this
 * file's own with three Upstash shards: pings on 2 shards; the switch to 3 with UPSTASH_SHARDS_PREVIOUS=2, during which
 * every read still sees every acknowledged ping, buffered on the old shard or the new; the drain by the flush; the
 * verification (`npm run reshard -- verify`'s check); the end of the reshard. Params change as a redeploy changes
 * them (the functions read them per call); the shard URLs and tokens of all three are loaded from the start.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stack } from "@learnpulse/local-stack";
import { startOwnStack } from "../helpers/own-stack.js";

const FIVE_MIN = 300_000;

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack({ UPSTASH_SHARDS: "3" }, { shards: 3 });
  await import("../../src/config.js"); // this process's product code loads with all three shards' params, as the stack's did
  process.env["UPSTASH_SHARDS"] = "2"; // deployed with 2 shards (the third database exists, unused)
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

describe("resharding from 2 to 3 shards", () => {
  it("when the operator switches, drains, verifies and finishes, then every read sees every acknowledged ping throughout and nothing is left behind", async () => {
    const { createUpstashClient, REDIS_BULK_TIMEOUT_MS } = await import("../../src/adapters/upstash.js");
    const { flushDeps } = await import("../../src/progress/functions.js");
    const { shardOf } = await import("../../src/progress/layout.js");
    const { misplacedKeys } = await import("../../src/progress/reshard.js");
    const { createCourse, flushWhenFree } = await import("../helpers/progress.js");
    const { callFunction, uniqueId } = await import("../helpers/stack.js");

    const { courseId, lectureIds } = await createCourse(1);
    const lectureId = lectureIds[0] as string;
    const uids = Array.from({ length: 40 }, () => uniqueId("stu"));
    const moved = uids.filter((uid) => shardOf(uid, 2) !== shardOf(uid, 3));
    expect(moved.length).toBeGreaterThan(5);
    const ping = async (uid: string, position: number) =>
      expect((await callFunction("saveProgress", { courseId, lectureId, position }, { uid })).body).toEqual({ result: { message: "synced" } });
    const positions = async () =>
      Promise.all(uids.map(async (uid) => ((await callFunction("getProgress", { courseId }, { uid })).body.result as { watchTimes: Record<string, number> }).watchTimes[lectureId]));
    const caches = stack.redisShards.map((shard) => createUpstashClient({ url: shard.restUrl, token: shard.token, timeoutMs: REDIS_BULK_TIMEOUT_MS, retries: 0 }));

    for (const uid of uids) await ping(uid, 10);
    expect(new Set(stack.redisShards.map((shard) => shard.commandCounts()["HSET"] ?? 0).map((hsets) => hsets > 0))).toEqual(new Set([true, false]));

    // Switching without the previous layout would hide the moved users' buffered pings from their reads.
    process.env["UPSTASH_SHARDS"] = "3";
    const blind = await positions();
    expect(moved.every((uid) => blind[uids.indexOf(uid)] === undefined)).toBe(true);

    // 1. The switch: the new layout, the previous one named.
    process.env["UPSTASH_SHARDS_PREVIOUS"] = "2";
    expect(await positions()).toEqual(uids.map(() => 10));
    for (const uid of uids) await ping(uid, 20); // to the new shards
    expect(await positions()).toEqual(uids.map(() => 20));
    expect((await misplacedKeys(caches, 3)).reduce((sum, shard) => sum + shard.misplaced, 0)).toBe(moved.length);

    // 2. The drain: the scheduled flush after the switch's window has closed drains both layouts.
    const later = Date.now() + 2 * FIVE_MIN;
    const run = await flushWhenFree({ ...(await flushDeps()), now: () => later });
    expect(run).toMatchObject({ failedKeys: 0 });
    expect(await positions()).toEqual(uids.map(() => 20));

    // 3. The verification.
    const verified = await misplacedKeys(caches, 3);
    expect(verified.map((shard) => shard.misplaced)).toEqual([0, 0, 0]);

    // 4. The end of the reshard: the previous layout forgotten; reads come from Firestore and the new shards.
    process.env["UPSTASH_SHARDS_PREVIOUS"] = "0";
    await ping(uids[0] as string, 30);
    expect(await positions()).toEqual(uids.map((_, n) => (n === 0 ? 30 : 20)));
  }, 60_000);
});
