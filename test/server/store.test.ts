/**
 * The store contract, run against both databases: the embedded PGlite and the real PostgreSQL on 127.0.0.1:5432
 * (a fresh database per run, dropped after); then the embedded store's decision journal: replay after a crash, segments.
 */
import { closeSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/index.js";
import { openStore, type Store } from "../../server/store/index.js";
import { DecisionJournal } from "../../server/store/journal.js";
import { isAcceptedTwice } from "../../server/store/sql-store.js";
import type { DecisionRecord } from "../../server/store/types.js";
import { openPglite } from "../../server/store/db.js";
import { JournaledStore } from "../../server/store/journaled-store.js";
import { SqlStore } from "../../server/store/sql-store.js";
import { createPgDatabase, eventually, freshDataDir, removeTempDirs, tempDir, type TestDatabase } from "./helpers.js";

const compiled = (program: string, version: string): CompiledPolicy =>
  ({ format: "precept/compiled@1", program, version, effective: "2020-01-01", title: `t ${version}`, z: 1, a: [2, 1], hash: `sha256:${version}` }) as unknown as CompiledPolicy;

const version = (program: string, v: string) => ({
  program, version: v, source: `source ${v}`, compiled: compiled(program, v), hash: `sha256:${v}`, effective: "2020-01-01", origin: "api",
});

function decision(i: number, over: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: `d-${i}-${Math.random().toString(36).slice(2)}`, program: "p", version: "1", hash: "sha256:1",
    request: { claimId: `C${i}`, nested: { list: [1, "two"] } }, decision: { outcome: i % 2 ? "valid" : "invalid", reasons: [] },
    outcome: i % 2 ? "valid" : "invalid", decidedAt: new Date(Date.UTC(2024, 0, 1 + (i % 28))).toISOString(), latencyMs: 0.25, ...over,
  };
}

const backends: [string, () => Promise<{ store: Store; dataDir: string; done: () => Promise<void> }>][] = [
  ["pglite", async () => {
    const dataDir = await freshDataDir();
    const store = await openStore({ dataDir });
    return { store, dataDir, done: async () => { await store.close(); removeTempDirs(); } };
  }],
  ["postgres", async () => {
    const db: TestDatabase = await createPgDatabase();
    const store = await openStore({ dataDir: "unused", databaseUrl: db.url });
    return { store, dataDir: "unused", done: async () => { await store.close(); await db.drop(); } };
  }],
];

