/**
 * Upstash's command rate (10,000 commands/s on the plans LearnPulse uses, PRICES.md [13]): past it requests wait
 * rather than fail (PRICES.md [16]). The bridge enforces it, so that the product's shedding can be seen in tests.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedis, UPSTASH_COMMANDS_PER_SECOND, type LocalRedis } from "./index.ts";

const RATE = 200;

describe("the bridge's command rate", () => {
  let local: LocalRedis;
  beforeAll(async () => {
    local = await startRedis({ backend: "in-process", commandsPerSecond: RATE });
  });
  afterAll(() => local?.stop());

  const pipeline = async (commands: number) => {
    const started = performance.now();
    const res = await fetch(`${local.restUrl}/pipeline`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.token}`, "content-type": "application/json" },
      body: JSON.stringify(Array.from({ length: commands }, (_, i) => ["set", `k${i}`, "v"])),
    });
    expect(res.status).toBe(200);
    return performance.now() - started;
  };

  it(`when a second's worth of commands (${RATE}) comes at once, then it is served without waiting`, async () => {
    await pipeline(RATE);
    // Counted at the throttle, not timed: a busy machine can take long over a request that never waited.
    expect(local.throttled().requests).toBe(0);
  });

  it("when requests keep coming past the rate, then each waits for its share, every command is applied, and the waits are counted", async () => {
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the burst refilled
    const before = local.commands();
    const started = performance.now();
    const waits = await Promise.all([pipeline(RATE), pipeline(RATE / 2), pipeline(RATE / 2)]);
    const elapsed = performance.now() - started;

    // 400 commands at 200/s with a one-second burst: the last request waits about a second.
    expect(elapsed).toBeGreaterThan(800);
    expect(Math.max(...waits)).toBeGreaterThan(800);
    expect(local.commands() - before).toBe(2 * RATE);
    expect(local.throttled().requests).toBeGreaterThanOrEqual(1);
  });

  it("when nothing sets the rate, then it is Upstash's 10,000 commands/s", () => {
    expect(UPSTASH_COMMANDS_PER_SECOND).toBe(10_000);
  });
});
