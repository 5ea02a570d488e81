/**
 * How Cloud Tasks delivers an attempt to an HTTP target: a POST of the task's body with the task's headers, the
 * X-CloudTasks-* headers (Cloud Tasks' HTTP target request headers) and, for an `oidcToken`, an Authorization header.
 * Here it goes to the task function served in this process, over loopback, so the handler sees a real HTTP request.
 */
import { unsignedOidcToken } from "../tokens.ts";
import type { Attempt, AttemptResult } from "./queue.ts";

/** Headers that HTTP or Cloud Tasks itself sets; a task's own value for them is not sent. */
const SYSTEM_HEADERS = /^(host|content-length|connection|transfer-encoding|user-agent|x-cloudtasks-.*|x-google-.*|x-appengine-.*)$/i;

export interface Target {
  /** Where this process serves the function. */
  url: string;
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

/** Posts one attempt; the handler's status, or why no answer came within the task's dispatch deadline. */
export async function postAttempt(attempt: Attempt, target: Target): Promise<AttemptResult> {
  try {
    const response = await fetch(target.url, {
      method: "POST",
      headers: attemptHeaders(attempt, target),
      body: attempt.task.body,
      signal: AbortSignal.timeout(attempt.task.dispatchDeadlineMs),
    });
    await response.arrayBuffer(); // read to the end, so the connection is reused
    return { status: response.status };
  } catch (error) {
    const timedOut = error instanceof DOMException && error.name === "TimeoutError";
    return { error: timedOut ? `no answer within the ${attempt.task.dispatchDeadlineMs / 1000} s dispatch deadline` : String(error) };
  }
}
