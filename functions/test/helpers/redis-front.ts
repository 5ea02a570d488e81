/**
 * A front before an Upstash REST bridge that can misbehave per request, the way a network or a saturated Upstash
 * does: hold a request (the client gives up, Redis applies it later), or reset the connection before or after Redis
 * has applied it. Tests point the product's clients at `url` instead of the bridge.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** What the front does with one request. */
export type FrontAction = { kind: "pass" } | { kind: "hold"; ms: number } | { kind: "reset-before" } | { kind: "reset-after" };

export interface RedisFront {
  url: string;
  /** Requests by what was done with them. */
  counts: Record<FrontAction["kind"], number>;
  close(): Promise<void>;
}

export async function startRedisFront(bridgeUrl: string, decide: (path: string) => FrontAction): Promise<RedisFront> {
  const counts = { pass: 0, hold: 0, "reset-before": 0, "reset-after": 0 };
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const action = decide(req.url ?? "/");
    counts[action.kind]++;
    if (action.kind === "reset-before") return void req.socket.destroy();
    if (action.kind === "hold") await new Promise((resolve) => setTimeout(resolve, action.ms));
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name))) as Record<string, string>;
    try {
      const answer = await fetch(`${bridgeUrl}${req.url}`, { method: req.method ?? "POST", headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) });
      const body = Buffer.from(await answer.arrayBuffer());
      if (action.kind === "reset-after") return void req.socket.destroy();
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" }).end(body);
    } catch {
      req.socket.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
