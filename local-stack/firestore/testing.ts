/** Test support: a stand-in per test file and a firebase-admin Firestore pointed at it. */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import { startFirestore, type LocalFirestore, type StartFirestoreOptions } from "./index.ts";

export interface TestFirestore {
  local: LocalFirestore;
  db: Firestore;
  stop(): Promise<void>;
}

export async function startTestFirestore(options: Pick<StartFirestoreOptions, "indexes" | "rules"> = {}): Promise<TestFirestore> {
  const projectId = `demo-${randomUUID().slice(0, 8)}`;
  const local = await startFirestore({ projectId, ...options });
  // firebase-admin reads the emulator address when the Firestore client is created; each test file is its own process.
  process.env["FIRESTORE_EMULATOR_HOST"] = local.host;
  const app = initializeApp({ projectId }, projectId);
  const db = getFirestore(app);
  return {
    local,
    db,
    stop: async () => {
      await deleteApp(app);
      await local.stop();
    },
  };
}

/** A collection id no other test uses. */
export const uniqueCollection = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
