/**
 * No lost updates (DESIGN.md principle 4), under fire: 200 concurrent players × 30 pings on random lectures,
 * positions and segments, flushes every 100 ms alongside with 10% of Firestore commits failing (injected at the
 * flush's Firestore port) and one flush killed between its Firestore commit and its Redis clean-up. After a final
 * flush, Firestore must hold every player's last acknowledged position and cover every acknowledged segment.
 */
import { describe, expect, it } from "vitest";
import { chaosSeed, prng } from "../helpers/prng.js";
import { firestore } from "../../src/adapters/firestore.js";
import { FLUSH_LOCK_KEY, FlushLockedError, flushProgress } from "../../src/progress/flush.js";
import type { FlushDeps, FlushStore } from "../../src/progress/flush-ports.js";
import { flushDeps, writeDirect } from "../../src/progress/functions.js";
import { fromFlat } from "../../src/progress/merge.js";
import { recordPing } from "../../src/progress/ping.js";
import { coverageOf, type Segment } from "../../src/progress/segments.js";
import { stackRedis } from "../helpers/counting.js";
import { createCourse } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

const PLAYERS = 200;
const PINGS = 30;
const WINDOW_MS = 250;
/** Pings reach Redis within a few ms here; a second of grace keeps the flush off windows still being written. */
const GRACE_MS = 1_000;
const LECTURE_SECONDS = 60;


class Killed extends Error {}

describe("no lost updates (chaos)", () => {
  it("when pings race flushes that fail and crash, then Firestore ends with every acknowledged position and segment", async () => {
    const seed = chaosSeed();
    const random = prng(seed);
    const { courseId, lectureIds } = await createCourse(5);
    const redis = stackRedis();

    // The flush's Firestore port fails 10% of its commits; once, a commit succeeds and then the process "dies".
    const base = { ...(await flushDeps()), windowMs: WINDOW_MS, graceMs: GRACE_MS };
    let commits = 0;
    let attempts = 0;
    let injectedFailures = 0;
    let killArmed = false;
    let killed = false;
    const failingStore: FlushStore = {
      ...base.store,
      async write(writes) {
        // Every tenth commit fails: 10%, spread over the run.
        if (++attempts % 10 === 3) {
          injectedFailures++;
          throw new Error("injected Firestore commit failure");
        }
        const result = await base.store.write(writes);
        if (++commits === 4 && !killed) killArmed = true;
        return result;
      },
    };
    // After the armed commit, every Redis call of that flush fails, as if its process had died: no clean-up, no unlock.
    const dyingCache = new Proxy(base.cache, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (killArmed) {
            killArmed = false;
            killed = true;
            throw new Killed("flush killed between Firestore commit and clean-up");
          }
          if (killed && property === "del" && args[0] === FLUSH_LOCK_KEY) throw new Killed("a dead flush releases nothing");
          return value.apply(target, args);
        };
      },
    });
    const chaosDeps: FlushDeps = { ...base, store: failingStore, cache: dyingCache as FlushDeps["cache"] };

    let flushing = true;
    let flushRuns = 0;
    const flusher = (async () => {
      while (flushing) {
        await flushProgress(chaosDeps).then(
          () => flushRuns++,
          (error: unknown) => {
            if (error instanceof Killed) return redis.del(FLUSH_LOCK_KEY); // the dead flush's lock expires
            if (!(error instanceof FlushLockedError) && !String(error).includes("injected")) throw error;
          },
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    // Each player watches as one user; remember what was acknowledged.
    const lastPosition = new Map<string, number>();
    const acknowledgedSegments = new Map<string, Segment[]>();
    const players = Array.from({ length: PLAYERS }, (_, i) => `${uniqueId("chaos")}-${i}`);
    let acknowledged = 0;
    await Promise.all(
      players.map(async (uid) => {
        for (let n = 0; n < PINGS; n++) {
          const lectureId = lectureIds[Math.floor(random() * lectureIds.length)] as string;
          const start = Math.floor(random() * (LECTURE_SECONDS - 5));
          const end = Math.min(LECTURE_SECONDS, start + 1 + Math.floor(random() * 20));
          const position = end;
          const outcome = await recordPing({ cache: redis, writeDirect, windowMs: WINDOW_MS }, uid, {
            courseId,
            lectureId,
            position,
            duration: LECTURE_SECONDS,
            playedSegments: [[start, end]],
          });
          expect(["buffered", "degraded"]).toContain(outcome);
          acknowledged++;
          const key = `${uid}/${lectureId}`;
          lastPosition.set(key, position);
          acknowledgedSegments.set(key, [...(acknowledgedSegments.get(key) ?? []), [start, end]]);
          await new Promise((resolve) => setTimeout(resolve, 40 + random() * 80));
        }
      }),
    );
    flushing = false;
    await flusher;

    // Final flush once every window has closed and its grace passed, with a healthy Firestore.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + GRACE_MS + 50));
    await redis.del(FLUSH_LOCK_KEY);
    const final = await flushProgress(base);
    expect(final.failedKeys).toBe(0);

    const db = await firestore();
    const docs = await db.getAll(...players.map((uid) => db.doc(`users/${uid}/progress/${courseId}`)));
    let checked = 0;
    docs.forEach((snapshot, index) => {
      const uid = players[index] as string;
      for (const lectureId of lectureIds) {
        const key = `${uid}/${lectureId}`;
        if (!lastPosition.has(key)) continue;
        expect(snapshot.get(`watchTimes.${lectureId}`), key).toBe(lastPosition.get(key));
        const stored = fromFlat(snapshot.get(`segments.${lectureId}`) as number[]);
        for (const [start, end] of acknowledgedSegments.get(key) ?? []) {
          // Covered if the stored union covers all of [start, end].
          const covered = coverageOf(stored.map(([s, e]) => [Math.max(s, start) - start, Math.min(e, end) - start] as Segment), end - start);
          expect(covered, `${key} [${start}, ${end}]`).toBe(1);
        }
        checked++;
      }
    });
    console.log(
      JSON.stringify({ chaos: "no-lost-updates", seed, players: PLAYERS, acknowledged, flushRuns, injectedFailures, killed, lecturesChecked: checked }),
    );
    expect(acknowledged).toBe(PLAYERS * PINGS);
    expect(killed).toBe(true);
    expect(injectedFailures).toBeGreaterThan(0);
    expect(checked).toBeGreaterThan(PLAYERS);
  });
});
