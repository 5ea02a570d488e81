/**
 * `npm start`: the whole LearnPulse backend on this machine — Firestore stand-in, Redis behind the Upstash REST
 * bridge, every callable at the Functions emulator's URLs, an Auth emulator stand-in, triggers and schedules — seeded
 * with the demo catalogue, and the dashboard.
 */
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { startDashboard } from "../../dashboard/server.ts";
import { startStack } from "@learnpulse/local-stack";
import { DEMO_COURSE_ID, seedDemoCatalogue } from "@learnpulse/local-stack/seed.ts";
import { emulatorIdToken } from "@learnpulse/local-stack/tokens.ts";

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const stack = await startStack({
  functionsPort: port("FUNCTIONS_PORT", 5001),
  firestorePort: port("FIRESTORE_PORT", 8080),
  redisPort: port("UPSTASH_PORT", 8079),
  // The official Auth emulator's default port.
  authPort: port("AUTH_PORT", 9099),
  scheduleTimers: true,
  ...(process.env["SCHEDULE_INTERVAL_MS"] ? { scheduleIntervalMs: Number(process.env["SCHEDULE_INTERVAL_MS"]) } : {}),
});

const admin = initializeApp({ projectId: stack.projectId }, "seed");
await seedDemoCatalogue(getFirestore(admin));

const dashboard = await startDashboard({
  functionsUrl: stack.env.LEARNPULSE_FUNCTIONS_URL,
  authEmulatorHost: stack.env.FIREBASE_AUTH_EMULATOR_HOST,
  firestoreHost: stack.env.FIRESTORE_EMULATOR_HOST,
  port: port("DASHBOARD_PORT", 5173),
});

const token = emulatorIdToken("demo-student");
console.log(`
Firestore      ${stack.env.FIRESTORE_EMULATOR_HOST}${stack.firestore ? " (in-process stand-in)" : " (external emulator)"}
Upstash REST   ${stack.redisShards.map((shard) => shard.restUrl).join(", ")}  (backend: ${stack.redis.kind}, ${stack.redisShards.length} shard${stack.redisShards.length > 1 ? "s" : ""})
BigQuery       ${stack.bigquery.apiEndpoint}  (stand-in, DuckDB)
MongoDB        ${stack.env.MONGODB_URI}${stack.mongo ? "  (stand-in)" : "  (external)"}
Cosmos DB      ${stack.cosmos.endpoint}  (stand-in)
Auth emulator  http://${stack.env.FIREBASE_AUTH_EMULATOR_HOST}${stack.auth ? "  (stand-in: signInWithCustomToken with unsigned custom tokens)" : "  (external)"}
Callables      ${stack.host.baseUrl}/{name}: ${[...stack.functions.callables.keys()].join(", ")}
Triggers       ${[...stack.functions.triggers.keys()].join(", ") || "(none)"}
Auth triggers  ${[...stack.functions.authTriggers.keys()].join(", ") || "(none)"}  (fired by the Admin SDK's deleteUser at the Auth emulator)
Schedules      ${[...stack.functions.schedules.keys()].join(", ") || "(none)"}
Task queues    ${stack.env.CLOUD_TASKS_EMULATOR_HOST}: ${[...stack.functions.tasks.keys()].join(", ") || "(none)"}
Stack control  ${stack.env.LEARNPULSE_STACK_URL}/stats
Demo course    ${DEMO_COURSE_ID}
Dashboard      ${dashboard.url}  (signs in through the Auth emulator: pick any uid; tick "admin claim" for Data sync, "teacher claim" for Reviews and Analytics)

Env for a client or a script:
${Object.entries(stack.env)
  .map(([name, value]) => `  export ${name}=${value}`)
  .join("\n")}

Try it (an unsigned emulator token for uid "demo-student"):
  curl -s -X POST ${stack.host.urlOf("getStudentStats")} \\
    -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"data":{}}'

LearnPulse local stack ready
`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping the local stack`);
  await dashboard.stop();
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
