import { describe, expect, it } from "vitest";
import { startCosmos } from "./index.ts";
import { client, freshContainer } from "./test-harness.ts";

const UPSERTS = 1_000;

// Prints timings for the README; asserts only that the work was done.
describe("measurements", () => {
  it("when the stand-in starts and takes 1,000 upserts, then it prints how long each took", async () => {
    const t0 = performance.now();
    // The stand-in's own speed: no RU budget (1,000 concurrent overwrites are 11,000 RU, two seconds of a container's).
    const cosmos = await startCosmos({ ruPerSecond: Infinity });
    const startup = performance.now() - t0;
    const sdk = client(cosmos);
    try {
      const container = await freshContainer(sdk);
      const doc = (i: number) => ({ id: `p${i}`, student_id: `s${i % 50}`, lessons: i });

      const t1 = performance.now();
      for (let i = 0; i < UPSERTS; i += 1) await container.items.upsert(doc(i));
      const sequential = performance.now() - t1;

      const t2 = performance.now();
      await Promise.all(Array.from({ length: UPSERTS }, (_, i) => container.items.upsert({ ...doc(i), lessons: -i })));
      const concurrent = performance.now() - t2;

      const { resources } = await container.items.query<number>("SELECT VALUE COUNT(1) FROM c").fetchAll();
      expect(resources).toEqual([UPSERTS]);
      console.log(
        `cosmos stand-in: startup ${startup.toFixed(1)} ms; ${UPSERTS} upserts one after another ${sequential.toFixed(0)} ms ` +
          `(${((sequential * 1000) / UPSERTS).toFixed(0)} µs each), all at once ${concurrent.toFixed(0)} ms`,
      );
    } finally {
      sdk.dispose();
      await cosmos.stop();
    }
  });
});
