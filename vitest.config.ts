import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["functions/src/**/*.test.ts", "functions/test/**/*.test.ts", "scripts/**/*.test.ts"],
    globalSetup: ["functions/test/global-setup.ts"],
    setupFiles: ["functions/test/setup-env.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
