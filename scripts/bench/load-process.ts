/**
 * A load generator in its own process, so that it shares neither the event loop nor the CPU accounting of the
 * stack it measures:
 * `concurrency` callers send callable requests back to back for `durationMs`, and it reports how many succeeded.
 * It uses node:http with keep-alive rather than fetch: on a 2-core machine the generator's own cost per request
 * must stay small next to the server's, or the figure measures the generator.
 */
import { Agent, request } from "node:http";

interface LoadJob {
  url: string;
  /**
   * ID tokens, used in turn from `firstUser` on: `requestsPerUser` requests each (back to back, so that one key's
   * pings may be in flight together, as on a shared instance), then the next user.
   */
  tokens: string[];
  firstUser: number;
  requestsPerUser: number;
  body: string;
  concurrency: number;
  durationMs: number;
}

const job = await new Promise<LoadJob>((resolve) => process.once("message", (message) => resolve(message as LoadJob)));
const agent = new Agent({ keepAlive: true, maxSockets: job.concurrency });
const body = Buffer.from(job.body);
const authorizations = job.tokens.map((token) => `Bearer ${token}`);
let next = 0;
const deadline = Date.now() + job.durationMs;
let ok = 0;
let failed = 0;

function call(): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const user = job.firstUser + Math.floor(next++ / job.requestsPerUser);
    const authorization = authorizations[user % authorizations.length];
    const headers = { "content-type": "application/json", authorization, "content-length": body.length };
    const req = request(job.url, { method: "POST", agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode === 200));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function caller(): Promise<void> {
  while (Date.now() < deadline) {
    if (await call()) ok++;
    else failed++;
  }
}

await Promise.all(Array.from({ length: job.concurrency }, caller));
agent.destroy();
process.send?.({ ok, failed, sent: next, perSecond: ok / (job.durationMs / 1000) }, () => process.exit(0));
