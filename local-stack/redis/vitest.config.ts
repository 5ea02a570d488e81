import { defineConfig } from "vitest/config";

// The Redis stand-in's own tests: no globalSetup, each test file starts the servers it needs.
export default defineConfig({
  test: {
    include: ["local-stack/redis/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
