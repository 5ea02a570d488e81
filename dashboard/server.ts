/**
 * Serves the dashboard with Vite's dev server and tells the page where the local stack is (`__LEARNPULSE_STACK__`,
 * see src/session.ts). Used by `npm start` and the browser test.
 *
 * The page calls the stack's callable host, Auth emulator and Firestore directly, cross-origin, as a web app does with
 * connectFunctionsEmulator/connectAuthEmulator/connectFirestoreEmulator — no proxy. Both answer CORS as the real services do: the callable host
 * runs firebase-functions' own onCall handler, whose `cors` middleware answers preflights (onCall's `cors` option,
 * default true), and the Auth stand-in reflects the origin like the official emulator. A same-origin proxy would
 * hide a missing CORS answer that a real deployment would hit.
 */
import { fileURLToPath } from "node:url";
import { createServer } from "vite";
import type { StackLocation } from "./src/session.ts";

export interface Dashboard {
  url: string;
  stop(): Promise<void>;
}

export interface DashboardOptions {
  /** The stack's `LEARNPULSE_FUNCTIONS_URL`: `http://127.0.0.1:PORT/{project}/{region}`. */
  functionsUrl: string;
  /** The stack's `FIREBASE_AUTH_EMULATOR_HOST`: `127.0.0.1:PORT`. */
  authEmulatorHost: string;
  /** The stack's `FIRESTORE_EMULATOR_HOST`: `127.0.0.1:PORT`. */
  firestoreHost: string;
  /** 0 picks a free port. */
  port: number;
}

const root = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const server = await createServer({
    configFile: false,
    root,
    logLevel: "warn",
    clearScreen: false,
    define: { __LEARNPULSE_STACK__: JSON.stringify(stackLocation(options)) },
    // The page's only packages, bundled when the server starts; no discovery while pages load, because a dependency
    // found then makes Vite reload the page, resetting the player mid-play.
    optimizeDeps: { include: ["firebase/app", "firebase/auth", "firebase/firestore", "firebase/functions", "chart.js"], noDiscovery: true },
    // One bundle cache per NODE_ENV ("test" under vitest, unset under npm start): Vite rebuilds a cache made under the
    // other, so a shared one would be rebuilt at every switch.
    cacheDir: fileURLToPath(new URL(`../node_modules/.vite/dashboard-${process.env["NODE_ENV"] ?? "development"}`, import.meta.url)),
    server: {
      host: "127.0.0.1",
      port: options.port,
      strictPort: options.port !== 0,
      // The page imports the typed client (client/src), the demo catalogue and tokens (local-stack) and types from
      // functions/src/schemas.
      fs: { allow: [repoRoot] },
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("The dashboard server has no TCP address");
  return { url: `http://127.0.0.1:${address.port}/`, stop: () => server.close() };
}

function stackLocation({ functionsUrl, authEmulatorHost, firestoreHost }: DashboardOptions): StackLocation {
  const url = new URL(functionsUrl);
  const [projectId, region] = url.pathname.split("/").filter(Boolean);
  if (!projectId || !region) throw new Error(`LEARNPULSE_FUNCTIONS_URL should end in /{project}/{region}: ${functionsUrl}`);
  const firestore = new URL(`http://${firestoreHost}`);
  return {
    projectId,
    region,
    functionsHost: url.hostname,
    functionsPort: Number(url.port),
    authEmulatorUrl: `http://${authEmulatorHost}`,
    firestoreHost: firestore.hostname,
    firestorePort: Number(firestore.port),
  };
}
