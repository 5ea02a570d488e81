/** Ids derived from what makes a request unique, so a retried or racing request lands on the same document. */
import { createHash } from "node:crypto";

/** A 32-character URL-safe id from its parts (a NUL separates them, which no part can contain). */
export function derivedId(...parts: string[]): string {
  return createHash("sha256").update(parts.join("\u0000")).digest("base64url").slice(0, 32);
}
