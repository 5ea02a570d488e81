/**
 * Starts the local stack once per test run, on free ports, and hands its env to every test worker.
 * Each vitest project runs this setup, all in one process; the functions it loads (and their lazily created
 * clients) exist once per process, so the projects must share one stack: it is kept on globalThis, counted.
 */
import type { TestProject } from "vitest/node";
import { startStack, type Stack, type StackEnv } from "../../scripts/stack/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

const shared = globalThis as typeof globalThis & { learnpulseStack?: { stack: Promise<Stack>; users: number } };

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  shared.learnpulseStack ??= {
    stack: startStack({ scheduleTimers: false, log: (line) => console.error(`[stack] ${line}`) }),
    users: 0,
  };
  const entry = shared.learnpulseStack;
  entry.users++;
  const stack = await entry.stack;
  project.provide("stackEnv", stack.env);
  return async () => {
    if (--entry.users > 0) return;
    shared.learnpulseStack = undefined;
    await stack.stop();
  };
}
