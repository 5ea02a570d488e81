import { describe, expect, it } from "vitest";
import { startRedis } from "./index.ts";
import { BACKENDS, client, prefix } from "./test-harness.ts";

// Printed, not asserted: startup time and sequential HSET throughput through the bridge.
describe.each(BACKENDS)("$backend backend", ({ backend, available }) => {
  it.runIf(available)("when 500 HSETs are sent one after another, then all are billed (and the rate is printed)", async () => {
    const started = performance.now();
    const local = await startRedis({ backend });
    const startupMs = performance.now() - started;
    try {
      const redis = client(local, { enableAutoPipelining: false });
      const p = prefix();
      const n = 500;
      await redis.hset(`${p}warm`, { f: 0 });
      local.resetCommands();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await redis.hset(`${p}h`, { [`f${i}`]: i });
      const seconds = (performance.now() - t0) / 1000;
      console.log(`[${backend}] startup ${startupMs.toFixed(0)} ms; sequential HSET ${(n / seconds).toFixed(0)}/s through the bridge`);
      expect(local.commands()).toBe(n);
      expect(await redis.hlen(`${p}h`)).toBe(n);
    } finally {
      await local.stop();
    }
  });
});
