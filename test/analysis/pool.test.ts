/**
 * The solver's worker pool on a started server (server/analysis-pool.ts): `/health` answers while a long analysis
 * runs, the time budget turns a long analysis into `unknown` ("time limit"), and a full queue answers 503.
 * The long analysis is real: the generated 200-rule policy with its overlap search, which takes minutes.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { referralPolicySource } from "../../bench/referral-policy.js";
import { call, removeTempDirs, SHIPPED, startTestServer, type TestServer } from "../server/helpers.js";

const KEY = "author-key-0001";
const long = { program: "ihs-chs", source: referralPolicySource(200 - 48) };

describe("the analysis pool", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({
      policiesDir: SHIPPED,
      keys: `author:${KEY}`,
      env: { PRECEPT_ANALYSIS_TIMEOUT_MS: "4000", PRECEPT_ANALYSIS_THREADS: "1", PRECEPT_ANALYSIS_QUEUE: "1" },
    });
  });
  afterAll(async () => {
    await srv?.stop();
    removeTempDirs();
  });

  it("when a long analysis runs, then /health answers meanwhile and the analysis ends at its budget as unknown", async () => {
    let settled = false;
    const analysis = call(srv.url, "/v1/analysis/analyze", { body: long, key: KEY }).finally(() => (settled = true));
    let healthyWhileRunning = 0;
    await new Promise((r) => setTimeout(r, 1500));
    while (!settled) {
      const h = await call(srv.url, "/health");
      if (!settled && h.status === 200) healthyWhileRunning++;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(healthyWhileRunning).toBeGreaterThan(0);
    const r = await analysis;
    expect(r.status).toBe(200);
    expect(r.body.unknown).toEqual([expect.stringMatching(/^time limit: the analysis took longer than 4000 ms/)]);
    expect(r.body.findings.map((f: { code: string }) => f.code)).toEqual(["analysis-unknown"]);
  }, 60_000);

  it("when a diff asks for a budget shorter than it needs, then it is unknown with the reason time limit", async () => {
    const source = readFileSync("policies/ihs-chs/2008.1.policy", "utf8").replace(/maxTravelMinutes:\n {4}value: 90/, "maxTravelMinutes:\n    value: 91");
    const r = await call(srv.url, "/v1/analysis/diff", { body: { program: "ihs-chs", old: { version: "2008.1" }, new: { source }, timeLimitMs: 50 }, key: KEY });
    expect(r.status).toBe(200);
    expect(r.body.verdict).toBe("unknown");
    expect(r.body.unknown).toEqual(["time limit: the diff took longer than 50 ms"]);
    const bad = await call(srv.url, "/v1/analysis/diff", { body: { program: "ihs-chs", old: { version: "2008.1" }, new: { source }, timeLimitMs: "soon" }, key: KEY });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors[0].path).toBe("/timeLimitMs");
  }, 60_000);

  it("when more analyses arrive than the thread and the queue hold, then the extra ones get 503", async () => {
    const replies = await Promise.all([1, 2, 3, 4, 5, 6].map(() => call(srv.url, "/v1/analysis/analyze", { body: long, key: KEY })));
    const statuses = replies.map((r) => r.status).sort();
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
    const busy = replies.find((r) => r.status === 503)!;
    expect(busy.body.error.code).toBe("analysis-busy");
  }, 60_000);
});
