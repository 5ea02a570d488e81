import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

/**
 * The official-emulator lane (npm run test:emulators, tools/emulators/emulators.ts): the callable contract
 * over HTTP against firebase-tools' Functions and Auth emulators. No stack global setup: firebase-tools hosts the
 * functions, and the lane script starts the stand-ins they reach.
 */
export default defineConfig({
  test: {
    root: fileURLToPath(new URL(".", import.meta.url)),
    include: ["*.contract.test.ts"],
    // Limits for hangs, not budgets (vitest.config.ts): 14 s is the longest measured with both cores busy elsewhere.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // One file, calls in order: the first call of each function pays its cold start in the emulator.
    fileParallelism: false,
  },
});
