/**
 * The official Firestore emulator's REST routes that test tooling calls (@firebase/rules-unit-testing's
 * `initializeTestEnvironment` and `clearFirestore`), so the same rules tests run against the stand-in and the emulator:
 * - `PUT /emulator/v1/projects/{project}:securityRules` with `{"rules": {"files": [{"content": "..."}]}}`
 * - `DELETE /emulator/v1/projects/{project}/databases/(default)/documents`
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../http-body.ts";
import type { Access } from "./access.ts";
import type { DocumentStore } from "./store.ts";

const MAX_RULES_BYTES = 256 * 1024;

export function emulatorRoute(req: IncomingMessage, res: ServerResponse, { projectId, store, access }: { projectId: string; store: DocumentStore; access: Access }): void {
  const path = decodeURIComponent(new URL(req.url ?? "/", "http://stand-in").pathname);
  const reply = (code: number, body: object) => void res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
  if (req.method === "DELETE" && path === `/emulator/v1/projects/${projectId}/databases/(default)/documents`) {
    store.clear();
    return reply(200, {});
  }
  if (req.method === "PUT" && path === `/emulator/v1/projects/${projectId}:securityRules`) {
    readBody(req, MAX_RULES_BYTES).then(
      (raw) => {
        try {
          const body = JSON.parse(raw.toString("utf8")) as { rules?: { files?: Array<{ content?: string }> } };
          const content = body.rules?.files?.[0]?.content;
          if (typeof content !== "string") return reply(400, { error: { code: 400, message: "rules.files[0].content is required" } });
          access.setRules(content);
          return reply(200, {});
        } catch (error) {
          return reply(400, { error: { code: 400, message: (error as Error).message } });
        }
      },
      () => reply(413, { error: { code: 413, message: "Rules too large" } }),
    );
    return;
  }
  reply(404, { error: { code: 404, message: `No route ${req.method} ${path}` } });
}
