/** The framing of an HTTP/1.1 answer, as little of it as the load generator (load-process.ts) needs. Pure. */

const HEADER_END = Buffer.from("\r\n\r\n");

/**
 * The length of the first complete answer in `buffer` and whether it was a 200, or undefined while it is incomplete.
 * Understands what node:http servers send: Content-Length, or chunked transfer encoding.
 */
export function parseAnswer(buffer: Buffer): { length: number; ok: boolean } | undefined {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd < 0) return undefined;
  const head = buffer.toString("latin1", 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  const bodyStart = headerEnd + HEADER_END.length;
  if (contentLength) {
    const length = bodyStart + Number(contentLength[1]);
    return buffer.length >= length ? { length, ok: status === 200 } : undefined;
  }
  if (!/\r\ntransfer-encoding:\s*chunked/i.test(head)) throw new Error(`an answer with neither Content-Length nor chunked encoding: ${head}`);
  let at = bodyStart;
  for (;;) {
    const lineEnd = buffer.indexOf("\r\n", at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString("latin1", at, lineEnd), 16);
    if (!Number.isFinite(size)) throw new Error(`a malformed chunk size: ${buffer.toString("latin1", at, lineEnd)}`);
    at = lineEnd + 2 + size + 2;
    if (at > buffer.length) return undefined;
    if (size === 0) return { length: at, ok: status === 200 };
  }
}
