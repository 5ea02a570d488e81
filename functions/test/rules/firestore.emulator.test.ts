/**
 * firestore.rules evaluated by the official Firestore emulator through @firebase/rules-unit-testing: the rules lane
 * (`npm run test:rules`, which starts the emulator with `firebase emulators:exec`). Not part of npm test: the
 * emulator is a Java download. firestore.standin.test.ts runs the same suite against the stand-in in npm test.
 */
import { initializeTestEnvironment } from "@firebase/rules-unit-testing";
import { rulesSuite } from "./rules-suite.ts";

// The emulator's host and port come from FIRESTORE_EMULATOR_HOST, which emulators:exec sets.
rulesSuite((rules) => initializeTestEnvironment({ projectId: "demo-learnpulse", firestore: { rules } }));
