// Runs only the Cosmos stand-in's own tests, without the root config's stack-wide globalSetup.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["local-stack/cosmos/**/*.test.ts"],
    testTimeout: 30_000,
  },
});
