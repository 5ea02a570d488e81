/** Starts the local stack once per test run, on free ports, and hands its env to every test worker. */
import type { TestProject } from "vitest/node";
import { startStack, type StackEnv } from "../../scripts/stack/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    stackEnv: StackEnv;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ scheduleTimers: false, log: (line) => console.error(`[stack] ${line}`) });
  project.provide("stackEnv", stack.env);
  return () => stack.stop();
}
