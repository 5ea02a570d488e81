/**
 * The typed client through the Firebase JS SDK against the local stack: the SDK's own Auth instance signs in
 * (connectAuthEmulator + signInWithCustomToken, against the stack's Auth emulator: FIREBASE_AUTH_EMULATOR_HOST) and
 * `httpsCallable` attaches its ID token, exactly as a web app does against the Auth and Functions emulators.
 */
import { randomUUID } from "node:crypto";
import { deleteApp, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithCustomToken } from "firebase/auth";
import { connectFunctionsEmulator, FunctionsError, getFunctions } from "firebase/functions";
import { afterAll, describe, expect, it } from "vitest";
import { createCourse } from "../../functions/test/helpers/progress.js";
import { unsignedCustomToken } from "@learnpulse/local-stack/tokens.ts";
import { callableErrorCode, createLearnPulseClient, type LearnPulseClient } from "../src/api.js";
import { ProgressTracker } from "../src/progress-tracker.js";

const projectId = process.env["GCLOUD_PROJECT"] ?? "demo-learnpulse";
const functionsPort = Number(new URL(process.env["LEARNPULSE_FUNCTIONS_URL"] ?? "http://127.0.0.1:5001").port);
const authEmulatorUrl = `http://${process.env["FIREBASE_AUTH_EMULATOR_HOST"] ?? "127.0.0.1:9099"}`;
const id = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

const apps: FirebaseApp[] = [];

/** A client signed in as `uid` (or signed out with `null`), in its own Firebase app. */
async function clientFor(uid: string | null, claims: Record<string, unknown> = {}): Promise<LearnPulseClient> {
  const app = initializeApp({ projectId, apiKey: "fake" }, id("app"));
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, authEmulatorUrl, { disableWarnings: true });
  if (uid !== null) await signInWithCustomToken(auth, unsignedCustomToken(uid, claims));
  const functions = getFunctions(app, "us-central1");
  connectFunctionsEmulator(functions, "127.0.0.1", functionsPort);
  return createLearnPulseClient(functions);
}

afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
});

describe("typed client against the local stack", () => {
  it("when a tracker pings through the client, then getProgress and the stats read it back", async () => {
    const client = await clientFor(id("student"));
    const { courseId, lectureIds } = await createCourse(2);
    const lectureId = lectureIds[0] as string;
    const errors: unknown[] = [];
    const saved: unknown[] = [];
    const tracker = new ProgressTracker({ courseId, lectureId, duration: 120, save: client.saveProgress, onError: (error) => errors.push(error), onSaved: (ping) => saved.push(ping) });

    tracker.play(0);
    tracker.seek(0, 30);
    tracker.pause(30);
    await expect.poll(() => saved.length).toBe(2);
    tracker.dispose();
    await client.recordActivity({ type: "lecture_view", clientEventId: id("event"), courseId, lectureId });

    const progress = await client.getProgress({ courseId });
    expect(errors).toEqual([]);
    expect(progress).toMatchObject({ courseId, watchTimes: { [lectureId]: 30 }, lastWatchedLecture: lectureId });
    expect(await client.getStudentStats()).toMatchObject({ currentStreak: 1, totalActiveDays: 1 });
  });

  it("when a payload is invalid, then the SDK's FunctionsError carries the code and each failing field", async () => {
    const client = await clientFor(id("student"));

    const error: unknown = await client.getProgress({ courseId: "no/slashes" }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(FunctionsError);
    expect(callableErrorCode(error)).toBe("invalid-argument");
    expect((error as FunctionsError).details).toEqual([expect.objectContaining({ path: "courseId" })]);
  });

  it("when nobody is signed in or a student calls an admin callable, then the call is refused", async () => {
    const signedOut = await clientFor(null);
    const student = await clientFor(id("student"));

    expect(callableErrorCode(await signedOut.getStudentStats().catch((caught: unknown) => caught))).toBe("unauthenticated");
    expect(callableErrorCode(await student.flushNow().catch((caught: unknown) => caught))).toBe("permission-denied");
  });

  it("when an admin signs in with the admin claim, then the operations callables answer", async () => {
    const admin = await clientFor(id("admin"), { admin: true });

    const status = await admin.getSyncStatus();

    expect(status.sinks.bigquery).toHaveProperty("enabled");
    expect(typeof status.writeBehind.dirtyKeys).toBe("number");
  });
});
