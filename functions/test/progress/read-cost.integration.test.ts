/**
 * What getProgress costs (API.md getProgress): one Redis request, a pipeline of the buffer's HGETALL and the cached
 * lecture count, and one Firestore read, on the user's shard. On a stack of this file's own, so that the Firestore
 * stand-in's read count is this test's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import type { Stack } from "@learnpulse/local-stack";
import { firestore } from "../../src/adapters/firestore.js";
import { readProgress } from "../../src/progress/read.js";
import { userRedis } from "../helpers/counting.js";
import { startOwnStack } from "../helpers/own-stack.js";
import { createCourse, pingInClosedWindow } from "../helpers/progress.js";
import { uniqueId } from "../helpers/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await startOwnStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** The client, counting its requests: a pipeline is one, any other call one. */
function countingRequests(client: Redis): { client: Redis; requests: () => number; commands: string[] } {
  let requests = 0;
  const commands: string[] = [];
  const proxy = new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (property === "pipeline") {
        return () => {
          const pipeline = (value as () => ReturnType<Redis["pipeline"]>).call(target);
          return new Proxy(pipeline, {
            get(inner, name, innerReceiver) {
              const method = Reflect.get(inner, name, innerReceiver) as unknown;
              if (typeof method !== "function") return method;
              if (name === "exec") return (...args: unknown[]) => (requests++, (method as (...a: unknown[]) => unknown).apply(inner, args));
              return (...args: unknown[]) => {
                commands.push(String(name).toUpperCase());
                const result = (method as (...a: unknown[]) => unknown).apply(inner, args);
                return result === inner ? innerReceiver : result;
              };
            },
          });
        };
      }
      return (...args: unknown[]) => (requests++, commands.push(String(property).toUpperCase()), (value as (...a: unknown[]) => unknown).apply(target, args));
    },
  });
  return { client: proxy, requests: () => requests, commands };
}

describe("getProgress's cost", () => {
  it("when the course's lecture count is cached, then a read is one Redis request (HGETALL and GET in one pipeline) and one Firestore read", async () => {
    const { courseId, lectureIds } = await createCourse(2);
    const uid = uniqueId("stu");
    const db = await firestore();
    await db.doc(`users/${uid}/progress/${courseId}`).set({ watchTimes: {} }); // a stored document, and a newer buffered ping
    await pingInClosedWindow(uid, { courseId, lectureId: lectureIds[0] as string, position: 12 });
    await readProgress(db, { current: userRedis(uid) }, uid, courseId); // caches the lecture count
    const counted = countingRequests(userRedis(uid));
    const readsBefore = stack.firestore?.stats().reads ?? 0;

    const answer = await readProgress(db, { current: counted.client }, uid, courseId);

    expect(answer.watchTimes).toEqual({ [lectureIds[0] as string]: 12 });
    expect(counted.requests()).toBe(1);
    expect(counted.commands).toEqual(["HGETALL", "GET"]);
    expect((stack.firestore?.stats().reads ?? 0) - readsBefore).toBe(1);
  });
});
