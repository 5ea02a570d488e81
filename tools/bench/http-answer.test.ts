import { createServer, type Server } from "node:http";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAnswer } from "./http-answer.ts";

/** Answers as the callable host does (one `end` with the body: Content-Length) or in pieces (chunked), by path. */
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/chunked") {
      res.writeHead(400, { "content-type": "application/json" });
      res.write('{"error":');
      res.end('{"status":"INVALID_ARGUMENT"}}');
    } else res.end(JSON.stringify({ result: { message: "synced" } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** The raw bytes of the answers to `paths`, asked one after another on one keep-alive connection. */
function rawAnswers(paths: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(Buffer.concat(chunks)));
    const requests = paths.map((path, i) => `GET ${path} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? "Connection: close\r\n" : ""}\r\n`);
    socket.write(requests.join(""));
  });
}

describe("the load generator's reading of an answer", () => {
  it("when an answer has a Content-Length, then it is complete exactly at its last byte, and a 200 counts as ok", async () => {
    const raw = await rawAnswers(["/"]);
    for (let end = 0; end < raw.length; end++) expect(parseAnswer(raw.subarray(0, end))).toBeUndefined();
    expect(parseAnswer(raw)).toEqual({ length: raw.length, ok: true });
  });

  it("when an answer is chunked, then it is complete exactly at its last chunk, and a 400 does not count as ok", async () => {
    const raw = await rawAnswers(["/chunked"]);
    expect(raw.toString("latin1")).toMatch(/transfer-encoding: chunked/i);
    for (let end = 0; end < raw.length; end++) expect(parseAnswer(raw.subarray(0, end))).toBeUndefined();
    expect(parseAnswer(raw)).toEqual({ length: raw.length, ok: false });
  });

  it("when two answers arrive together, then the first one's length is where the second starts", async () => {
    const raw = await rawAnswers(["/chunked", "/"]);
    const first = parseAnswer(raw);
    expect(first?.ok).toBe(false);
    expect(parseAnswer(raw.subarray(first?.length))).toEqual({ length: raw.length - (first?.length ?? 0), ok: true });
  });
});
