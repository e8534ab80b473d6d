/**
 * Reviewed publishing and withdrawal over real HTTP (server/publish-review.ts, routes/reviews.ts): a second author
 * approves; failing test cases and errors are refused; a past effective date needs the submitter's `retroactive`
 * and the approver's confirmation of the number of decisions it moves; a withdrawn version answers 410.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BROKEN, demoVersion } from "./fixtures/sources.js";
import { call, claim, createPgDatabase, eventually, removeTempDirs, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const KEYS = { alice: "author-key-alice", bob: "author-key-bob", analyst: "analyst-key-0001", service: "service-key-0001" };
const R = "/v1/programs/demo-claim/reviews";

describe("reviewed publishing, with keys", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ keys: `author:${KEYS.alice},author:${KEYS.bob},analyst:${KEYS.analyst},service:${KEYS.service}` });
  });
  afterAll(async () => {
    await srv?.stop();
    removeTempDirs();
  });

  const submit = (body: Record<string, unknown>, key = KEYS.alice) => call(srv.url, R, { body: { note: "a test change", ...body }, key });
  const approve = (id: string, body: Record<string, unknown> = {}, key = KEYS.bob) => call(srv.url, `${R}/${id}/approve`, { body, key });

  it("when an author publishes directly, then 403 review-required", async () => {
    const r = await call(srv.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2090.1", "2090-01-01") }, key: KEYS.alice });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("review-required");
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2090.1", { key: KEYS.alice })).status).toBe(404);
  });

  it("when a draft is submitted, then only a second author's approval publishes it, and both are kept with the version", async () => {
    const sub = await submit({ source: demoVersion("2091.1", "2091-01-01"), name: "Alice", note: "Dental covered from 2091" });
    expect(sub.status).toBe(201);
    expect(sub.body.review).toMatchObject({ status: "pending", version: "2091.1", submittedBy: { name: "Alice" } });
    expect(sub.body.checks.failing).toEqual([]);
    expect(sub.body.checks.tests).toEqual({ count: 2, from: "2020.1" });
    // Not published yet.
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2091.1", { key: KEYS.alice })).status).toBe(404);
    const self = await approve(sub.body.review.id, {}, KEYS.alice);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe("same-person");
    expect((await approve(sub.body.review.id, {}, KEYS.service)).status).toBe(403);
    const ok = await approve(sub.body.review.id, { name: "Bob" });
    expect(ok.status).toBe(201);
    const v = await call(srv.url, "/v1/programs/demo-claim/versions/2091.1", { key: KEYS.analyst });
    expect(v.body.status).toBe("published");
    expect(v.body.review).toMatchObject({ note: "Dental covered from 2091", submittedBy: { name: "Alice" }, approvedBy: { name: "Bob" }, selfApproved: false });
    expect(v.body.review.submittedBy.id).not.toBe(v.body.review.approvedBy.id);
    expect(v.body.review.submittedBy.id).toMatch(/^key:[0-9a-f]{12}$/);
    // Approving twice does not publish twice.
    expect((await approve(sub.body.review.id)).body.error.code).toBe("review-decided");
  });

  it("when a test case fails under the draft, then approving is refused with the case named", async () => {
    // A threshold of 50 makes the inherited case "a covered lab claim is valid" (amount 100) pend.
    const sub = await submit({ source: demoVersion("2092.1", "2092-01-01", 50) });
    expect(sub.status).toBe(201);
    expect(sub.body.checks.failing.map((f: { name: string }) => f.name)).toEqual(["a covered lab claim is valid"]);
    const r = await approve(sub.body.review.id);
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("publish-refused");
    expect(r.body.error.details.reasons.map((x: { code: string }) => x.code)).toEqual(["tests-failing"]);
    expect(r.body.error.message).toContain("1 of 2 test cases fails: “a covered lab claim is valid”");
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2092.1", { key: KEYS.alice })).status).toBe(404);
  });

  it("when the draft has an error, then it cannot even be submitted (422 with the diagnostics)", async () => {
    const r = await submit({ source: BROKEN });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("policy-invalid");
    expect(r.body.error.details.diagnostics[0].start.line).toBeGreaterThan(1);
  });

  it("when the effective date lies in the past, then it needs `retroactive` and the approver's confirmation of the count", async () => {
    // Two logged decisions dated 2050 (no version in force then) and one dated 2020 (2020.1's, untouched).
    for (const [id, dos] of [["RT-1", "2050-03-01"], ["RT-2", "2050-04-01"], ["RT-3", "2020-05-01"]] as const) {
      expect((await call(srv.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: claim(id, { dateOfService: dos }), key: KEYS.service })).status).toBe(200);
    }
    // A version from 2021 would be in force for the two 2050 decisions (2091.1 takes over in 2091).
    const plain = await submit({ source: demoVersion("2021.5", "2021-01-01") });
    expect(plain.body.checks.retroactive).toMatchObject({ effective: "2021-01-01" });
    const affected = plain.body.checks.retroactive.decisions;
    expect(affected).toBe(2);
    const refused = await approve(plain.body.review.id);
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.reasons[0].code).toBe("retroactive");
    expect(refused.body.error.message).toContain(`${affected} logged decisions would be under this version`);

    const meant = await submit({ source: demoVersion("2021.6", "2021-01-01"), retroactive: true });
    const unconfirmed = await approve(meant.body.review.id);
    expect(unconfirmed.body.error.details.reasons[0].code).toBe("retroactive-unconfirmed");
    const wrong = await approve(meant.body.review.id, { confirmRetroactive: affected + 1 });
    expect(wrong.body.error.details.reasons[0].code).toBe("retroactive-count-changed");
    const ok = await approve(meant.body.review.id, { confirmRetroactive: affected });
    expect(ok.status).toBe(201);
    expect(ok.body.review.retroactive).toEqual({ confirmedDecisions: affected });
  });

  it("when a version is withdrawn, then it stays readable and explainable, is no longer in force, and evaluating under it answers 410", async () => {
    const d = await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/evaluate", { body: claim("WD-1", { dateOfService: "2050-06-01" }), key: KEYS.service });
    expect(d.status).toBe(200);
    const byDate = await call(srv.url, "/v1/programs/demo-claim/evaluate", { body: claim("WD-2", { dateOfService: "2050-06-02" }), key: KEYS.service });
    expect(byDate.body.version).toBe("2021.6");
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/withdraw", { body: {}, key: KEYS.alice })).status).toBe(400);
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/withdraw", { body: { reason: "x" }, key: KEYS.service })).status).toBe(403);
    const w = await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/withdraw", { body: { reason: "Dated 2021 by mistake", name: "Alice" }, key: KEYS.alice });
    expect(w.status).toBe(200);
    expect(w.body).toMatchObject({ status: "withdrawn", withdrawn: { reason: "Dated 2021 by mistake", by: { name: "Alice" } } });
    const gone = await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/evaluate", { body: claim("WD-3"), key: KEYS.service });
    expect(gone.status).toBe(410);
    expect(gone.body.error).toMatchObject({ code: "version-withdrawn", details: { reason: "Dated 2021 by mistake" } });
    expect(gone.body.error.message).toContain("Dated 2021 by mistake");
    // By date, nothing is in force in 2050 any more (2020.1 ended in 2020; 2091.1 starts in 2091).
    const again = await call(srv.url, "/v1/programs/demo-claim/evaluate", { body: claim("WD-4", { dateOfService: "2050-06-03" }), key: KEYS.service });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe("no-version-in-force");
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2021.6", { key: KEYS.analyst })).body.status).toBe("withdrawn");
    const explained = await call(srv.url, `/v1/decisions/${d.body.id}?explain=true`, { key: KEYS.analyst });
    expect(explained.status).toBe(200);
    expect(explained.body.reproduced).toBe(true);
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2021.6/withdraw", { body: { reason: "again" }, key: KEYS.bob })).status).toBe(409);
  });
});

describe("reviewed publishing, with no keys (loopback only)", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => {
    await srv?.stop();
    removeTempDirs();
  });

  it("when the one person approves their own draft, then it is published and marked self-approved", async () => {
    const sub = await call(srv.url, R, { body: { source: demoVersion("2095.1", "2095-01-01"), note: "mine" } });
    expect(sub.body.selfApproval).toBe(true);
    const ok = await call(srv.url, `${R}/${sub.body.review.id}/approve`, { body: {} });
    expect(ok.status).toBe(201);
    expect(ok.body.review).toMatchObject({ selfApproved: true, submittedBy: { id: "loopback" }, approvedBy: { id: "loopback" } });
  });

  it("when published directly, then the same checks apply and the version says it was self-approved", async () => {
    const failing = await call(srv.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2096.1", "2096-01-01", 50) } });
    expect(failing.status).toBe(422);
    expect(failing.body.error.details.reasons[0].code).toBe("tests-failing");
    const ok = await call(srv.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2097.1", "2097-01-01") } });
    expect(ok.status).toBe(201);
    expect(ok.body.review).toMatchObject({ selfApproved: true, note: "Lower review threshold; dental covered" });
  });
});

describe("withdrawal across replicas (PostgreSQL)", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    a = await startTestServer({ databaseUrl: db.url });
    b = await startTestServer({ databaseUrl: db.url, seed: false });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
    removeTempDirs();
  });

  it("when one replica withdraws a version, then the other answers 410 for it too and no longer puts it in force", async () => {
    expect((await call(a.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2098.1", "2098-01-01") } })).status).toBe(201);
    const before = await eventually(async () => {
      const r = await call(b.url, "/v1/programs/demo-claim/evaluate", { body: claim("RW-1", { dateOfService: "2098-02-01" }) });
      return r.status === 200 && r.body;
    });
    expect(before.version).toBe("2098.1");
    expect((await call(a.url, "/v1/programs/demo-claim/versions/2098.1/withdraw", { body: { reason: "replica test" } })).status).toBe(200);
    const gone = await eventually(async () => {
      const r = await call(b.url, "/v1/programs/demo-claim/versions/2098.1/evaluate", { body: claim("RW-2") });
      return r.status === 410 && r.body;
    });
    expect(gone.error.details.reason).toBe("replica test");
    expect((await call(b.url, "/v1/programs/demo-claim/evaluate", { body: claim("RW-3", { dateOfService: "2098-02-02" }) })).status).toBe(404);
  });

  it("when the withdrawal's notification is lost, then the poll finds it", async () => {
    expect((await call(a.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2099.5", "2099-01-01") } })).status).toBe(201);
    await eventually(async () => (await call(b.url, "/v1/programs/demo-claim/versions/2099.5/evaluate", { body: claim("RP-1") })).status === 200);
    // Withdrawn in the database with no notification at all (as if it had been lost).
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query(`UPDATE versions SET status = 'withdrawn', withdrawn = $1 WHERE program = 'demo-claim' AND version = '2099.5'`, [
      JSON.stringify({ at: new Date().toISOString(), by: { id: "loopback" }, reason: "no notification" }),
    ]);
    await c.end();
    const gone = await eventually(async () => {
      const r = await call(b.url, "/v1/programs/demo-claim/versions/2099.5/evaluate", { body: claim("RP-2") });
      return r.status === 410 && r.body;
    }, 10_000);
    expect(gone.error.details.reason).toBe("no notification");
  });
});
