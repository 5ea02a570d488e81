import { defineConfig } from "vitest/config";

// The rules lane (npm run test:rules): the official Firestore emulator, which `firebase emulators:exec` starts and
// names in FIRESTORE_EMULATOR_HOST. Kept out of vitest.config.ts because npm test runs without it.
export default defineConfig({
  test: {
    include: ["functions/test/rules/**/*.emulator.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
