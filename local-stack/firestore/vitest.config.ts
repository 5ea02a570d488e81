// Runs only the Firestore stand-in's own tests, without the root config's stack-wide globalSetup.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["local-stack/firestore/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
