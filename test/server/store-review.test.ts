/**
 * The store's review and withdrawal methods (server/publish-review.ts uses them), on both databases: a review is
 * decided once, a version withdrawn once (and listeners hear of it), and the decision dates come from the request.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/index.js";
import { openStore, type Store } from "../../server/store/index.js";
import type { ReviewRecord } from "../../server/store/types.js";
import { createPgDatabase, freshDataDir, removeTempDirs } from "./helpers.js";

const version = (program: string, v: string) => ({
  program, version: v, source: `source ${v}`, compiled: { program, version: v } as unknown as CompiledPolicy, hash: `sha256:${v}`, effective: "2020-01-01", origin: "api",
});

const review = (id: string): ReviewRecord => ({
  id, program: "rv", version: "2.0", source: "src", tests: [{ name: "t" }], note: "why", retroactive: true, status: "pending",
  submittedBy: { id: "key:aaaaaaaaaaaa", name: "Alice" }, submittedAt: "2026-01-02T03:04:05.000Z",
});

const backends: [string, () => Promise<{ store: Store; done: () => Promise<void> }>][] = [
  ["pglite", async () => {
    const store = await openStore({ dataDir: await freshDataDir() });
    return { store, done: async () => { await store.close(); removeTempDirs(); } };
  }],
  ["postgres", async () => {
    const db = await createPgDatabase();
    const store = await openStore({ dataDir: "unused", databaseUrl: db.url });
    return { store, done: async () => { await store.close(); await db.drop(); } };
  }],
];

describe.each(backends)("review store on %s", (_name, open) => {
  let store: Store;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ store, done } = await open());
  });
  afterAll(() => done?.());

  it("when a review is stored, then it reads back whole, and of two decisions only the first moves it", async () => {
    await store.insertReview(review("r1"));
    expect(await store.getReview("rv", "r1")).toEqual(review("r1"));
    expect(await store.getReview("other", "r1")).toBeUndefined();
    const [a, b] = await Promise.all([
      store.decideReview("rv", "r1", "published", { id: "key:bbbbbbbbbbbb" }),
      store.decideReview("rv", "r1", "rejected", { id: "key:cccccccccccc" }, "no"),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const got = await store.getReview("rv", "r1");
    expect(got?.status).toBe(a ? "published" : "rejected");
    expect(got?.decidedBy?.id).toBe(a ? "key:bbbbbbbbbbbb" : "key:cccccccccccc");
    expect((await store.listReviews("rv")).map((r) => r.id)).toEqual(["r1"]);
  });

  it("when a version is published with its review and then withdrawn, then both are kept, it is withdrawn once, and listeners hear of it", async () => {
    const info = { note: "why", submittedBy: { id: "a" }, submittedAt: "2026-01-01T00:00:00.000Z", approvedBy: { id: "b" }, approvedAt: "2026-01-01T00:00:00.000Z", selfApproved: false };
    expect(await store.insertVersion({ ...version("wd", "1"), review: info })).toBe(true);
    const heard: string[] = [];
    const unlisten = await store.onVersionPublished((p, v) => heard.push(`${p}/${v}`));
    const w = { at: "2026-02-01T00:00:00.000Z", by: { id: "a", name: "Alice" }, reason: "wrong date" };
    expect(await store.withdrawVersion("wd", "1", w)).toBe(true);
    expect(await store.withdrawVersion("wd", "1", w)).toBe(false);
    expect(await store.withdrawVersion("wd", "nope", w)).toBe(false);
    const until = Date.now() + 3000;
    while (heard.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await unlisten();
    expect(heard).toEqual(["wd/1"]);
    const got = await store.getVersion("wd", "1");
    expect(got).toMatchObject({ status: "withdrawn", withdrawn: w, review: info });
  });

  it("when decisions are logged, then their dates are the request's dateOfService, else the decision date, else the day decided", async () => {
    const base = { program: "dd", version: "1", hash: "h", outcome: "x", latencyMs: 1, decidedAt: "2030-05-06T10:00:00.000Z" };
    await store.insertDecisions([
      { ...base, id: "dd-1", request: { dateOfService: "2021-03-04T08:00:00Z" }, decision: { decisionDate: "2029-01-01" } },
      { ...base, id: "dd-2", request: {}, decision: { decisionDate: "2029-01-01" } },
      { ...base, id: "dd-3", request: {}, decision: {} },
    ]);
    expect((await store.decisionDates("dd", "dateOfService")).map((d) => d.date).sort()).toEqual(["2021-03-04", "2029-01-01", "2030-05-06"]);
    // The program's manifest names the field; a nested one is followed.
    await store.insertDecisions([{ ...base, id: "dd-4", request: { visit: { on: "2022-07-08" } }, decision: {} }]);
    expect((await store.decisionDates("dd", "visit.on")).map((d) => d.date).sort()).toEqual(["2022-07-08", "2029-01-01", "2029-01-01", "2030-05-06"]);
  });
});
