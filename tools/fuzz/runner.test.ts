/**
 * The fuzzer can fail: against small servers that misbehave on purpose (INTERNAL on some payloads, answers outside
 * the protocol, refused payloads that write), its report says so; against a well-behaved one it finds nothing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { classify } from "./answers.ts";
import { discoverTargets, runFuzz, type StackProbe } from "./runner.ts";

type Behaviour = (body: string, admin: boolean) => { status: number; body: string; writes?: number };

const protocolError = (status: number, code: string) => ({ status, body: JSON.stringify({ error: { status: code, message: code } }) });
const invalid = () => protocolError(400, "INVALID_ARGUMENT");
const BEHAVIOURS: Record<string, Behaviour> = {
  wellBehaved: (body) => (body.includes("@type") || body.length > 200 ? invalid() : { status: 200, body: '{"result":{"ok":true}}' }),
  internalOnEncodings: (body) => (body.includes("@type") ? protocolError(500, "INTERNAL") : { status: 200, body: '{"result":null}' }),
  htmlOnLargeBodies: (body) => (body.length > 1_000 ? { status: 500, body: "<html>Internal Server Error</html>" } : invalid()),
  writesWhenRefused: (body) => (body.includes("@type") ? { ...invalid(), writes: 1 } : { status: 200, body: '{"result":{}}', writes: 1 }),
  adminOnly: (_body, admin) => (admin ? invalid() : protocolError(403, "PERMISSION_DENIED")),
  // Looks everything up before validating: a malformed payload gets NOT_FOUND instead of INVALID_ARGUMENT.
  notFoundForAll: () => protocolError(404, "NOT_FOUND"),
};

let server: Server;
let baseUrl: string;
let writes = 0;
beforeAll(async () => {
  server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = "";
  for await (const chunk of req) body += String(chunk);
  const claims = JSON.parse(Buffer.from((req.headers.authorization ?? "").split(".")[1] ?? "", "base64url").toString() || "{}");
  const answer = (BEHAVIOURS[(req.url ?? "").slice(1)] as Behaviour)(body, claims.admin === true);
  writes += answer.writes ?? 0;
  res.writeHead(answer.status, { "content-type": "application/json" }).end(answer.body);
}

const probe: StackProbe = { counts: async () => ({ firestoreWrites: writes, redisCommands: 0 }), idle: async () => undefined };
const fuzz = (name: string, admin = false) =>
  runFuzz({ targets: [{ name: "saveProgress", url: `${baseUrl}/${name}`, admin }], runsPerCallable: 150, seed: 42, probe, concurrency: 4 });

describe("the fuzzer", () => {
  it("when a callable answers results and clean refusals only, then it reports nothing", async () => {
    const report = await fuzz("wellBehaved");
    expect(report.callables[0]).toMatchObject({ payloads: 150, internal: 0, unclean: 0 });
    expect(report.findings).toEqual([]);
    expect(report.callables[0]?.replayed).toBeGreaterThan(0);
  });

  it("when a callable answers INTERNAL to some payloads, then the report counts them and shows the payloads", async () => {
    const report = await fuzz("internalOnEncodings");
    expect(report.internal).toBeGreaterThan(0);
    expect(report.findings[0]).toMatchObject({ kind: "INTERNAL", verdict: "INTERNAL", body: expect.stringContaining("@type") });
  });

  it("when a callable answers outside the callable protocol, then the report counts the answers as unclean", async () => {
    const report = await fuzz("htmlOnLargeBodies");
    expect(report.unclean).toBeGreaterThan(0);
    expect(report.findings[0]).toMatchObject({ kind: "UNCLEAN", verdict: "NON_PROTOCOL" });
  });

  it("when refused payloads write, then the writes are counted and the payloads named, beside valid ones that also write", async () => {
    const report = await fuzz("writesWhenRefused");
    expect(report.invalidWrites.firestore).toBeGreaterThan(0);
    expect(new Set(report.findings.map((finding) => `${finding.kind} ${finding.verdict} ${finding.message}`))).toEqual(
      new Set(["WRITES_FROM_INVALID INVALID_ARGUMENT 1 Firestore writes, 0 Upstash commands"]),
    );
  });

  it("when a callable refuses non-admins, then it is found to be an admin callable and PERMISSION_DENIED to non-admins is clean", async () => {
    const [target] = await discoverTargets(baseUrl, ["adminOnly", "wellBehaved"], "probe-uid");
    expect(target).toMatchObject({ name: "adminOnly", admin: true });
    const report = await fuzz("adminOnly", true);
    expect(report.callables[0]?.verdicts).toMatchObject({ PERMISSION_DENIED: expect.any(Number), INVALID_ARGUMENT: expect.any(Number) });
    expect(report.findings).toEqual([]);
    expect((await fuzz("adminOnly", false)).unclean).toBeGreaterThan(0); // the same refusal from a non-admin callable is not clean
  });

  it("when a callable answers NOT_FOUND to mutated payloads too, then those answers are unclean, and those to its contract's payloads are not", async () => {
    const report = await fuzz("notFoundForAll");
    const unclean = report.findings.filter((finding) => finding.kind === "UNCLEAN");
    expect(report.unclean).toBeGreaterThan(0);
    // Some payloads (the contract's, about 3 in 10) got the same answer cleanly.
    expect(report.unclean).toBeLessThan(150);
    expect(unclean.every((finding) => finding.verdict === "NOT_FOUND")).toBe(true);
  });

  it.each([
    [200, '{"result":1}', "OK"],
    [400, '{"error":{"status":"INVALID_ARGUMENT","message":"m"}}', "INVALID_ARGUMENT"],
    [500, '{"error":{"status":"INVALID_ARGUMENT","message":"m"}}', "NON_PROTOCOL"],
    [200, '{"error":{"status":"INTERNAL","message":"m"}}', "NON_PROTOCOL"],
    [200, "{}", "NON_PROTOCOL"],
    [502, "Bad Gateway", "NON_PROTOCOL"],
  ])("when the answer is HTTP %i %s, then its verdict is %s", (status, text, verdict) => {
    expect(classify(status, text).verdict).toBe(verdict);
  });
});
