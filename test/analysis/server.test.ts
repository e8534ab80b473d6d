/** The analysis endpoints over real HTTP on the shipped policies: roles, answers, errors, and counterfactuals on evaluate. */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, removeTempDirs, SHIPPED, startTestServer, type TestServer } from "../server/helpers.js";

const KEYS = { author: "author-key-0001", analyst: "analyst-key-0001", service: "service-key-0001" };

describe("POST /v1/analysis/diff and /v1/analysis/analyze", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ policiesDir: SHIPPED, keys: `author:${KEYS.author},analyst:${KEYS.analyst},service:${KEYS.service}` });
  });
  afterAll(async () => {
    await srv?.stop();
    removeTempDirs();
  });

  it("when an analyst diffs a version against a draft, then the transitions come with proven examples", async () => {
    // A draft of usms-claim that no longer accepts UB-04 forms.
    const source = readFileSync("policies/usms-claim/2000.1.policy", "utf8").replace("values: [CMS-1500, UB-92, UB-04]", "values: [CMS-1500, UB-92]");
    const r = await call(srv.url, "/v1/analysis/diff", { body: { program: "usms-claim", old: { version: "2000.1" }, new: { source }, regionsPerTransition: 1 }, key: KEYS.analyst });
    expect(r.status).toBe(200);
    expect(r.body.verdict).toBe("different");
    expect(r.body.failures).toEqual([]);
    expect(r.body.transitions.map((t: { from: string; to: string }) => `${t.from}->${t.to}`)).toEqual(["valid->invalid"]);
    const t = r.body.transitions[0];
    expect(t.regions[0].where).toContain("form");
    const ex = t.regions[0].example;
    expect(ex.request.form).toBe("UB-04");
    // The example re-run over HTTP is decided as the diff says.
    const ev = await call(srv.url, `/v1/programs/usms-claim/versions/2000.1/evaluate?decisionDate=${ex.decisionDate}`, { body: ex.request, key: KEYS.service });
    expect(ev.status).toBe(200);
    expect(ev.body.outcome).toBe(t.from);
  });

  it("when an author diffs a draft against the version it would replace, then an identical draft is equivalent", async () => {
    const source = readFileSync("policies/usms-claim/2000.1.policy", "utf8");
    const r = await call(srv.url, "/v1/analysis/diff", { body: { program: "usms-claim", old: { version: "2000.1" }, new: { source } }, key: KEYS.author });
    expect(r.status).toBe(200);
    expect(r.body.verdict).toBe("equivalent");
  });

  it("when the body is wrong, then 400/404/422 with the reason, and the service role is refused", async () => {
    expect((await call(srv.url, "/v1/analysis/diff", { body: { program: "ice-tar", old: { version: "2005.1" }, new: { version: "2010.1" } }, key: KEYS.service })).status).toBe(403);
    const missing = await call(srv.url, "/v1/analysis/diff", { body: { program: "ice-tar", old: { version: "2005.1" } }, key: KEYS.author });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe("invalid-body");
    const unknown = await call(srv.url, "/v1/analysis/diff", { body: { program: "ice-tar", old: { version: "1999.1" }, new: { version: "2010.1" } }, key: KEYS.author });
    expect(unknown.status).toBe(404);
    const broken = await call(srv.url, "/v1/analysis/diff", { body: { program: "ice-tar", old: { version: "2005.1" }, new: { source: "---\nprogram: ice-tar\n---\nrule x when" } }, key: KEYS.author });
    expect(broken.status).toBe(422);
    expect(broken.body.error.code).toBe("policy-invalid");
  });

  it("when a version is analysed, then its findings are diagnostics at rule lines", async () => {
    const r = await call(srv.url, "/v1/analysis/analyze", { body: { program: "usms-claim", version: "2000.1" }, key: KEYS.analyst });
    expect(r.status).toBe(200);
    const gap = r.body.findings.find((f: { code: string }) => f.code === "analysis-gap");
    expect(gap.start.line).toBeGreaterThan(1);
    expect(gap.example.decision.outcome).toBe("valid");
  });

  it("when evaluate is asked for counterfactuals, then each alternative changes only actionable fields", async () => {
    const req = JSON.parse(readFileSync("policies/ice-tar/examples/urgent-mri.json", "utf8")) as Record<string, unknown>;
    const r = await call(srv.url, "/v1/programs/ice-tar/versions/2010.1/evaluate?counterfactual=true&decisionDate=2010-03-02", { body: req, key: KEYS.service });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("pend");
    const alts = r.body.counterfactual.alternatives as { outcome: string; changes: { field: string }[] }[];
    const approve = alts.find((a) => a.outcome === "approve");
    expect(approve?.changes).toEqual([{ field: "onsiteApproval", from: "none", to: expect.stringMatching(/physician|clinical-director/) }]);
    for (const a of alts) for (const c of a.changes) expect(r.body.counterfactual.actionable).toContain(c.field);
    const plain = await call(srv.url, "/v1/programs/ice-tar/versions/2010.1/evaluate?decisionDate=2010-03-02", { body: { ...req, tarId: "T-plain" }, key: KEYS.service });
    expect(plain.body.counterfactual).toBeUndefined();
  });
});
