/**
 * A load generator in its own thread, so that it does not share the event loop of the stack it measures:
 * `concurrency` callers send callable requests back to back for `durationMs`, and it reports how many succeeded.
 */
import { parentPort, workerData } from "node:worker_threads";

interface LoadJob {
  url: string;
  token: string;
  body: string;
  concurrency: number;
  durationMs: number;
}

const job = workerData as LoadJob;
const deadline = Date.now() + job.durationMs;
let ok = 0;
let failed = 0;

async function caller(): Promise<void> {
  while (Date.now() < deadline) {
    const response = await fetch(job.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${job.token}` },
      body: job.body,
    });
    await response.arrayBuffer();
    if (response.ok) ok++;
    else failed++;
  }
}

await Promise.all(Array.from({ length: job.concurrency }, caller));
parentPort?.postMessage({ ok, failed, perSecond: ok / (job.durationMs / 1000) });
