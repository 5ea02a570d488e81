/**
 * The task queues inside `startStack`: the env that points firebase-admin at them, and the control routes that
 * report and await them. The product's codebase is served as it stands, whatever task functions it exports.
 */
import { randomUUID } from "node:crypto";
import type { App, AppOptions } from "firebase-admin/app";
import type { TaskQueue } from "firebase-admin/functions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importFromFunctions } from "../functions-module.ts";
import { startStack, type Stack, type StackStats } from "../index.ts";

let stack: Stack;
let app: App;
let taskQueue: (name: string) => TaskQueue;

beforeAll(async () => {
  stack = await startStack({ log: () => undefined });
  const admin = await importFromFunctions<{ initializeApp(options: AppOptions, name: string): App }>("firebase-admin/app");
  const { getFunctions } = await importFromFunctions<{ getFunctions(app: App): { taskQueue(name: string): TaskQueue } }>("firebase-admin/functions");
  // As a function's default app: no credential, no service account; the project from the env the stack set.
  app = admin.initializeApp({}, `stack-tasks-${randomUUID()}`);
  taskQueue = (name) => getFunctions(app).taskQueue(name);
});

afterAll(async () => {
  const admin = await importFromFunctions<{ deleteApp(app: App): Promise<void> }>("firebase-admin/app");
  await admin.deleteApp(app);
  await stack?.stop();
});

describe("task queues in the stack", () => {
  it("when the stack runs, then CLOUD_TASKS_EMULATOR_HOST names its queues and firebase-admin reaches them", async () => {
    expect(stack.env.CLOUD_TASKS_EMULATOR_HOST).toBe(stack.tasks.host);
    expect(process.env["CLOUD_TASKS_EMULATOR_HOST"]).toBe(stack.tasks.host);

    const unknown = taskQueue(`noSuchFunction${randomUUID().slice(0, 8)}`).enqueue({ n: 1 });

    await expect(unknown).rejects.toMatchObject({ code: "functions/not-found" });
  });

  it("when a test asks the control routes, then stats list a queue per task function and tasks/idle answers once the queues are empty", async () => {
    const control = stack.env.LEARNPULSE_STACK_URL;

    const stats = (await (await fetch(`${control}/stats`)).json()) as StackStats;
    const idle = await fetch(`${control}/tasks/idle`, { method: "POST" });

    expect(Object.keys(stats.tasks).sort()).toEqual([...stack.functions.tasks.keys()].sort());
    expect(idle.status).toBe(200);
    expect(await idle.json()).toEqual({ idle: true });
  });
});
