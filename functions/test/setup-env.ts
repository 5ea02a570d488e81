/**
 * Runs in every test worker before its tests: points the product code's SDK clients (firebase-admin, @upstash/redis)
 * at the stack that global-setup started, as deployed functions find their services through env and params.
 */
import { inject } from "vitest";

Object.assign(process.env, inject("stackEnv"));
