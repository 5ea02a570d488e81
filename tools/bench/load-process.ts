/**
 * A load generator in its own process, so that it shares neither the event loop nor the CPU accounting of the
 * stack it measures: `concurrency` callers send callable requests back to back for `durationMs` (or `requests` in all),
 * and it reports how many succeeded (and, for a count of requests, each one's latency from request to whole answer).
 *
 * Each caller is one keep-alive connection that writes ready-made HTTP/1.1 request bytes and reads just enough of the
 * answer (status line, Content-Length or chunked framing) to count it. On a 2-core machine the generator shares its
 * core with the Redis stand-in, which only the ping side of the throughput figure uses: a generator that costs much
 * per request (node:http's client costs about as much as the empty callable it calls) leaves the host waiting for
 * requests and charges the stand-in's CPU to the ping, so the figure would measure the generator.
 */
import { connect, type Socket } from "node:net";
import { parseAnswer } from "./http-answer.ts";

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
  /** Stop after this many requests instead of after durationMs, and report each one's latency. */
  requests?: number;
}

const job = await new Promise<LoadJob>((resolve) => process.once("message", (message) => resolve(message as LoadJob)));
const target = new URL(job.url);
const port = Number(target.port || 80);

/** One user's request, built once: every request of that user is the same bytes. */
const requestBytes = new Map<number, Buffer>();
function requestOf(user: number): Buffer {
  let bytes = requestBytes.get(user);
  if (!bytes) {
    const token = job.tokens[user % job.tokens.length];
    const head =
      `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
      `Authorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(job.body)}\r\n\r\n`;
    bytes = Buffer.from(head + job.body);
    requestBytes.set(user, bytes);
  }
  return bytes;
}

let next = 0;
let ok = 0;
let failed = 0;
const latenciesMs: number[] = [];
const deadline = Date.now() + job.durationMs;
const finished = () => (job.requests === undefined ? Date.now() >= deadline : next >= job.requests);
function caller(): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({ host: target.hostname, port, noDelay: true });
    let pending: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    let done = false;
    const send = () => {
      if (finished()) {
        done = true;
        socket.end();
        resolve();
        return;
      }
      const user = job.firstUser + Math.floor(next++ / job.requestsPerUser);
      sentAt = performance.now();
      socket.write(requestOf(user));
    };
    socket.once("connect", send);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const answer = parseAnswer(pending);
      if (!answer) return;
      if (job.requests !== undefined) latenciesMs.push(performance.now() - sentAt);
      pending = pending.subarray(answer.length);
      if (answer.ok) ok++;
      else failed++;
      send();
    });
    socket.on("error", reject);
    socket.on("close", () => (done ? resolve() : reject(new Error("the server closed a connection during the load"))));
  });
}

const startedAt = performance.now();
await Promise.all(Array.from({ length: job.concurrency }, caller));
const seconds = job.requests === undefined ? job.durationMs / 1000 : (performance.now() - startedAt) / 1000;
process.send?.({ ok, failed, sent: next, perSecond: ok / seconds, latenciesMs }, () => process.exit(0));
