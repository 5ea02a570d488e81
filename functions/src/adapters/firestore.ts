/**
 * Firestore through firebase-admin. The SDK (gRPC, protobufs) is imported on first use, not at load:
 * every function instance loads index.ts, and the ping path must not pay for Firestore at cold start.
 */
import type * as FirestoreSdk from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";

export type FirestoreModule = typeof FirestoreSdk;

let kit: Promise<{ db: Firestore; sdk: FirestoreModule }> | undefined;

/** The instance's Firestore client and SDK module (FieldValue, Timestamp, ...), created once and reused. */
export function firestoreKit(): Promise<{ db: Firestore; sdk: FirestoreModule }> {
  kit ??= connect().catch((error: unknown) => {
    kit = undefined; // let the next call retry
    throw error;
  });
  return kit;
}

export async function firestore(): Promise<Firestore> {
  return (await firestoreKit()).db;
}

async function connect(): Promise<{ db: Firestore; sdk: FirestoreModule }> {
  const [{ getApps, initializeApp }, sdk] = await Promise.all([
    import("firebase-admin/app"),
    import("firebase-admin/firestore"),
  ]);
  const app = getApps()[0] ?? initializeApp();
  return { db: sdk.getFirestore(app), sdk };
}
