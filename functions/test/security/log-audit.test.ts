/**
 * The log audit that global-setup.ts runs over the functions' log once every test is done (helpers/log-capture.ts),
 * shown to find what it must; and the capture it reads, shown to hold what product code logs in a test process.
 */
import { describe, expect, inject, it } from "vitest";
import * as logs from "../../src/logs.js";
import { PII_CANARIES } from "../helpers/canaries.js";
import { auditLog, capturedLogLines } from "../helpers/log-capture.js";
import { uniqueId } from "../helpers/stack.js";

const line = (fields: Record<string, unknown>) => JSON.stringify({ severity: "INFO", message: "x", ...fields });

describe("the log audit", () => {
  it("when a line holds an address, an email or a canary, then it is found, JSON-escaped or not", () => {
    const findings = auditLog(
      [
        line({ error: "connect ECONNREFUSED 203.0.113.9:443" }),
        line({ ua: PII_CANARIES.userAgent }),
        line({ text: PII_CANARIES.essay }),
        line({ ip: PII_CANARIES.ipv6 }).replace("2001", "\\u0032001"),
        line({ [PII_CANARIES.email.replace("@", "\\u0040")]: 1 }).replaceAll("\\\\u0040", "\\u0040"),
        line({ network: "198.51.100.0/24", v6: "2001:db8:7f3a::/48", fn: "saveProgress", at: "2026-11-10T10:00:00.000Z" }),
      ],
      [PII_CANARIES.essay],
    );
    expect(findings.map((finding) => [finding.line, finding.found])).toEqual([
      [1, "ip 203.0.113.9"],
      [2, `email ${PII_CANARIES.email}`],
      [3, `canary "${PII_CANARIES.essay}"`],
      [4, `ip ${PII_CANARIES.ipv6}`],
      [5, `email ${PII_CANARIES.email}`],
    ]);
  });
});

describe("the log capture", () => {
  it("when product code logs an error quoting an address and an email, then the captured line has them redacted", () => {
    const fn = uniqueId("fn");
    logs.callFailed({ fn, error: new Error(`upstream ${PII_CANARIES.ipv4} refused ${PII_CANARIES.email}`) });

    const captured = capturedLogLines(inject("functionsLogFile")).filter((text) => text.includes(fn));
    expect(captured).toHaveLength(1);
    expect(JSON.parse(captured[0] as string)).toMatchObject({ fn, error: { message: "upstream 198.51.100.0/24 refused [email]" } });
    expect(auditLog(captured, Object.values(PII_CANARIES))).toEqual([]);
  });
});
