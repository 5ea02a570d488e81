import { describe, expect, it } from "vitest";
import { healthOf, type HealthInput } from "./health.js";

const healthy: HealthInput = {
  oldestDirtyAgeSeconds: 300,
  windowSeconds: 300,
  quarantined: 0,
  sinks: { bigquery: { enabled: true, queued: 0, deadLetters: 0 }, mongo: { enabled: true, queued: 0, deadLetters: 0 }, cosmos: { enabled: true, queued: 0, deadLetters: 0 } },
  collections: { countedAt: "2026-12-05T00:00:00.000Z", collections: { users: { firestore: 10, bigquery: 10, mongo: 10, cosmos: 10 }, answers: { firestore: 0, bigquery: 0, mongo: 0, cosmos: 0 } } },
};

describe("healthOf", () => {
  it("when nothing lags, queues, fails or differs, then the score is 100", () => {
    expect(healthOf(healthy)).toEqual({ score: 100, factors: { writeBehind: 1, quarantine: 1, bigquery: 1, mongo: 1, cosmos: 1 } });
  });

  it("when one sink has 10 dead letters, then its factor is one half and the score shows it", () => {
    const input = { ...healthy, sinks: { ...healthy.sinks, mongo: { enabled: true, queued: 0, deadLetters: 10 } } };

    expect(healthOf(input)).toMatchObject({ score: 50, factors: { mongo: 0.5, bigquery: 1 } });
  });

  it("when the buffer is 7 windows behind, then the write-behind factor is one half; at 12 and more it is 0", () => {
    expect(healthOf({ ...healthy, oldestDirtyAgeSeconds: 7 * 300 }).factors.writeBehind).toBe(0.5);
    expect(healthOf({ ...healthy, oldestDirtyAgeSeconds: 20 * 300 })).toMatchObject({ score: 0, factors: { writeBehind: 0 } });
  });

  it("when a sink holds half of Firestore's documents of one of two collections, then its agreement is three quarters", () => {
    const collections = { countedAt: "x", collections: { users: { firestore: 10, bigquery: 10, mongo: 5, cosmos: 10 }, answers: { firestore: 4, bigquery: 4, mongo: 4, cosmos: 4 } } };

    expect(healthOf({ ...healthy, collections })).toMatchObject({ score: 75, factors: { mongo: 0.75 } });
  });

  it("when a sink is switched off, then it has no factor and its figures do not count", () => {
    const input = { ...healthy, sinks: { ...healthy.sinks, cosmos: { enabled: false, queued: 1_000_000, deadLetters: 1_000 } } };

    expect(healthOf(input)).toMatchObject({ score: 100, factors: { cosmos: null } });
  });

  it("when 10,000 tasks are queued and 10 keys quarantined, then each factor is one half, and the score the lowest product", () => {
    const input = { ...healthy, quarantined: 10, sinks: { ...healthy.sinks, bigquery: { enabled: true, queued: 10_000, deadLetters: 10 } } };

    expect(healthOf(input)).toMatchObject({ score: 25, factors: { quarantine: 0.5, bigquery: 0.25 } });
  });
});
