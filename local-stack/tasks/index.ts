/**
 * Cloud Tasks queues for the `onTaskDispatched` functions, as the Cloud Tasks emulator runs them: the routes
 * firebase-admin's `getFunctions().taskQueue(name)` calls when CLOUD_TASKS_EMULATOR_HOST is set (CreateTask,
 * DeleteTask), one queue per task function with its retry policy and rate limits, and each attempt served to the
 * function in this process (dispatch.ts). Loopback tooling, like the callable host: no auth on the API, OIDC tokens unsigned.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { close, listen } from "../callable-host.ts";
import { MAX_FUNCTION_BODY_BYTES, readBody } from "../http-body.ts";
import type { FunctionExport } from "../functions-module.ts";
import { apiError, parseCreateTask, sendError, taskResource } from "./api.ts";
import { queueConfigOf } from "./config.ts";
import { runAttempt, type Target } from "./dispatch.ts";
import { createTaskQueue, type TaskQueue, type TaskQueueStats } from "./queue.ts";

export type { TaskQueueStats } from "./queue.ts";

export interface LocalTasks {
  port: number;
  /** host:port, the value of CLOUD_TASKS_EMULATOR_HOST. */
  host: string;
  /** Creates the queue of each task function, named after it, as deploying the functions does; call once they load. */
  serve(tasks: Map<string, FunctionExport>): void;
  /**
   * Fault injection: while on, CreateTask answers 429 RESOURCE_EXHAUSTED (Cloud Tasks' answer past its quota), so an
   * enqueue fails. Returns how many creates it refused since it was last turned on.
   */
  refuseCreates(on: boolean): number;
  /** By queue. */
  stats(): Record<string, TaskQueueStats>;
  resetStats(): void;
  /** Resolves when no queue holds a task and no attempt is in flight (a task scheduled later is waited for). */
  idle(): Promise<void>;
  /** Resolves when no attempt is in flight and no task is due within `withinMs`: tasks scheduled later are left waiting. */
  settled(withinMs: number): Promise<void>;
  /** Drops waiting tasks and timers, waits for the attempts in flight, closes the server. */
  stop(): Promise<void>;
}

export interface TasksOptions {
  projectId: string;
  /** 0 picks a free port. @default 0 */
  port?: number;
  /** Multiplies every retry backoff and maxRetrySeconds, so tests run retries in milliseconds. @default 1 */
  backoffScale?: number;
  log?: (line: string) => void;
}

interface Served {
  fn: FunctionExport;
  queue: TaskQueue;
  locations: string[];
}

/** A match of TASKS_ROUTE: project, location, queue, and the task id of a DELETE. */
type TaskRoute = [string, string, string, string, string | undefined];

const TASKS_ROUTE = /^(?:\/v2)?\/projects\/([^/]+)\/locations\/([^/]+)\/queues\/([^/]+)\/tasks(?:\/([^/]+))?$/;

export async function startTasks(options: TasksOptions): Promise<LocalTasks> {
  const { projectId } = options;
  const log = options.log ?? ((line: string) => console.error(line));
  const backoffScale = options.backoffScale ?? 1;
  if (!(backoffScale > 0 && Number.isFinite(backoffScale))) throw new Error(`backoffScale must be a positive number (got ${backoffScale})`);
  const served = new Map<string, Served>();
  let stopping = false;
  let refusing = false;
  let refused = 0;

  const server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const route = TASKS_ROUTE.exec(path);
    if (route && req.method === "POST" && !route[4]) return void createTask(route as unknown as TaskRoute, req, res);
    if (route && req.method === "DELETE" && route[4]) return void deleteTask(route as unknown as TaskRoute, res);
    sendError(res, apiError(404, "NOT_FOUND", `No route ${req.method} ${path}`));
  });
  server.keepAliveTimeout = 30_000;
  const port = await listen(server, options.port ?? 0);

  async function createTask(route: TaskRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const entry = findQueue(route, res);
    if (!entry) return;
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req, MAX_FUNCTION_BODY_BYTES)).toString("utf8"));
    } catch {
      return sendError(res, apiError(400, "INVALID_ARGUMENT", "The body must be a CreateTask request in JSON, at most 32 MiB"));
    }
    if (stopping) return sendError(res, apiError(503, "UNAVAILABLE", "The local stack is stopping"));
    if (refusing) {
      refused++;
      return sendError(res, apiError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for CreateTask requests (stand-in fault)"));
    }
    const task = parseCreateTask(body, queuePath(route));
    if ("code" in task) return sendError(res, task);
    if (!entry.queue.add(task)) return sendError(res, apiError(409, "ALREADY_EXISTS", `Requested entity already exists: ${task.name}`));
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(taskResource(task, Date.now())));
  }

  function deleteTask(route: TaskRoute, res: ServerResponse): void {
    const entry = findQueue(route, res);
    if (!entry) return;
    const name = `${queuePath(route)}/tasks/${decodeURIComponent(route[4] as string)}`;
    if (!entry.queue.remove(name)) return sendError(res, apiError(404, "NOT_FOUND", `Requested entity was not found: ${name}`));
    res.writeHead(200, { "content-type": "application/json" }).end("{}");
  }

  /** A queue exists where its function is deployed: the stack's project, one of the function's regions. */
  function findQueue(route: TaskRoute, res: ServerResponse): Served | undefined {
    const [, project, location, queue] = route;
    const entry = served.get(decodeURIComponent(queue));
    if (project === projectId && entry?.locations.includes(location)) return entry;
    const known = [...served].map(([name, { locations }]) => `${name} (${locations.join(", ")})`).join("; ") || "none";
    sendError(res, apiError(404, "NOT_FOUND", `Queue ${queuePath(route)} does not exist; task functions of ${projectId}: ${known}`));
    return undefined;
  }

  return {
    port,
    host: `127.0.0.1:${port}`,
    serve(tasks) {
      if (served.size) throw new Error("The task queues are already served");
      for (const [name, fn] of tasks) {
        const config = queueConfigOf(name, fn);
        const [location] = config.locations;
        const target: Target = {
          path: `/${name}`,
          queue: name,
          deployedUrl: `https://${location}-${projectId}.cloudfunctions.net/${name}`,
        };
        const queue = createTaskQueue({
          config,
          backoffScale,
          dispatch: (attempt) => runAttempt(fn, attempt, target),
          log: (line) => log(`task queue ${name}: ${line}`),
        });
        served.set(name, { fn, queue, locations: config.locations });
      }
    },
    refuseCreates(on) {
      const count = refused;
      if (on && !refusing) refused = 0;
      refusing = on;
      return on ? 0 : count;
    },
    stats: () => Object.fromEntries([...served].map(([name, { queue }]) => [name, queue.stats()])),
    resetStats: () => served.forEach(({ queue }) => queue.resetStats()),
    async idle() {
      // A task may enqueue another, in any queue: wait until a pass finds every queue idle.
      const queues = () => [...served.values()].map(({ queue }) => queue);
      while (queues().some((queue) => !queue.isIdle())) await Promise.all(queues().map((queue) => queue.idle()));
    },
    async settled(withinMs) {
      while ([...served.values()].some(({ queue }) => !queue.isSettled(withinMs))) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    async stop() {
      stopping = true;
      await Promise.all([...served.values()].map(({ queue }) => queue.stop()));
      await close(server);
    },
  };
}

const queuePath = ([, project, location, queue]: TaskRoute) =>
  `projects/${project}/locations/${location}/queues/${decodeURIComponent(queue)}`;
