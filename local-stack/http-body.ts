/** Reading a request body with a cap, for the stand-ins' HTTP servers (the callable host, the task queues, Firestore's HTTP front). */
import type { IncomingMessage } from "node:http";

/** Cloud Functions' own request cap (32 MiB for HTTP functions): a callable's body, and a task attempt's. */
export const MAX_FUNCTION_BODY_BYTES = 32 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

/** The request body; past `maxBytes` it rejects with BodyTooLargeError and stops reading. */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError());
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}
