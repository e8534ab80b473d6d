/**
 * POST /v1/programs/{program}/dry-run (routes/dry-run.ts) on a started server, on both stores: a draft decides a
 * request as live evaluation would, duplicates found in the decision log (on PostgreSQL also those another replica
 * accepted), and nothing is logged or accepted; bad input answers with the JSON pointer or the policy's line.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN, demoVersion } from "./fixtures/sources.js";
import { call, claim, createPgDatabase, eventually, removeTempDirs, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const KEYS = { author: "author-key-dryrun-1", analyst: "analyst-key-dryrun-1", service: "service-key-dryrun-1" };
const SPEC = `author:${KEYS.author},analyst:${KEYS.analyst},service:${KEYS.service}`;
const DRY = "/v1/programs/demo-claim/dry-run";
// A draft that extends 2020.1 (the duplicate rule included) with a lower review threshold.
const DRAFT = demoVersion("2030.1", "2030-01-01", 500);

type Servers = { live: TestServer; dry: TestServer; done: () => Promise<void> };

const backends: [string, () => Promise<Servers>][] = [
  ["pglite", async () => {
    const srv = await startTestServer({ keys: SPEC });
    return { live: srv, dry: srv, done: async () => { await srv.stop(); removeTempDirs(); } };
  }],
  // Two replicas of one database: the claim is accepted on one, the draft tried on the other.
  ["postgres", async () => {
    const db: TestDatabase = await createPgDatabase();
    const live = await startTestServer({ keys: SPEC, databaseUrl: db.url });
    const dry = await startTestServer({ keys: SPEC, databaseUrl: db.url, seed: false });
    return { live, dry, done: async () => { await live.stop(); await dry.stop(); await db.drop(); removeTempDirs(); } };
  }],
];

describe.each(backends)("dry run of a draft on %s", (_name, open) => {
  let s: Servers;
  beforeAll(async () => {
    s = await open();
  });
  afterAll(() => s?.done());

  const dry = (body: Record<string, unknown>, key = KEYS.author) => call(s.dry.url, DRY, { body: { source: DRAFT, ...body }, key });
  // One member for every claim here: a duplicate is the same member, date of service and amount.
  const same = (id: string, over: Record<string, unknown> = {}) => claim(id, { member: { id: "M-DR" }, ...over });
  const live = (id: string, over: Record<string, unknown> = {}) =>
    call(s.live.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: same(id, over), key: KEYS.service });
  const logged = async (): Promise<string[]> =>
    (await call(s.live.url, "/v1/decisions?program=demo-claim&limit=500", { key: KEYS.analyst })).body.items.map((d: { request: { claimId: string } }) => d.request.claimId);

  it("when a claim was accepted live, then the draft decides a copy of it `duplicate`, naming the claim, and logs nothing", async () => {
    expect((await live("LIVE-1", { amount: 120 })).body.outcome).toBe("valid");
    const r = await dry({ request: same("DRY-1", { amount: 120 }), decisionDate: "2030-02-01" });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ dryRun: true, logged: false, version: "2030.1", decisionDate: "2030-02-01", outcome: "invalid" });
    expect(r.body.reasons.map((x: { code: string }) => x.code)).toEqual(["duplicate"]);
    expect(r.body.attributes.duplicateOf).toBe("LIVE-1");
    expect(Object.values(r.body.lookups)).toEqual(["LIVE-1"]);
    expect(r.body.explanation.find((t: { rule: string }) => t.rule === "duplicate").fired).toBe(true);
    expect(r.body.id).toBeUndefined();
  });

  it("when the draft accepts a claim, then nothing is remembered: the same claim again is not a duplicate, live or dry", async () => {
    const first = await dry({ request: same("DRY-2", { amount: 130 }) });
    expect(first.body.outcome).toBe("valid");
    expect((await dry({ request: same("DRY-3", { amount: 130 }) })).body.outcome).toBe("valid");
    // The draft's own rule: 600 is over its threshold of 500 (2020.1's is 1000).
    expect((await dry({ request: same("DRY-4", { amount: 600 }) })).body.outcome).toBe("pend");
    expect((await live("LIVE-2", { amount: 130 })).body.outcome).toBe("valid");
    const ids = await eventually(async () => {
      const got = await logged();
      return got.includes("LIVE-2") && got;
    });
    expect(ids.filter((id) => id.startsWith("DRY-"))).toEqual([]);
  });

  it("when the input is wrong, then 400 with the JSON pointer, 422 with the policy's line, 403 for other roles", async () => {
    const bad = await dry({ request: claim("DRY-5", { amount: "a lot" }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid-request");
    expect(bad.body.error.details.errors[0].path).toBe("/request/amount");
    const noSource = await call(s.dry.url, DRY, { body: { request: claim("DRY-6") }, key: KEYS.author });
    expect(noSource.status).toBe(400);
    expect(noSource.body.error.details.errors[0].path).toBe("/source");
    const broken = await dry({ source: BROKEN, request: claim("DRY-7") });
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe("policy-invalid");
    expect(broken.body.error.details.diagnostics[0].start.line).toBeGreaterThan(1);
    expect((await dry({ request: claim("DRY-8") }, KEYS.service)).status).toBe(403);
    expect((await dry({ request: claim("DRY-8") }, KEYS.analyst)).status).toBe(403);
    expect((await call(s.dry.url, "/v1/programs/nope/dry-run", { body: { source: DRAFT, request: {} }, key: KEYS.author })).status).toBe(404);
    expect(bad.text).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
