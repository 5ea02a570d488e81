/**
 * Fires the exported Firestore triggers (onDocumentWritten/Created/Updated/Deleted) from the local Firestore's
 * commits: one CloudEvent per changed document per matching trigger, with before/after in the JSON form that
 * firebase-functions decodes, and path params extracted from the trigger's document pattern. A trigger registered
 * with `retry: true` is invoked again with the same event while it fails, as Eventarc does: backoff from 10 s doubling
 * to 600 s, for up to 24 hours (PRICES.md [30]); `retryBackoffScale` shortens the waits for tests.
 */
import { randomUUID } from "node:crypto";
import type { FunctionExport } from "./functions-module.ts";
import type { FirestoreCommit, FirestoreWrite, LocalFirestore } from "./firestore/index.ts";

const EVENT_PREFIX = "google.cloud.firestore.document.v1.";

export interface TriggerBridge {
  /** Resolves when every trigger invocation started so far has finished. */
  idle(): Promise<void>;
  /**
   * Drops deliveries until the returned resume is called: for measurements of a writer that look at no sink (its
   * fan-out, delivered all at once, would keep the in-process sink stand-ins busy long after it).
   */
  mute(): () => void;
  /** Invocations since start: delivered (handler resolved), failed (handler threw), retried (invoked again after failing). */
  stats(): { delivered: number; failed: number; retried: number };
  /** Fires no more triggers and retries none; what is in flight finishes (idle() waits for it). */
  stop(): void;
}

export interface TriggerBridgeOptions {
  triggers: Map<string, FunctionExport>;
  firestore: Pick<LocalFirestore, "onCommit">;
  projectId: string;
  log?: (line: string) => void;
  /** Multiplies every retry backoff (tests: 0.001 turns 10 s into 10 ms). @default 1 */
  retryBackoffScale?: number;
}

/** Eventarc's retries of a trigger with `retry: true` (PRICES.md [30]). */
const RETRY_MIN_BACKOFF_MS = 10_000;
const RETRY_MAX_BACKOFF_MS = 600_000;
const RETRY_FOR_MS = 24 * 3_600_000;

interface Route {
  name: string;
  fn: FunctionExport;
  kind: string;
  pattern: string[];
}

export function startTriggerBridge(options: TriggerBridgeOptions): TriggerBridge {
  const routes = [...options.triggers].flatMap(([name, fn]) => routeOf(name, fn));
  const pending = new Set<Promise<unknown>>();
  const counts = { delivered: 0, failed: 0, retried: 0 };
  const scale = options.retryBackoffScale ?? 1;
  const log = options.log ?? ((line) => console.error(line));

  let muted = false;
  let stopped = false;
  // A retry waiting out its backoff; stop() ends the waits, so that a stack stops without waiting up to a day.
  const cancelWaits = new Set<() => void>();
  const deliver = (commit: FirestoreCommit) => {
    for (const write of commit.writes) {
      for (const route of routes) {
        const params = matchPath(route.pattern, write.path);
        if (!params || !firesFor(route.kind, write)) continue;
        const event = cloudEvent(route, write, commit.commitTime, options.projectId);
        const retries = route.fn.__endpoint?.eventTrigger?.retry === true;
        const started = Date.now();
        const attempt = async (backoffMs: number): Promise<void> => {
          try {
            await (route.fn as unknown as (event: unknown) => unknown)(event);
            counts.delivered++;
          } catch (error) {
            counts.failed++;
            log(`trigger ${route.name} failed for ${write.path}: ${error instanceof Error ? error.stack : String(error)}`);
            if (!retries || Date.now() - started > RETRY_FOR_MS) return;
            await new Promise<void>((resolve) => {
              const end = () => {
                clearTimeout(timer);
                cancelWaits.delete(end);
                resolve();
              };
              const timer = setTimeout(end, backoffMs * scale);
              cancelWaits.add(end);
            });
            if (stopped) return log(`trigger ${route.name} for ${write.path}: not retried, the stack is stopping`);
            counts.retried++;
            await attempt(Math.min(RETRY_MAX_BACKOFF_MS, backoffMs * 2));
          }
        };
        const run = attempt(RETRY_MIN_BACKOFF_MS).finally(() => pending.delete(run));
        pending.add(run);
      }
    }
  };
  const unsubscribe = options.firestore.onCommit((commit: FirestoreCommit) => {
    if (!muted) deliver(commit);
  });

  return {
    async idle() {
      while (pending.size) await Promise.all([...pending]);
    },
    mute() {
      muted = true;
      return () => void (muted = false);
    },
    stats: () => ({ ...counts }),
    stop() {
      stopped = true;
      unsubscribe();
      for (const end of [...cancelWaits]) end();
    },
  };
}

function routeOf(name: string, fn: FunctionExport): Route[] {
  const trigger = fn.__endpoint?.eventTrigger;
  if (!trigger?.eventType.startsWith(EVENT_PREFIX)) return [];
  const document = trigger.eventFilterPathPatterns?.["document"] ?? trigger.eventFilters?.["document"];
  if (!document) return [];
  const kind = trigger.eventType.slice(EVENT_PREFIX.length).split(".")[0] as string;
  return [{ name, fn, kind, pattern: document.split("/") }];
}

function firesFor(kind: string, write: FirestoreWrite): boolean {
  switch (kind) {
    case "written":
      return true;
    case "created":
      return !write.before && !!write.after;
    case "updated":
      return !!write.before && !!write.after;
    case "deleted":
      return !!write.before && !write.after;
    default:
      return false;
  }
}

/** Matches `users/{uid}/progress/{courseId}` (and `{rest=**}` for any remaining segments) against a document path. */
export function matchPath(pattern: string[], path: string): Record<string, string> | undefined {
  const segments = path.split("/");
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const part = pattern[i] as string;
    const wildcard = /^\{([^=}]+)(=\*\*)?\}$/.exec(part);
    if (wildcard?.[2]) {
      if (i !== pattern.length - 1 || segments.length <= i) return undefined;
      params[wildcard[1] as string] = segments.slice(i).join("/");
      return params;
    }
    const segment = segments[i];
    if (segment === undefined) return undefined;
    if (wildcard) params[wildcard[1] as string] = segment;
    else if (part !== segment) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}

function cloudEvent(route: Route, write: FirestoreWrite, time: string, projectId: string) {
  const trigger = route.fn.__endpoint?.eventTrigger;
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: `//firestore.googleapis.com/projects/${projectId}/databases/(default)`,
    type: trigger?.eventType,
    time,
    datacontenttype: "application/json",
    subject: `documents/${write.path}`,
    project: projectId,
    location: "us-central1",
    database: "(default)",
    namespace: "(default)",
    document: write.path,
    data: {
      ...(write.before ? { oldValue: write.before } : {}),
      ...(write.after ? { value: write.after } : {}),
    },
  };
}
