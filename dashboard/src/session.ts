/**
 * The dashboard's Firebase session: the Firebase JS SDK against the local stack, as any web app would use it against
 * the emulators. Firebase Auth signs in through the stack's Auth emulator with an unsigned custom token for the uid
 * picked in the header (and the `admin` and `teacher` claims when ticked); `httpsCallable` — through the typed
 * client — sends that user's ID token to the stack's callables, and Firestore (connectFirestoreEmulator: WebChannel in
 * a browser) sends it with every listen, where firestore.rules decide. Only the emulators accept these tokens: this
 * page is local tooling. Each sign-in sends the browser's time zone (updateProfile), so the learner's days are theirs.
 */
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, initializeAuth, inMemoryPersistence, signInWithCustomToken } from "firebase/auth";
import { connectFirestoreEmulator, getFirestore, type Firestore } from "firebase/firestore";
import { connectFunctionsEmulator, getFunctions } from "firebase/functions";
import { createLearnPulseClient, type LearnPulseClient, type UpdateProfileResponse } from "../../client/src/api.ts";
import { unsignedCustomToken } from "@learnpulse/local-stack/tokens.ts";

/** Where the local stack is; dashboard/server.ts defines it from the stack's env. */
export interface StackLocation {
  projectId: string;
  region: string;
  functionsHost: string;
  functionsPort: number;
  /** `http://host:port` of the Auth emulator (FIREBASE_AUTH_EMULATOR_HOST). */
  authEmulatorUrl: string;
  /** The Firestore emulator or stand-in (FIRESTORE_EMULATOR_HOST). */
  firestoreHost: string;
  firestorePort: number;
}

declare const __LEARNPULSE_STACK__: StackLocation;

export interface Identity {
  uid: string;
  admin: boolean;
  teacher: boolean;
}

export interface Session {
  /**
   * Signs in as `identity` and sends the browser's time zone; resolves with the profile the server then holds.
   * Sign-ins run one after the other, so the last one asked for is the user that stays.
   */
  signIn(identity: Identity): Promise<UpdateProfileResponse>;
  /** The typed client, once the latest sign-in is done; rejects when it failed. */
  client(): Promise<LearnPulseClient>;
  /** Firestore and the signed-in uid, once the latest sign-in is done: what the live views subscribe with. */
  reader(): Promise<{ db: Firestore; uid: string }>;
}

/** The Auth emulator takes any API key, but the SDK refuses to start without one. */
const DEMO_API_KEY = "demo-api-key";

export function connectToStack(stack: StackLocation = __LEARNPULSE_STACK__): Session {
  const app = initializeApp({ projectId: stack.projectId, apiKey: DEMO_API_KEY });
  // In memory rather than getAuth's default IndexedDB, which every tab shares: picking a uid in one tab would switch
  // the user of the others. The page signs in on load anyway.
  const auth = initializeAuth(app, { persistence: inMemoryPersistence });
  connectAuthEmulator(auth, stack.authEmulatorUrl, { disableWarnings: true });
  const functions = getFunctions(app, stack.region);
  connectFunctionsEmulator(functions, stack.functionsHost, stack.functionsPort);
  const lp = createLearnPulseClient(functions);
  const db = getFirestore(app);
  connectFirestoreEmulator(db, stack.firestoreHost, stack.firestorePort);

  let signedIn: Promise<LearnPulseClient> | undefined;
  let reader: Promise<{ db: Firestore; uid: string }> | undefined;
  return {
    signIn(identity) {
      const claims = { ...(identity.admin ? { admin: true } : {}), ...(identity.teacher ? { teacher: true } : {}) };
      const token = unsignedCustomToken(identity.uid, claims);
      const previous = signedIn?.catch(() => undefined) ?? Promise.resolve();
      const next = previous.then(async () => (await signInWithCustomToken(auth, token), lp));
      signedIn = next;
      reader = next.then(() => ({ db, uid: identity.uid }));
      return next.then((client) => client.updateProfile({ timezone: Intl.DateTimeFormat().resolvedOptions().timeZone }));
    },
    client: () => signedIn ?? Promise.reject(new Error("Not signed in yet")),
    reader: () => reader ?? Promise.reject(new Error("Not signed in yet")),
  };
}
