/**
 * The traffic simulator (tools/simulate/core.ts) against the test stack: a handful of players over real HTTP
 * for part of one flush window, then the final flush, the replay and reconcile of this run's users.
 */
import { describe, expect, it } from "vitest";
import { simulate } from "./core.ts";

describe("npm run simulate", () => {
  it("when a few students take the quiz's first phase and play for a simulated minute, then no ping is lost and every sink is level with Firestore", async () => {
    const report = await simulate({
      students: 5,
      minutes: 1,
      intervalSec: 5,
      speed: 10,
      quizShare: 1,
      functionsUrl: process.env["LEARNPULSE_FUNCTIONS_URL"] as string,
      stackUrl: process.env["LEARNPULSE_STACK_URL"] as string,
      reconcileScope: "run",
    });

    expect(report.errors).toEqual([]);
    expect(report.pings.sent).toBe(60);
    // Three questions each, every one accepted.
    expect([report.calls["startAttempt"], report.calls["submitAnswer"]]).toEqual([{ sent: 15, ok: 15 }, { sent: 15, ok: 15 }]);
    expect(report.pings.lost).toBe(0);
    expect(report.pings.notInFirestore).toBe(0);
    expect(report.reconcile.length).toBe(6); // progress and users × three sinks; activities only in a whole-collection run
    for (const line of report.reconcile) expect({ ...line, checked: 0 }).toEqual({ ...line, checked: 0, missing: 0, stale: 0, extra: 0 });
    expect(report.reconcile.find((line) => line.collection === "progress")?.checked).toBe(5);
  });
});
