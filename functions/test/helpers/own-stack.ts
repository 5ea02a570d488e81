/**
 * A stack of the calling test file's own, in its own test process (vitest's forks pool runs every test file in a
 * process of its own). For tests that set a param for every function (ENFORCE_APP_CHECK) or count every command and
 * write exactly: the shared stack serves other files in parallel, so neither is possible there. Once started, this
 * process's env — callFunction, stackStats, the product's adapters — points at it.
 */
import { startStack, type Stack, type StackOptions } from "@learnpulse/local-stack";

/** Set by setup-env.ts from the shared stack; startStack would take them for external servers and use those. */
const SHARED_SERVERS = ["FIRESTORE_EMULATOR_HOST", "MONGODB_URI", "FIREBASE_AUTH_EMULATOR_HOST"];

/**
 * As for the shared stack (global-setup.ts): a test machine busy with every file at once stalls longer than Upstash
 * ever does, so Redis gets 5 s, not production's 500 ms. A file about that timeout passes UPSTASH_TIMEOUT_MS itself.
 */
const TEST_PARAMS = { UPSTASH_TIMEOUT_MS: "5000" };

export async function startOwnStack(params: Record<string, string> = {}, options: StackOptions = {}): Promise<Stack> {
  for (const name of SHARED_SERVERS) delete process.env[name];
  Object.assign(process.env, TEST_PARAMS, params);
  const stack = await startStack({ log: () => undefined, ...options });
  Object.assign(process.env, stack.env);
  return stack;
}
