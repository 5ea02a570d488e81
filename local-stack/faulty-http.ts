/**
 * The HTTP front shared by the REST stand-ins (the Upstash bridge, BigQuery): a body size cap and fault injection
 * — `refuse` destroys connections, `timeout` holds requests unanswered (released when the fault changes or the
 * server closes), `error` answers as an outage of that service would.
 */
import http from "node:http";
import type net from "node:net";

export type HttpFault = false | "refuse" | "timeout" | "error";

export interface FaultyHttpServer {
  port: number;
  fault(mode: HttpFault): void;
  close(): Promise<void>;
}

export interface FaultyHttpOptions {
  port: number;
  maxRequestBytes: number;
  handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): Promise<void>;
  /** The answer of the service when it is down (`error` fault). */
  outage(res: http.ServerResponse): void;
  /** The answer to a body over maxRequestBytes. */
  tooLarge(res: http.ServerResponse): void;
  /** The answer when `handle` throws unexpectedly. */
  failed(res: http.ServerResponse, error: unknown): void;
}

export async function startFaultyHttpServer(options: FaultyHttpOptions): Promise<FaultyHttpServer> {
  let fault: HttpFault = false;
  const held = new Set<http.ServerResponse>();
  const release = () => {
    for (const res of held) res.destroy();
    held.clear();
  };

  const server = http.createServer((req, res) => {
    if (fault === "refuse") return void req.socket.destroy();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= options.maxRequestBytes) chunks.push(chunk);
    });
    req.on("end", () => {
      if (fault === "timeout") {
        held.add(res);
        return void res.on("close", () => held.delete(res));
      }
      if (fault === "error") return options.outage(res);
      if (size > options.maxRequestBytes) return options.tooLarge(res);
      options.handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        if (!res.headersSent) options.failed(res, error);
      });
    });
  });
  server.on("connection", (socket: net.Socket) => {
    if (fault === "refuse") socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });

  return {
    port: (server.address() as net.AddressInfo).port,
    fault(mode) {
      fault = mode;
      if (mode === "refuse") server.closeAllConnections();
      if (mode !== "timeout") release();
    },
    async close() {
      release();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
