import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FieldValue, GeoPoint, Timestamp } from "firebase-admin/firestore";
import type { FirestoreCommit } from "./index.ts";
import { startTestFirestore, uniqueCollection, type TestFirestore } from "./testing.ts";

let t: TestFirestore;
beforeAll(async () => {
  t = await startTestFirestore();
});
afterAll(() => t.stop());

/** Collects the commits that touch one collection while `act` runs. */
async function commitsDuring(collection: string, act: () => Promise<unknown>): Promise<FirestoreCommit[]> {
  const seen: FirestoreCommit[] = [];
  const stop = t.local.onCommit((commit) => {
    if (commit.writes.some((w) => w.path.startsWith(`${collection}/`))) seen.push(commit);
  });
  try {
    await act();
  } finally {
    stop();
  }
  return seen;
}

describe("onCommit change events", () => {
  it("when a commit creates, updates, transforms and deletes documents, then one event lists each with its before and after", async () => {
    const name = uniqueCollection("events");
    const col = t.db.collection(name);
    await col.doc("upd").set({ n: 1, keep: "k" });
    await col.doc("del").set({ gone: true });

    const commits = await commitsDuring(name, async () => {
      const batch = t.db.batch();
      batch.set(col.doc("new"), { a: 1 });
      batch.update(col.doc("upd"), { n: FieldValue.increment(1) });
      batch.update(col.doc("upd"), { at: FieldValue.serverTimestamp(), tags: FieldValue.arrayUnion("t") });
      batch.delete(col.doc("del"));
      await batch.commit();
    });

    expect(commits).toHaveLength(1);
    const [commit] = commits;
    const byPath = new Map(commit?.writes.map((w) => [w.path, w]));
    expect([...byPath.keys()].sort()).toEqual([`${name}/del`, `${name}/new`, `${name}/upd`]);
    expect(byPath.get(`${name}/new`)).toMatchObject({ before: null, after: { fields: { a: { integerValue: "1" } } } });
    expect(byPath.get(`${name}/del`)).toMatchObject({ before: { fields: { gone: { booleanValue: true } } }, after: null });
    const upd = byPath.get(`${name}/upd`);
    expect(upd?.before?.fields).toEqual({ n: { integerValue: "1" }, keep: { stringValue: "k" } });
    expect(upd?.after?.fields).toEqual({
      n: { integerValue: "2" },
      keep: { stringValue: "k" },
      at: { timestampValue: commit?.commitTime },
      tags: { arrayValue: { values: [{ stringValue: "t" }] } },
    });
    expect(upd?.after?.name).toMatch(/^projects\/[^/]+\/databases\/\(default\)\/documents\/events-/);
    expect(upd?.after?.updateTime).toBe(commit?.commitTime);
    expect(upd?.after?.createTime).toBe(upd?.before?.createTime);
    expect(commit?.commitTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("when values of every type are written, then the event spells them in proto3 JSON", async () => {
    const name = uniqueCollection("types");
    const ref = t.db.collection(name).doc("d");
    const at = Timestamp.fromMillis(Date.UTC(2024, 0, 2, 3, 4, 5, 678));

    const [commit] = await commitsDuring(name, () =>
      ref.set({
        int: 7,
        dbl: 1.5,
        str: "s",
        bool: false,
        nul: null,
        ts: at,
        bytes: Buffer.from("hi"),
        ref: t.db.doc("users/u1"),
        geo: new GeoPoint(1.5, -2),
        arr: [1, "x"],
        map: { inner: { deep: 1 } },
      }),
    );

    expect(commit?.writes[0]?.after?.fields).toEqual({
      int: { integerValue: "7" },
      dbl: { doubleValue: 1.5 },
      str: { stringValue: "s" },
      bool: { booleanValue: false },
      nul: { nullValue: null },
      ts: { timestampValue: "2024-01-02T03:04:05.678Z" },
      bytes: { bytesValue: Buffer.from("hi").toString("base64") },
      ref: { referenceValue: expect.stringMatching(/^projects\/[^/]+\/databases\/\(default\)\/documents\/users\/u1$/) },
      geo: { geoPointValue: { latitude: 1.5, longitude: -2 } },
      arr: { arrayValue: { values: [{ integerValue: "1" }, { stringValue: "x" }] } },
      map: { mapValue: { fields: { inner: { mapValue: { fields: { deep: { integerValue: "1" } } } } } } },
    });
  });

  it("when a commit changes nothing, then no event fires and updateTime stays", async () => {
    const name = uniqueCollection("noop");
    const ref = t.db.collection(name).doc("d");
    const first = await ref.set({ n: 1 });

    const commits = await commitsDuring(name, async () => {
      await ref.set({ n: 1 });
      await t.db.collection(name).doc("never").delete();
    });

    expect(commits).toEqual([]);
    expect((await ref.get()).updateTime?.isEqual(first.writeTime)).toBe(true);
  });

  it("when a document is written in successive commits, then its updateTime strictly increases and createTime stays", async () => {
    const name = uniqueCollection("versions");
    const ref = t.db.collection(name).doc("d");

    // Concurrent writes land several commits within one millisecond.
    const commits = await commitsDuring(name, () => Promise.all(Array.from({ length: 50 }, (_, i) => ref.set({ i }))));

    const updateTimes = commits.map((c) => c.writes[0]?.after?.updateTime ?? "");
    expect(commits).toHaveLength(50);
    expect(new Set(updateTimes).size).toBe(50);
    expect([...updateTimes].sort()).toEqual(updateTimes);
    expect(new Set(commits.map((c) => c.writes[0]?.after?.createTime)).size).toBe(1);
  });
});
