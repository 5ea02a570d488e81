/**
 * For the task queues' own tests: task functions built with the functions codebase's own firebase-functions
 * (`onTaskDispatched`), and its firebase-admin enqueueing to a task server of the test's own, as product code would.
 */
import { randomUUID } from "node:crypto";
import type { App, AppOptions } from "firebase-admin/app";
import type { TaskQueue } from "firebase-admin/functions";
import { importFromFunctions, type FunctionExport } from "../functions-module.ts";
import { startTasks, type LocalTasks } from "./index.ts";

/** What firebase-functions hands a task handler (its `Request`), as far as the tests read it. */
export interface TaskRequest {
  data: unknown;
  queueName: string;
  id: string;
  retryCount: number;
  executionCount: number;
  scheduledTime: string;
  previousResponse?: number;
  headers: Record<string, string>;
  auth?: { uid: string; token: Record<string, unknown> };
}

/** The slice of `TaskQueueOptions` the tests set; numbers or params. */
export interface TaskOptions {
  retryConfig?: { [option: string]: unknown };
  rateLimits?: { [option: string]: unknown };
  region?: string;
}

export const functionsSdk = {
  onTaskDispatched: (
    await importFromFunctions<{ onTaskDispatched(options: TaskOptions, handler: (request: TaskRequest) => unknown): FunctionExport }>("firebase-functions/tasks")
  ).onTaskDispatched,
  /** An HttpsError makes the handler answer its status without logging, where any other error logs "Unhandled error". */
  HttpsError: (await importFromFunctions<{ HttpsError: new (code: string, message: string) => Error }>("firebase-functions/https")).HttpsError,
  defineInt: (await importFromFunctions<{ defineInt(name: string): unknown }>("firebase-functions/params")).defineInt,
};

const admin = {
  ...(await importFromFunctions<{ initializeApp(options: AppOptions, name: string): App; deleteApp(app: App): Promise<void> }>("firebase-admin/app")),
  ...(await importFromFunctions<{ getFunctions(app: App): { taskQueue(name: string): TaskQueue } }>("firebase-admin/functions")),
};

export const PROJECT_ID = "demo-tasks";

/** A handler that notes each call (request and start time) and then behaves as `behaviour` says for that call (1-based). */
export function recorder(behaviour?: (request: TaskRequest, call: number) => unknown) {
  const calls: Array<{ request: TaskRequest; at: number }> = [];
  const handler = async (request: TaskRequest) => {
    calls.push({ request, at: Date.now() });
    await behaviour?.(request, calls.length);
  };
  return { calls, handler };
}

export interface Harness {
  tasks: LocalTasks;
  /** firebase-admin's queue of a function, in the forms product code names it (`fn`, `locations/{l}/functions/{fn}`). */
  queue(name: string): TaskQueue;
  log: string[];
  stop(): Promise<void>;
}

/**
 * A task server serving `functions`, and a firebase-admin app of its own pointed at it through
 * CLOUD_TASKS_EMULATOR_HOST (read once per app, when getFunctions() first runs).
 */
export async function harness(functions: Record<string, FunctionExport>, options: { backoffScale?: number; app?: AppOptions } = {}): Promise<Harness> {
  const log: string[] = [];
  const tasks = await startTasks({ projectId: PROJECT_ID, log: (line) => log.push(line), ...(options.backoffScale ? { backoffScale: options.backoffScale } : {}) });
  tasks.serve(new Map(Object.entries(functions)));
  process.env["CLOUD_TASKS_EMULATOR_HOST"] = tasks.host;
  const app = admin.initializeApp(options.app ?? { projectId: PROJECT_ID }, `tasks-${randomUUID()}`);
  const client = admin.getFunctions(app);
  return {
    tasks,
    queue: (name) => client.taskQueue(name),
    log,
    async stop() {
      await tasks.stop();
      await admin.deleteApp(app);
    },
  };
}
