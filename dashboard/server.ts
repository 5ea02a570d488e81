/**
 * Serves the dashboard with Vite's dev server and proxies `/fn/{name}` to the local stack's callables, so the page
 * calls the same origin (the callable host sends no CORS headers) and never needs the stack's port.
 * Used by `npm start` and the browser test.
 */
import { fileURLToPath } from "node:url";
import { createServer } from "vite";

export interface Dashboard {
  url: string;
  stop(): Promise<void>;
}

export interface DashboardOptions {
  /** The stack's `LEARNPULSE_FUNCTIONS_URL`: `http://127.0.0.1:PORT/{project}/{region}`. */
  functionsUrl: string;
  /** 0 picks a free port. */
  port: number;
}

const root = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export async function startDashboard(options: DashboardOptions): Promise<Dashboard> {
  const functions = new URL(options.functionsUrl);
  const server = await createServer({
    configFile: false,
    root,
    logLevel: "warn",
    clearScreen: false,
    server: {
      host: "127.0.0.1",
      port: options.port,
      strictPort: options.port !== 0,
      // The page imports the demo catalogue from scripts/stack/seed.ts and types from functions/src/schemas.
      fs: { allow: [repoRoot] },
      proxy: {
        "/fn/": { target: functions.origin, rewrite: (path) => path.replace(/^\/fn/, functions.pathname.replace(/\/$/, "")) },
      },
    },
  });
  await server.listen();
  const address = server.httpServer?.address();
  if (!address || typeof address === "string") throw new Error("The dashboard server has no TCP address");
  return { url: `http://127.0.0.1:${address.port}/`, stop: () => server.close() };
}
