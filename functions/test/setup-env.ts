/**
 * Runs in every test worker before its tests: points the product code's SDK clients (firebase-admin, @upstash/redis)
 * at the stack that global-setup started, as deployed functions find their services through env and params.
 */
import { inject } from "vitest";
import { divertStructuredLogs } from "./helpers/log-capture.ts";

Object.assign(process.env, inject("stackEnv"));
// Product code called directly in this process logs into the run's log file, not the terminal (helpers/log-capture.ts).
divertStructuredLogs(inject("functionsLogFile"));
