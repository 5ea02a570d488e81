import { defineConfig } from "vitest/config";

/**
 * Limits for hangs, not budgets: with both cores busy elsewhere, CI measured tests at up to four times their idle
 * time. expect.poll waits 1 s unless told otherwise, which is a budget: it waits up to 15 s here.
 */
const hangLimits = { testTimeout: 120_000, hookTimeout: 300_000, expect: { poll: { timeout: 15_000 } } };

const stack = {
  globalSetup: ["functions/test/global-setup.ts"],
  setupFiles: ["functions/test/setup-env.ts"],
  ...hangLimits,
};

export default defineConfig({
  test: {
    // What tests print is shown for failing tests only; the functions' and the stack's logs go to test-artifacts/logs/.
    silent: "passed-only",
    projects: [
      // One project per workspace. The local stack's own tests start their own servers.
      { test: { name: "local-stack", include: ["local-stack/**/*.test.ts"], ...hangLimits, sequence: { groupOrder: 1 } } },
      {
        test: {
          name: "functions",
          include: ["functions/src/**/*.test.ts", "functions/test/**/*.test.ts"],
          // *.emulator.test.ts need the official Firestore emulator (npm run test:rules, vitest.rules.config.ts).
          exclude: ["**/*.chaos.test.ts", "**/*.load.test.ts", "**/*.emulator.test.ts", "**/node_modules/**"],
          ...stack,
          sequence: { groupOrder: 1 },
        },
      },
      // The typed client and the ProgressTracker (pure, fake timers), and the client against the stack.
      { test: { name: "client", include: ["client/**/*.test.ts"], ...stack, sequence: { groupOrder: 1 } } },
      // The dashboard in headless Chromium against the stack.
      { test: { name: "dashboard", include: ["dashboard/**/*.test.ts"], ...stack, sequence: { groupOrder: 1 } } },
      // The tools' own tests; the official-emulator lane runs under firebase-tools instead (npm run test:emulators).
      {
        test: {
          name: "tools",
          include: ["tools/**/*.test.ts"],
          exclude: ["tools/emulators/**", "**/node_modules/**"],
          ...stack,
          sequence: { groupOrder: 1 },
        },
      },
      // Chaos tests flush every window of the shared Redis with short windows: they run after everything else. Every
      // project names its group, from 1: in vitest 5 a project in group 0 (or none) ran after group 1, not before.
      {
        test: {
          name: "chaos",
          include: ["functions/test/**/*.chaos.test.ts"],
          ...stack,
          testTimeout: 180_000,
          sequence: { groupOrder: 2 },
        },
      },
      // Load tests time a drain against a rate limit: they run alone, after the chaos tests.
      {
        test: {
          name: "load",
          include: ["functions/test/**/*.load.test.ts"],
          ...stack,
          testTimeout: 400_000,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
