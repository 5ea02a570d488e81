/**
 * How Cloud Tasks delivers an attempt to an HTTP target: a POST of the task's body with the task's headers, the
 * X-CloudTasks-* headers (Cloud Tasks' HTTP target request headers) and, for an `oidcToken`, an Authorization header.
 * Here the request is handed to the task function in this process (callable-host.ts `invoke`), without the loopback
 * round trip.
 */
import { invoke } from "../callable-host.ts";
import type { FunctionExport } from "../functions-module.ts";
import { unsignedOidcToken } from "../tokens.ts";
import type { Attempt, AttemptResult } from "./queue.ts";

/** Headers that HTTP or Cloud Tasks itself sets; a task's own value for them is not sent. */
const SYSTEM_HEADERS = /^(host|content-length|connection|transfer-encoding|user-agent|x-cloudtasks-.*|x-google-.*|x-appengine-.*)$/i;

export interface Target {
  /** The path the function would be posted to. */
  path: string;
  /** The queue's id: the function's name. */
  queue: string;
  /** The function's URL once deployed: an OIDC token's audience unless the task names one. */
  deployedUrl: string;
}

export function attemptHeaders(attempt: Attempt, target: Target): Headers {
  const { task } = attempt;
  const headers = new Headers();
  for (const [name, value] of Object.entries(task.headers)) if (!SYSTEM_HEADERS.test(name)) headers.set(name, value);
  headers.set("user-agent", "Google-Cloud-Tasks");
  headers.set("x-cloudtasks-queuename", target.queue);
  headers.set("x-cloudtasks-taskname", task.id);
  headers.set("x-cloudtasks-taskretrycount", String(attempt.retryCount));
  headers.set("x-cloudtasks-taskexecutioncount", String(attempt.executionCount));
  // Seconds since the epoch, as Cloud Tasks writes it (firebase-functions hands it on as `scheduledTime`).
  headers.set("x-cloudtasks-tasketa", (attempt.eta / 1000).toFixed(6));
  if (attempt.previousResponse !== undefined) headers.set("x-cloudtasks-taskpreviousresponse", String(attempt.previousResponse));
  if (task.oidcToken) {
    headers.set("authorization", `Bearer ${unsignedOidcToken(task.oidcToken.serviceAccountEmail, task.oidcToken.audience ?? target.deployedUrl)}`);
  }
  return headers;
}

/** Runs one attempt on the task function: its status, or why no answer came within the task's dispatch deadline. */
export async function runAttempt(fn: FunctionExport, attempt: Attempt, target: Target): Promise<AttemptResult> {
  const headers = Object.fromEntries(attemptHeaders(attempt, target));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<AttemptResult>((resolve) => {
    timer = setTimeout(() => resolve({ error: `no answer within the ${attempt.task.dispatchDeadlineMs / 1000} s dispatch deadline` }), attempt.task.dispatchDeadlineMs);
  });
  try {
    // The handler goes on past the deadline, as an instance does when Cloud Tasks stops waiting for it.
    return await Promise.race([invoke(fn, { url: target.path, headers, body: attempt.task.body }), deadline]);
  } catch (error) {
    return { error: String(error) };
  } finally {
    clearTimeout(timer);
  }
}
