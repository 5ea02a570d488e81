/**
 * 1st-gen Auth triggers (`auth.user().onDelete`) fired by the Auth stand-in's user deletions, as the Functions
 * emulator fires them from the Auth emulator: the function is called with the user record's wire form and an event
 * context. Like Auth events in production, a failed invocation is not retried (the failure is logged).
 */
import { randomUUID } from "node:crypto";
import type { LocalAuth } from "./auth.ts";
import type { LoadedFunctions } from "./functions-module.ts";

export interface AuthTriggers {
  /** Invocations fired so far, and those that failed. */
  stats(): { fired: number; failed: number };
  /** Resolves once no invocation is running. */
  idle(): Promise<void>;
}

export function startAuthTriggers(options: { auth: Pick<LocalAuth, "onUserDeleted">; triggers: LoadedFunctions["authTriggers"]; projectId: string; log: (line: string) => void }): AuthTriggers {
  const running = new Set<Promise<void>>();
  const stats = { fired: 0, failed: 0 };
  options.auth.onUserDeleted((uid) => {
    for (const [name, { fn, eventType }] of options.triggers) {
      if (!eventType.endsWith("/user.delete")) continue;
      const now = new Date().toISOString();
      const context = { eventId: randomUUID(), timestamp: now, eventType, resource: { service: "firebaseauth.googleapis.com", name: `projects/${options.projectId}` }, params: {} };
      const user = { uid, metadata: { creationTime: now, lastSignInTime: now }, providerData: [] };
      stats.fired++;
      const run = Promise.resolve()
        .then(() => (fn as unknown as (data: unknown, context: unknown) => unknown)(user, context))
        .then(
          () => undefined,
          (error: unknown) => {
            stats.failed++;
            options.log(`auth trigger ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
          },
        );
      running.add(run);
      void run.finally(() => running.delete(run));
    }
  });
  return {
    stats: () => ({ ...stats }),
    idle: async () => {
      while (running.size) await Promise.all(running);
    },
  };
}
