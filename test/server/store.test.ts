/**
 * The store contract, run against both databases: the embedded PGlite and the real PostgreSQL on 127.0.0.1:5432
 * (a fresh database per run, dropped after).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/index.js";
import { openStore, type SqlStore } from "../../server/store/index.js";
import type { DecisionRecord } from "../../server/store/types.js";
import { createPgDatabase, freshDataDir, removeTempDirs, type TestDatabase } from "./helpers.js";

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

const backends: [string, () => Promise<{ store: SqlStore; done: () => Promise<void> }>][] = [
  ["pglite", async () => {
    const store = await openStore({ dataDir: await freshDataDir() });
    return { store, done: async () => { await store.close(); removeTempDirs(); } };
  }],
  ["postgres", async () => {
    const db: TestDatabase = await createPgDatabase();
    const store = await openStore({ dataDir: "unused", databaseUrl: db.url });
    return { store, done: async () => { await store.close(); await db.drop(); } };
  }],
];

describe.each(backends)("store on %s", (_name, open) => {
  let store: SqlStore;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ store, done } = await open());
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

  it("when accepted keys are logged, then they are found by program and key, the first acceptance winning", async () => {
    await store.insertDecisions([
      decision(100, { program: "k", dupKey: '["a",1]', requestRef: "C-first" }),
      decision(101, { program: "k", dupKey: '["a",1]', requestRef: "C-second" }),
      decision(102, { program: "k", dupKey: '["b",2]' }),
      decision(103, { program: "other", dupKey: '["a",1]', requestRef: "C-other" }),
    ]);
    const found = await store.findAcceptedKeys("k", ['["a",1]', '["zzz"]']);
    expect(found).toEqual([{ program: "k", key: '["a",1]', ref: "C-first" }]);
    const all = await store.loadAcceptedKeys();
    expect(all.filter((k) => k.program === "k").map((k) => k.key)).toEqual(['["a",1]', '["a",1]', '["b",2]']);
    expect(all.find((k) => k.key === '["b",2]')!.ref).toMatch(/^d-102/);
  });

  it("when 5,000 decisions go in one insert, then all are stored", async () => {
    const before = await store.countDecisions();
    await store.insertDecisions(Array.from({ length: 5000 }, (_, i) => decision(1000 + i, { program: "bulk" })));
    expect(await store.countDecisions()).toBe(before + 5000);
  });

  it("when one row of a batch is bad, then the whole insert fails (the decision log retries item by item)", async () => {
    const dupId = decision(7);
    await expect(store.insertDecisions([dupId, { ...decision(8), id: dupId.id }])).rejects.toThrow();
    expect((await store.queryDecisions({ program: "p", limit: 1000 })).items.some((d) => d.id === dupId.id)).toBe(false);
  });
});

