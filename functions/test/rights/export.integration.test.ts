/**
 * exportMyData (API.md "Data rights"): the caller's own data, section by section, paged by cursor; never another
 * learner's, and a cursor it did not give is refused.
 */
import { describe, expect, it } from "vitest";
import { EXPORT_PAGE_SIZE } from "../../src/rights/export.js";
import type { ExportMyDataResponse } from "../../src/schemas/rights.js";
import { callFunction, uniqueId } from "../helpers/stack.js";

async function exportAll(uid: string, section: string): Promise<{ pages: number; paths: string[] }> {
  const paths: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer = await callFunction("exportMyData", { section, ...(cursor ? { cursor } : {}) }, { uid });
    expect(answer.status).toBe(200);
    const page = answer.body.result as ExportMyDataResponse;
    paths.push(...page.items.map((item) => item.path));
    cursor = page.nextCursor;
    pages++;
  } while (cursor);
  return { pages, paths };
}

describe("exportMyData", () => {
  it("when a learner has more activities than a page holds, then the pages hold each exactly once, and none of another learner's", async () => {
    const learner = uniqueId("export");
    const other = uniqueId("export-other");
    const count = EXPORT_PAGE_SIZE + 5;
    for (let i = 0; i < count; i++) {
      expect((await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: learner })).status).toBe(200);
    }
    await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: other });

    const activities = await exportAll(learner, "activities");
    const profile = await exportAll(learner, "profile");
    const days = await exportAll(learner, "activityDays");

    expect(activities.pages).toBe(2);
    expect(new Set(activities.paths).size).toBe(count);
    expect(activities.paths.every((path) => path.startsWith("activities/"))).toBe(true);
    expect(profile.paths).toEqual([`users/${learner}`]);
    expect(days.paths).toHaveLength(1);
    expect((await exportAll(other, "activities")).paths).toHaveLength(1);
  });

  it("when the items come back, then timestamps are ISO strings and the data is as stored", async () => {
    const learner = uniqueId("export");
    await callFunction("recordActivity", { type: "login", clientEventId: uniqueId("ev") }, { uid: learner });

    const answer = await callFunction("exportMyData", { section: "activities" }, { uid: learner });

    const [item] = (answer.body.result as ExportMyDataResponse).items;
    expect(item?.data).toMatchObject({ uid: learner, type: "login", occurredAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) });
  });

  it("when the section or cursor is not one the callable gave, then invalid-argument names it", async () => {
    const uid = uniqueId("export");
    const badSection = await callFunction("exportMyData", { section: "questionKeys" }, { uid });
    const badCursor = await callFunction("exportMyData", { section: "answers", cursor: Buffer.from("a/b").toString("base64url") }, { uid });

    expect(badSection.status).toBe(400);
    expect(badCursor.status).toBe(400);
    expect(JSON.stringify(badCursor.body)).toContain("cursor");
  });
});
