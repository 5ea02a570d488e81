/**
 * firestore.rules evaluated by the Firestore stand-in, on real client SDK requests: the same suite as the official
 * emulator's lane (firestore.emulator.test.ts), loaded and cleared through the same emulator REST routes. A stand-in
 * of its own, so clearing it touches no other test's data.
 */
import { initializeTestEnvironment } from "@firebase/rules-unit-testing";
import { startFirestore, type LocalFirestore } from "@learnpulse/local-stack";
import { rulesSuite } from "./rules-suite.ts";

let local: LocalFirestore | undefined;

rulesSuite(
  async (rules) => {
    local = await startFirestore({ projectId: "demo-learnpulse-rules" });
    return initializeTestEnvironment({ projectId: "demo-learnpulse-rules", firestore: { host: "127.0.0.1", port: local.port, rules } });
  },
  async () => local?.stop(),
);
