/** `npm run export`: every section of a learner's data as JSON lines, against the test stack, as an operator runs it. */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { callFunction, uniqueId } from "../../functions/test/helpers/stack.ts";

const SCRIPT = fileURLToPath(new URL("./export.ts", import.meta.url));

describe("npm run export", () => {
  it("when a learner has data, then the file holds one line per document, and the progress line counts them", async () => {
    const uid = uniqueId("export-cli");
    for (let i = 0; i < 3; i++) await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid });
    const out = join(mkdtempSync(join(tmpdir(), "lp-export-")), "export.ndjson");

    const { stderr } = await promisify(execFile)(process.execPath, [SCRIPT, "--uid", uid, "--out", out], { env: process.env });

    const lines = readFileSync(out, "utf8").trim().split("\n").map((line) => JSON.parse(line) as { section: string; path: string });
    // The profile, three activities and the day they fell on.
    expect(lines.map((line) => line.section).sort()).toEqual(["activities", "activities", "activities", "activityDays", "profile"]);
    expect(stderr).toContain(`exported 5 documents of ${uid}`);
  });

  it("when the uid is missing or could inject a path, then it prints the usage and exits 2", async () => {
    const failure = await promisify(execFile)(process.execPath, [SCRIPT, "--uid", "../users"], { env: process.env }).catch((error: unknown) => error as { code: number; stderr: string });

    expect(failure).toMatchObject({ code: 2, stderr: expect.stringContaining("usage: npm run export") });
  });
});
