/**
 * Firestore through firebase-admin. The SDK (gRPC, protobufs) is imported on first use, not at load:
 * every function instance loads index.ts, and the ping path must not pay for Firestore at cold start.
 */
import type * as FirestoreSdk from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";

export type FirestoreModule = typeof FirestoreSdk;

/** The instance's client and the SDK module it came from (FieldValue, Timestamp, ...): what use cases take. */
export interface FirestoreKit {
  db: Firestore;
  sdk: FirestoreModule;
}

let kit: Promise<FirestoreKit> | undefined;

/** The instance's Firestore client and SDK module (FieldValue, Timestamp, ...), created once and reused. */
export function firestoreKit(): Promise<FirestoreKit> {
  kit ??= connect().catch((error: unknown) => {
    kit = undefined; // let the next call retry
    throw error;
  });
  return kit;
}

export async function firestore(): Promise<Firestore> {
  return (await firestoreKit()).db;
}

async function connect(): Promise<FirestoreKit> {
  const [{ getApps, initializeApp }, sdk] = await Promise.all([
    import("firebase-admin/app"),
    import("firebase-admin/firestore"),
  ]);
  const app = getApps()[0] ?? initializeApp();
  return { db: sdk.getFirestore(app), sdk };
}
