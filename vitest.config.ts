import { defineConfig } from "vitest/config";

const stack = {
  globalSetup: ["functions/test/global-setup.ts"],
  setupFiles: ["functions/test/setup-env.ts"],
  testTimeout: 30_000,
  hookTimeout: 60_000,
};

export default defineConfig({
  test: {
    // What tests print is shown for failing tests only; the functions' and the stack's logs go to test-artifacts/logs/.
    silent: "passed-only",
    projects: [
      // The stand-ins' own tests start their own servers.
      { test: { name: "stand-ins", include: ["scripts/**/*.test.ts"], testTimeout: 60_000, sequence: { groupOrder: 1 } } },
      {
        test: {
          name: "functions",
          // The typed client's integration tests need the stack too: they share this project's.
          include: ["functions/src/**/*.test.ts", "functions/test/**/*.test.ts", "client/**/*.integration.test.ts"],
          // *.emulator.test.ts need the official Firestore emulator (npm run test:rules, vitest.rules.config.ts); the
          // official-emulators/ suite runs under firebase-tools' Functions and Auth emulators (npm run test:emulators).
          exclude: ["**/*.chaos.test.ts", "**/*.emulator.test.ts", "functions/test/official-emulators/**", "**/node_modules/**"],
          ...stack,
          sequence: { groupOrder: 1 },
        },
      },
      // The typed client and the ProgressTracker: pure, fake timers.
      { test: { name: "client", include: ["client/**/*.test.ts"], exclude: ["**/*.integration.test.ts", "**/node_modules/**"], sequence: { groupOrder: 1 } } },
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
    ],
  },
});
