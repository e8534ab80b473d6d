/**
 * Simulation over real HTTP: the real server (createApp + listen, PGlite store, the shipped policies), API keys
 * with roles. Request sets listed, imported (CSV with bad rows) and selected from the decision log; a simulation
 * job started (202), polled to its report, its changed requests paged; a running job cancelled with DELETE.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, eventually, freshDataDir, SHIPPED, spawnServer, startTestServer, type TestServer } from "../server/helpers.js";
import { runSimulation } from "../../engine/simulate/index.js";
import { catalog, manifests, policy } from "./helpers.js";

const KEYS = "analyst:analyst-key-1,service:service-key-1,author:author-key-1";
const analyst = { key: "analyst-key-1" };
let srv: TestServer;

beforeAll(async () => {
  srv = await startTestServer({ policiesDir: SHIPPED, keys: KEYS });
}, 120_000);
afterAll(async () => {
  await srv?.stop();
  // The data dir this suite's server made (its database, the generated histories, the jobs' files).
  if (srv) rmSync(srv.dataDir, { recursive: true, force: true });
});

async function finished(id: string, ms = 90_000): Promise<any> {
  return eventually(async () => {
    const r = await call(srv.url, `/v1/simulations/${id}`, analyst);
    expect(r.status).toBe(200);
    return ["done", "failed", "cancelled"].includes(r.body.status) ? r.body : undefined;
  }, ms, 100);
}

describe("request sets", () => {
  it("when an analyst lists a program's request sets, then the shipped history is there with its count and dates", async () => {
    const r = await call(srv.url, "/v1/request-sets?program=ice-tar", analyst);
    expect(r.status).toBe(200);
    expect(r.body).toContainEqual(expect.objectContaining({ id: "ice-tar-history", program: "ice-tar", count: 110_538, from: "2006-10-01", to: "2009-03-31" }));
    expect(r.body.every((s: any) => s.program === "ice-tar")).toBe(true);
  });

  it("when a service key lists request sets, then it is forbidden (analyst role)", async () => {
    const r = await call(srv.url, "/v1/request-sets", { key: "service-key-1" });
    expect(r.status).toBe(403);
    expect((await call(srv.url, "/v1/request-sets")).status).toBe(401);
  });

  it("when a CSV with a bad row is posted, then fail names the row (422) and skip imports the rest (201)", async () => {
    const csv = [
      "referralId,patient.directCareEligible,patient.tribalMember,patient.residesInChsda,service.category,service.estimatedCost,dateOfService,priorNotification,notifiedAt",
      "R1,true,true,true,specialist-consult,800,2009-03-10,true,2009-03-03T09:00:00Z",
      "R2,true,true,true,joint-replacement,31000,2009-03-11,true,2009-03-03T10:00:00Z",
      "R3,maybe,true,true,lab,100,2009-03-12,true,2009-03-04T10:00:00Z",
      "R4,true,false,true,lab,100,2009-03-12,true,2009-03-04T11:00:00Z",
    ].join("\n");
    const headers = { "content-type": "text/csv" };
    const fail = await call(srv.url, "/v1/request-sets?program=ihs-chs&name=march", { ...analyst, headers, body: csv });
    expect(fail.status).toBe(422);
    expect(fail.body.error.code).toBe("import-failed");
    expect(fail.body.error.details.errors).toEqual([expect.objectContaining({ row: 3, line: 4, id: "R3" })]);
    const ok = await call(srv.url, "/v1/request-sets?program=ihs-chs&name=march&onError=skip", { ...analyst, headers, body: csv });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ imported: 3, skipped: 1, requestSet: { program: "ihs-chs", count: 3, name: "march", source: "import" } });
    const list = await call(srv.url, "/v1/request-sets?program=ihs-chs", analyst);
    expect(list.body.map((s: any) => s.id)).toContain(ok.body.requestSet.id);

    // … and simulated like any set: fundedLevel 4 purchases the deferred joint replacement.
    const start = await call(srv.url, "/v1/simulations", {
      ...analyst,
      body: { program: "ihs-chs", baseline: "2008.1", candidate: { version: "2008.1" }, params: { fundedLevel: 4 }, requestSet: ok.body.requestSet.id, fundControl: false },
    });
    expect(start.status).toBe(202);
    const job = await finished(start.body.id);
    expect(job.status).toBe("done");
    expect(job.report.total).toBe(3);
    expect(job.report.transitions).toEqual({ "approve->approve": 1, "defer->approve": 1, "deny->deny": 1 });
    expect(job.report.fundControl).toBeUndefined();
  });

  it("when decisions are in the log, then a selection of them becomes a request set, oldest first", async () => {
    const service = { key: "service-key-1" };
    const tar = (id: string, category: string) => ({ tarId: id, alienNumber: "A123456789", submittedAt: "2009-03-02T14:00:00Z", dateOfService: "2009-03-09", service: { category, estimatedCost: 100 } });
    for (const [id, cat] of [["LOG-1", "lab-basic"], ["LOG-2", "dental"], ["LOG-3", "cosmetic"]] as const) {
      expect((await call(srv.url, "/v1/programs/ice-tar/versions/2005.1/evaluate", { ...service, body: tar(id, cat) })).status).toBe(200);
    }
    const r = await call(srv.url, "/v1/request-sets/from-log", { ...analyst, body: { program: "ice-tar", version: "2005.1", name: "logged" } });
    expect(r.status).toBe(201);
    expect(r.body.requestSet).toMatchObject({ program: "ice-tar", count: 3, source: "decision-log", name: "logged" });
    const start = await call(srv.url, "/v1/simulations", { ...analyst, body: { program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, requestSet: r.body.requestSet.id } });
    const job = await finished(start.body.id);
    expect(job.report.changed.first.map((c: any) => c.id)).toEqual(["LOG-1", "LOG-2"]);
    expect(job.report.transitions).toEqual({ "deny->deny": 1, "pend->approve": 2 });
    const empty = await call(srv.url, "/v1/request-sets/from-log", { ...analyst, body: { program: "ice-tar", version: "2010.1" } });
    expect(empty.status).toBe(404);
    expect((await call(srv.url, `/v1/request-sets/${r.body.requestSet.id}`, { ...analyst, method: "DELETE" })).status).toBe(204);
    expect((await call(srv.url, "/v1/request-sets/ice-tar-history", { ...analyst, method: "DELETE" })).status).toBe(409);
  });
});

describe("simulation jobs", () => {
  it("when a simulation is posted, then 202 and a job that runs to the same report as the engine gives", async () => {
    const body = { program: "ihs-chs", baseline: "2008.1", candidate: { version: "2008.1" }, params: { fundedLevel: 4 }, requestSet: "ihs-chs-history", pageSize: 10 };
    const start = await call(srv.url, "/v1/simulations", { ...analyst, body });
    expect(start.status).toBe(202);
    expect(start.body).toMatchObject({ id: expect.stringMatching(/^sim_/), status: expect.stringMatching(/^(queued|running)$/) });
    expect(start.headers.get("location")).toBe(`/v1/simulations/${start.body.id}`);
    const seen = new Set<number>();
    const job = await eventually(async () => {
      const r = await call(srv.url, `/v1/simulations/${start.body.id}`, analyst);
      seen.add(r.body.progress);
      expect(r.body.progress).toBeGreaterThanOrEqual(0);
      expect(r.body.progress).toBeLessThanOrEqual(1);
      return r.body.status === "done" ? r.body : undefined;
    }, 90_000, 50);
    expect(job.progress).toBe(1);
    const engine = await runSimulation({
      manifest: manifests.of(policy("ihs-chs", "2008.1")),
      baseline: { policy: policy("ihs-chs", "2008.1") },
      candidate: { policy: policy("ihs-chs", "2008.1"), params: { fundedLevel: 4 } },
      set: (await catalog().open("ihs-chs-history"))!,
      threads: 0,
    });
    const r = job.report;
    expect(r.total).toBe(12_480);
    expect(r.baseline.counts).toEqual(engine.report.baseline.counts);
    expect(r.candidate.counts).toEqual(engine.report.candidate.counts);
    expect(r.transitions).toEqual(engine.report.transitions);
    expect(r.reviewsPerWeek).toEqual(engine.report.reviewsPerWeek);
    expect(r.changed.total).toBe(engine.report.changed.total);
    expect(r.changed.first).toHaveLength(10);
    // The shipped set's fund-control defaults apply: the candidate funds level 4 and runs out.
    expect(r.fundControl.quarters.map((q: any) => q.quarter)).toEqual(["FY2009 Q1", "FY2009 Q2", "FY2009 Q3", "FY2009 Q4"]);
    expect(r.fundControl.summary.baseline.runsOut).toBeNull();
    expect(r.fundControl.summary.candidate.runsOut).toMatch(/^FY2009 Q1 week \d+/);

    // Paging through the changed requests gives each of them once, in set order.
    const ids: number[] = [];
    for (let offset = 0; ; ) {
      const p = await call(srv.url, `/v1/simulations/${start.body.id}/changed?offset=${offset}&limit=200`, analyst);
      expect(p.status).toBe(200);
      ids.push(...p.body.items.map((c: any) => c.index));
      if (p.body.nextOffset === undefined) break;
      offset = p.body.nextOffset;
    }
    expect(ids).toHaveLength(r.changed.total);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const csv = await call(srv.url, `/v1/simulations/${start.body.id}/changed?format=csv`, analyst);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.text.trim().split("\n")).toHaveLength(r.changed.total + 1);
  });

  it("when a running simulation is deleted, then it is cancelled and gives no report", async () => {
    const start = await call(srv.url, "/v1/simulations", { ...analyst, body: { program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, requestSet: "ice-tar-history" } });
    expect(start.status).toBe(202);
    await eventually(async () => {
      const r = await call(srv.url, `/v1/simulations/${start.body.id}`, analyst);
      return r.body.status === "running" && r.body.progress > 0 ? r.body : undefined;
    }, 60_000, 20);
    const del = await call(srv.url, `/v1/simulations/${start.body.id}`, { ...analyst, method: "DELETE" });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe("cancelled");
    const job = await finished(start.body.id, 20_000);
    expect(job.status).toBe("cancelled");
    expect(job.report).toBeUndefined();
    expect((await call(srv.url, `/v1/simulations/${start.body.id}/changed`, analyst)).status).toBe(409);
  });

  it("when the request is wrong, then 4xx with a stable code before any job exists", async () => {
    const post = (body: unknown) => call(srv.url, "/v1/simulations", { ...analyst, body });
    expect((await post({ program: "nope", baseline: "1", candidate: { version: "1" } })).body.error.code).toBe("unknown-program");
    expect((await post({ program: "ice-tar", baseline: "1999.1", candidate: { version: "2010.1" } })).body.error.code).toBe("unknown-version");
    const param = await post({ program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, params: { costThreshhold: 1 } });
    expect([param.status, param.body.error.code]).toEqual([400, "unknown-parameter"]);
    const typed = await post({ program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, params: { costThreshold: "lots" } });
    expect([typed.status, typed.body.error.code]).toEqual([400, "invalid-parameter"]);
    const set = await post({ program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, requestSet: "ihs-chs-history" });
    expect([set.status, set.body.error.code]).toEqual([400, "request-set-program"]);
    const draft = await post({ program: "ice-tar", baseline: "2005.1", candidate: { source: "---\nprogram: ice-tar\n---\nrule x when" } });
    expect([draft.status, draft.body.error.code]).toEqual([422, "draft-does-not-compile"]);
    expect(draft.body.error.details.diagnostics.length).toBeGreaterThan(0);
    expect((await post({ program: "ice-tar", baseline: "2005.1" })).body.error.code).toBe("invalid-body");
    expect((await call(srv.url, "/v1/simulations/sim_nope", analyst)).status).toBe(404);
    expect((await call(srv.url, "/v1/simulations/sim_nope", { ...analyst, method: "DELETE" })).status).toBe(404);
    expect((await call(srv.url, "/v1/simulations", { key: "service-key-1", body: { program: "ice-tar" } })).status).toBe(403);
  });

  it("when the candidate is a draft source, then the job simulates it", async () => {
    const source = `---
program: ice-tar
version: "2010.9"
effective: 2010-07-01
extends: "2010.1"
title: Draft with a higher threshold
parameters:
  costThreshold:
    value: 10000
    description: higher
---
`;
    // One job at a time here: a second job started beside it on the embedded store was seen not finishing within
    // 90 s in two of three full-suite runs (open on issue 13: concurrent jobs on PGlite).
    const draft = await call(srv.url, "/v1/simulations", { ...analyst, body: { program: "ice-tar", baseline: "2010.1", candidate: { source }, requestSet: "ice-tar-history" } });
    expect(draft.status).toBe(202);
    const job = await finished(draft.body.id, 170_000);
    expect(job.status).toBe("done");
    expect(job.candidate).toBe("draft");
    expect(job.report.candidate).toMatchObject({ draft: true, version: "2010.9" });
    expect(job.report.candidate.counts.pend).toBeLessThan(job.report.baseline.counts.pend);
  }, 180_000); // 110,538 TARs on a shared 2-core machine
});

describe("the server as its own process (server/main.ts)", () => {
  it("when a simulation runs in a spawned server and the server gets SIGTERM, then the job finishes or is cancelled and the process exits cleanly", async () => {
    const dataDir = await freshDataDir();
    const proc = await spawnServer({ PRECEPT_DATA_DIR: dataDir, PRECEPT_KEYS: KEYS });
    try {
      const sets = await call(proc.url, "/v1/request-sets?program=usms-claim", analyst);
      expect(sets.body.map((s: any) => s.id)).toContain("usms-claim-history");
      const small = await call(proc.url, "/v1/simulations", { ...analyst, body: { program: "usms-claim", baseline: "2000.1", candidate: { version: "2000.1" } } });
      expect(small.status).toBe(202);
      const done = await eventually(async () => {
        const r = await call(proc.url, `/v1/simulations/${small.body.id}`, analyst);
        return r.body.status === "done" ? r.body : undefined;
      }, 90_000, 100);
      expect(done.report.requestSet.id).toBe("usms-claim-history");
      expect(done.report.baseline.counts.invalid).toBeGreaterThan(0);
      // A long job, then SIGTERM while it runs: the server cancels it and exits.
      const long = await call(proc.url, "/v1/simulations", { ...analyst, body: { program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" } } });
      await eventually(async () => {
        const r = await call(proc.url, `/v1/simulations/${long.body.id}`, analyst);
        return r.body.status === "running" && r.body.progress > 0 ? true : undefined;
      }, 60_000, 20);
      const t0 = Date.now();
      expect(await proc.stop("SIGTERM")).toBe(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
    } finally {
      await proc.stop("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