describe.each(backends)("store on %s", (_name, open) => {
  let store: Store;
  let dataDir: string;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ store, dataDir, done } = await open());
  });
  afterAll(() => done?.());

  it("when a version is inserted twice, then the first wins and the compiled bytes come back unchanged", async () => {
    expect(await store.insertVersion(version("p", "1"))).toBe(true);
    expect(await store.insertVersion({ ...version("p", "1"), source: "other" })).toBe(false);
    const got = await store.getVersion("p", "1");
    expect(got?.source).toBe("source 1");
    expect(JSON.stringify(got?.compiled)).toBe(JSON.stringify(compiled("p", "1")));
    expect(got?.status).toBe("published");
    expect(await store.getVersion("p", "nope")).toBeUndefined();
  });

  it("when a version is inserted with test cases, then both are stored in one statement, and a losing insert stores neither", async () => {
    expect(await store.insertVersion({ ...version("wt", "1"), tests: [{ name: "first" }] })).toBe(true);
    expect(await store.insertVersion({ ...version("wt", "1"), tests: [{ name: "second" }] })).toBe(false);
    expect(await store.getTests("wt", "1")).toMatchObject({ cases: [{ name: "first" }], origin: "api" });
    expect(await store.insertVersion(version("wt", "2"))).toBe(true);
    expect(await store.getTests("wt", "2")).toBeUndefined();
  });

  it("when twenty inserts of one version race, then exactly one succeeds", async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.insertVersion(version("race", "1"))));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it("when a version is published, then listeners hear of it", async () => {
    const heard: string[] = [];
    const unlisten = await store.onVersionPublished((p, v) => heard.push(`${p}/${v}`));
    await store.insertVersion(version("heard", "1"));
    await store.insertVersion(version("heard", "1")); // a conflict notifies nobody
    const until = Date.now() + 3000;
    while (heard.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    await unlisten();
    expect(heard).toEqual(["heard/1"]);
  });

  it("when decisions are inserted in a batch, then they page newest first with filters", async () => {
    const rows = Array.from({ length: 25 }, (_, i) => decision(i));
    await store.insertDecisions(rows);
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.queryDecisions({ program: "p", limit: 10, ...(cursor ? { cursor } : {}) });
      all.push(...page.items.map((d) => d.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(all).toEqual(rows.map((r) => r.id).reverse());
    const valid = await store.queryDecisions({ program: "p", outcome: "valid", limit: 100 });
    expect(valid.items).toHaveLength(12);
    const day = await store.queryDecisions({ program: "p", from: "2024-01-03", to: "2024-01-03", limit: 100 });
    expect(day.items.map((d) => d.request)).toEqual([{ claimId: "C2", nested: { list: [1, "two"] } }]);
    expect(day.items[0]!.decidedAt).toBe("2024-01-03T00:00:00.000Z");
    expect(await store.countDecisions()).toBeGreaterThanOrEqual(25);
  });

  it("when accepted keys are logged, then they are found by program and key, and a key is accepted once per program", async () => {
    await store.insertDecisions([
      decision(100, { program: "k", dupKey: '["a",1]', requestRef: "C-first" }),
      decision(102, { program: "k", dupKey: '["b",2]' }),
      decision(103, { program: "other", dupKey: '["a",1]', requestRef: "C-other" }),
    ]);
    const found = await store.findAcceptedKeys("k", ['["a",1]', '["zzz"]']);
    expect(found).toEqual([{ program: "k", key: '["a",1]', ref: "C-first" }]);
    const all = await store.loadAcceptedKeys();
    expect(all.filter((k) => k.program === "k").map((k) => k.key)).toEqual(['["a",1]', '["b",2]']);
    expect(all.find((k) => k.key === '["b",2]')!.ref).toMatch(/^d-102/);
    if (store.kind === "postgres") {
      // What a second replica meets when it accepted the same key an instant later: the insert is refused.
      const err = await store.insertDecisions([decision(101, { program: "k", dupKey: '["a",1]', requestRef: "C-second" })]).catch((e: unknown) => e);
      expect(isAcceptedTwice(err)).toBe(true);
      expect(isAcceptedTwice(new Error("duplicate key value violates unique constraint \"decisions_id_key\""))).toBe(false);
    }
  });

  it("when test cases are stored, then shipped ones refresh shipped ones only, and saved ones always win", async () => {
    expect(await store.getTests("t", "1")).toBeUndefined();
    expect(await store.putTests("t", "1", [{ name: "a" }], "shipped")).toBe(true);
    expect(await store.putTests("t", "1", [{ name: "a" }], "shipped")).toBe(false); // unchanged file: nothing written
    expect(await store.putTests("t", "1", [{ name: "b" }], "shipped")).toBe(true);
    expect(await store.getTests("t", "1")).toMatchObject({ cases: [{ name: "b" }], origin: "shipped" });
    expect(await store.putTests("t", "1", [{ name: "mine" }], "api")).toBe(true);
    expect(await store.putTests("t", "1", [{ name: "c" }], "shipped")).toBe(false);
    const got = await store.getTests("t", "1");
    expect(got).toMatchObject({ program: "t", version: "1", cases: [{ name: "mine" }], origin: "api" });
    expect(Date.parse(got!.updatedAt)).toBeGreaterThan(0);
  });

  it("when five authors save over the same draft revision at once, then exactly one save wins", async () => {
    const first = await store.putDraft({ program: "p", name: "1+new", base: "1", source: "start", revision: 0 });
    expect(first).toMatchObject({ revision: 1, source: "start" });
    const results = await Promise.all(["a", "b", "c", "d", "e"].map((source) => store.putDraft({ program: "p", name: "1+new", base: "1", source, revision: 1 })));
    const won = results.filter((r) => !("conflict" in r));
    expect(won).toHaveLength(1);
    for (const r of results.filter((x) => "conflict" in x)) expect((r as { conflict: { revision: number } }).conflict.revision).toBe(2);
    expect(await store.getDraft("p", "1+new")).toMatchObject({ revision: 2, source: (won[0] as { source: string }).source });
    expect((await store.listDrafts("p")).map((d) => d.name)).toEqual(["1+new"]);
    expect(await store.deleteDraft("p", "1+new")).toBe(true);
    expect(await store.deleteDraft("p", "1+new")).toBe(false);
  });

  it("when 5,000 decisions go in one insert, then all are stored", async () => {
    const before = await store.countDecisions();
    await store.insertDecisions(Array.from({ length: 5000 }, (_, i) => decision(1000 + i, { program: "bulk" })));
    expect(await store.countDecisions()).toBe(before + 5000);
  });

  it("when one row of a batch is bad, then the good rows are stored and the bad one is not lost", async () => {
    const first = decision(7);
    const clash = { ...decision(8), id: first.id };
    const good = decision(9);
    if (store.kind === "postgres") {
      // Direct: the insert is one statement, so it fails whole (the decision log then retries item by item).
      await expect(store.insertDecisions([first, clash, good])).rejects.toThrow();
      expect((await store.queryDecisions({ program: "p", limit: 1000 })).items.some((d) => d.id === first.id)).toBe(false);
      return;
    }
    // Journaled: the caller was answered when the rows reached the journal; the ingest stores what the database
    // takes and keeps the row it refuses in rejected.ndjson.
    await store.insertDecisions([first, clash, good]);
    const ids = (await store.queryDecisions({ program: "p", limit: 1000 })).items.map((d) => d.id);
    expect(ids.filter((id) => id === first.id)).toHaveLength(1);
    expect(ids).toContain(good.id);
    const rejected = readFileSync(join(dataDir, "journal", "rejected.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rejected).toEqual([clash]);
  });
});

describe("decision journal (embedded store)", () => {
  afterAll(() => removeTempDirs());

  it("when a process left journal segments behind, then opening the store replays them once, skips a torn line and deletes them", async () => {
    const dir = await freshDataDir();
    const stored = decision(1, { program: "replay" });
    const store = await openStore({ dataDir: dir });
    await store.insertDecisions([stored]);
    await store.close();
    // What a crash leaves: a segment whose rows may already be in the database, and a half-written last line.
    const pending = [decision(2, { program: "replay" }), decision(3, { program: "replay", dupKey: '["k"]', requestRef: "C3" })];
    mkdirSync(join(dir, "journal"), { recursive: true });
    writeFileSync(join(dir, "journal", "000000000007.ndjson"), [stored, ...pending].map((d) => JSON.stringify(d) + "\n").join("") + '{"id":"torn');
    const reopened = await openStore({ dataDir: dir });
    try {
      const items = (await reopened.queryDecisions({ program: "replay", limit: 100 })).items;
      expect(items.map((d) => d.id).sort()).toEqual([stored, ...pending].map((d) => d.id).sort());
      expect(items.find((d) => d.id === pending[1]!.id)).toMatchObject({ request: pending[1]!.request, dupKey: '["k"]', requestRef: "C3" });
      expect(readdirSync(join(dir, "journal")).filter((f) => f.endsWith(".ndjson"))).toEqual([]);
      // Decisions written after the replay go to a new segment, and a clean close leaves the journal empty.
      await reopened.insertDecisions([decision(4, { program: "replay" })]);
      expect(readdirSync(join(dir, "journal"))).toEqual(["000000000008.ndjson"]);
    } finally {
      await reopened.close();
    }
    expect(readdirSync(join(dir, "journal"))).toEqual([]);
    const again = await openStore({ dataDir: dir });
    expect((await again.queryDecisions({ program: "replay", limit: 100 })).items).toHaveLength(4);
    await again.close();
  });

  it("when a segment fills, then writing goes on in the next and a segment is deleted once all its rows are stored", async () => {
    const dir = tempDir("precept-journal-");
    const { journal } = DecisionJournal.open(dir, 600);
    const line = (i: number) => JSON.stringify(decision(i));
    const a = journal.write([line(1)]);
    const b = journal.write([line(2), line(3)]);
    expect(b).not.toBe(a);
    expect(readdirSync(dir).sort()).toEqual(["000000000001.ndjson", "000000000002.ndjson"]);
    expect(journal.backlog).toBe(3);
    journal.ingested(a, 1);
    expect(readdirSync(dir)).toEqual(["000000000002.ndjson"]);
    journal.ingested(b, 2);
    expect(readdirSync(dir)).toEqual(["000000000002.ndjson"]); // still the one being written
    expect(journal.backlog).toBe(0);
    journal.close(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("when a write fails, then it throws and the next write starts a new segment, so no answered line joins a torn one", async () => {
    const dir = tempDir("precept-journal-");
    const { journal } = DecisionJournal.open(dir);
    const line = (i: number) => JSON.stringify(decision(i));
    const a = journal.write([line(1)]);
    closeSync(a.fd!); // the disk refusing: the next write fails
    expect(() => journal.write([line(2)])).toThrow();
    const third = line(3);
    const b = journal.write([third]);
    expect(b).not.toBe(a);
    expect(readFileSync(b.path, "utf8")).toBe(third + "\n");
    journal.ingested(a, 1);
    expect(readdirSync(dir)).toEqual(["000000000002.ndjson"]);
    journal.close(true);
  });

  it("when a decision holds text the database cannot store, then the embedded store refuses it before journaling it", async () => {
    const dataDir = await freshDataDir();
    const store = await openStore({ dataDir });
    try {
      for (const bad of ["a\ud800", "\udc00", "x\u0000y"]) {
        await expect(store.insertDecisions([decision(1, { request: { claimId: bad } })])).rejects.toThrow(/cannot store/);
      }
      // An escaped backslash before `u0000` is ordinary text, and a well-formed pair is fine.
      const fine = decision(2, { request: { claimId: "\\u0000 \ud83d\ude00" } });
      await store.insertDecisions([fine]);
      expect((await store.getDecision(fine.id))?.request).toEqual(fine.request);
      expect(readdirSync(join(dataDir, "journal")).filter((f) => f.startsWith("rejected"))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("when the embedded database stops answering, then ping gives up within a second, reads within two, and the stuck thread is restarted", async () => {
    const dataDir = await freshDataDir();
    const inner = new SqlStore(await openPglite(join(dataDir, "pglite")));
    const store = await JournaledStore.open(inner, join(dataDir, "journal"), undefined, { insertTimeoutMs: 4000 });
    try {
      const before = decision(1);
      await store.insertDecisions([before]);
      expect((await store.getDecision(before.id))?.id).toBe(before.id);
      // The database thread busy for a minute: what a PGlite spinning after ENOSPC looks like from here.
      void inner.raw().query("SELECT pg_sleep(60)").catch(() => {});
      const stuck = decision(2);
      await store.insertDecisions([stuck]); // journaled: answered
      const t0 = performance.now();
      await expect(store.ping()).rejects.toThrow(/did not answer|not storing|worker was stopped/);
      expect(performance.now() - t0).toBeLessThan(1500);
      const t1 = performance.now();
      await expect(store.getDecision(stuck.id)).rejects.toThrow();
      expect(performance.now() - t1).toBeLessThan(2500);
      // The insert times out, the worker is replaced, the row goes in.
      const d = await eventually(async () => (await store.getDecision(stuck.id).catch(() => undefined)) ?? false, 15_000, 200);
      expect(d.id).toBe(stuck.id);
      await store.ping();
    } finally {
      await store.close(3000);
    }
  });
});
