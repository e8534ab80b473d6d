/**
 * The contract test: a started server (in this process, fresh embedded store, the demo-claim fixture program), every
 * operation of the OpenAPI document it publishes called at least once with success, each body sent and each answer
 * (errors included) checked against that document (contract.ts). A route whose answer drifts from the contract
 * (server/contract/schemas.ts), or an operation nobody calls here, fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoVersion } from "./fixtures/sources.js";
import { Contract } from "./contract.js";
import { claim, eventually, publish, removeTempDirs, startTestServer, type TestServer } from "./helpers.js";

let srv: TestServer;
let url: string;
let c: Contract;
const P = "/v1/programs/demo-claim";
const V = `${P}/versions/2020.1`;

beforeAll(async () => {
  srv = await startTestServer();
  url = srv.url;
  c = await Contract.of(url);
}, 60_000);
afterAll(async () => {
  await srv?.stop();
  removeTempDirs();
});

/** Publishes through the test helper (confirming a past date) and checks the exchange that published. */
async function published(source: string): Promise<void> {
  const r = await publish(url, { source });
  expect(r.status).toBe(201);
  c.check("POST", `${P}/versions`, { source, retroactive: true, confirmRetroactive: 0 }, r);
}

describe("contract", () => {
  it("when every operation is called, then what is sent and answered matches the OpenAPI document", async () => {
    // Health and the document itself.
    expect((await c.call(url, "/health")).status).toBe(200);
    expect((await c.call(url, "/ready")).status).toBe(200);
    expect((await c.call(url, "/openapi.json")).status).toBe(200);

    // Registry and evaluation.
    expect((await c.call(url, "/v1/programs")).status).toBe(200);
    expect((await c.call(url, `${V}?include=compiled`)).status).toBe(200);
    expect((await c.call(url, `${V}/evaluate`, { body: claim("C1") })).status).toBe(200);
    expect((await c.call(url, `${P}/evaluate?counterfactual=true`, { body: claim("C2", { amount: 5000 }) })).status).toBe(200);
    expect((await c.call(url, `${V}/evaluate-batch`, { body: [claim("C3"), claim("C3b", { amount: 2000 })] })).status).toBe(200);
    const lines = [claim("C4"), claim("C5", { category: "dental" })].map((x) => JSON.stringify(x)).join("\n");
    expect((await c.call(url, `${V}/evaluate-batch`, { body: lines, headers: { "content-type": "application/x-ndjson" } })).status).toBe(200);
    expect((await c.call(url, "/v1/compile", { body: { program: "demo-claim", source: demoVersion("2077.1", "2077-01-01") } })).body.compiled).not.toBeNull();
    const dry = await c.call(url, `${P}/dry-run`, { body: { source: demoVersion("2077.1", "2077-01-01"), request: claim("C1"), decisionDate: "2020-06-01" } });
    expect(dry.body.logged).toBe(false);

    // Publishing, withdrawing, test cases.
    await published(demoVersion("2021.1", "2021-01-01"));
    await published(demoVersion("2022.1", "2022-01-01"));
    expect((await c.call(url, `${P}/versions/2022.1/withdraw`, { body: { reason: "published by mistake", name: "Ann" } })).status).toBe(200);
    expect((await c.call(url, `${P}/versions/2021.1/evaluate`, { body: claim("C6", { dateOfService: "2021-02-01" }) })).status).toBe(200);
    const cases = [{ name: "lab is covered", request: claim("T1"), want: { outcome: "valid", reasons: ["covered"] } }];
    expect((await c.call(url, `${P}/versions/2021.1/tests`, { method: "PUT", body: { cases } })).status).toBe(200);
    expect((await c.call(url, `${P}/versions/2021.1/tests`)).status).toBe(200);

    // Reviews: one sent back, one approved (no keys configured: self-approval).
    const sent = await c.call(url, `${P}/reviews`, { body: { source: demoVersion("2023.1", "2023-01-01"), note: "to be sent back" } });
    expect(sent.status).toBe(201);
    expect((await c.call(url, `${P}/reviews`)).status).toBe(200);
    expect((await c.call(url, `${P}/reviews/${sent.body.review.id}`)).status).toBe(200);
    expect((await c.call(url, `${P}/reviews/${sent.body.review.id}/reject`, { body: { reason: "not yet" } })).status).toBe(200);
    const next = await c.call(url, `${P}/reviews`, { body: { source: demoVersion("2024.1", "2024-01-01"), note: "approved", retroactive: true } });
    expect(next.status).toBe(201);
    const confirm = next.body.checks.retroactive?.decisions;
    const approved = await c.call(url, `${P}/reviews/${next.body.review.id}/approve`, { body: confirm === undefined ? {} : { confirmRetroactive: confirm } });
    expect(approved.status).toBe(201);

    // The decision log.
    const page = await c.call(url, "/v1/decisions?program=demo-claim&limit=5");
    expect(page.body.items.length).toBeGreaterThan(0);
    expect((await c.call(url, `/v1/decisions/${page.body.items[0].id}?explain=true`)).body.reproduced).toBe(true);

    // Shared drafts.
    const D = "/v1/drafts/demo-claim/2020.1";
    expect((await c.call(url, D, { method: "PUT", body: { source: "draft text", base: "2020.1", revision: 0 } })).status).toBe(200);
    expect((await c.call(url, "/v1/drafts?program=demo-claim")).body.drafts).toHaveLength(1);
    expect((await c.call(url, D)).status).toBe(200);
    expect((await c.call(url, D, { method: "DELETE" })).status).toBe(204);

    // Request sets and a simulation over one.
    const rows = Array.from({ length: 40 }, (_, i) => JSON.stringify(claim(`S${i}`, { amount: 300 + 20 * i, category: i % 3 ? "lab" : "dental" }))).join("\n");
    const imported = await c.call(url, "/v1/request-sets?program=demo-claim&name=contract", { body: rows, headers: { "content-type": "application/x-ndjson" } });
    expect(imported.status).toBe(201);
    expect((await c.call(url, "/v1/request-sets?program=demo-claim")).status).toBe(200);
    const selected = await c.call(url, "/v1/request-sets/from-log", { body: { program: "demo-claim", from: "2000-01-01" } });
    expect(selected.status).toBe(201);
    expect((await c.call(url, `/v1/request-sets/${selected.body.requestSet.id}`, { method: "DELETE" })).status).toBe(204);
    const sim = { program: "demo-claim", baseline: "2020.1", candidate: { version: "2021.1" }, requestSet: imported.body.requestSet.id, pageSize: 5 };
    const started = await c.call(url, "/v1/simulations", { body: sim });
    expect(started.status).toBe(202);
    const job = await eventually(async () => {
      const r = await c.call(url, `/v1/simulations/${started.body.id}`);
      return ["done", "failed", "cancelled"].includes(r.body.status) ? r.body : undefined;
    }, 60_000, 100);
    expect(job.status).toBe("done");
    expect(job.report.changed.total).toBeGreaterThan(0);
    expect((await c.call(url, `/v1/simulations/${started.body.id}/changed?offset=0&limit=3`)).body.items.length).toBeGreaterThan(0);
    expect((await c.call(url, `/v1/simulations/${started.body.id}`, { method: "DELETE" })).status).toBe(200);

    // Solver analysis.
    expect((await c.call(url, "/v1/analysis/diff", { body: { program: "demo-claim", old: { version: "2020.1" }, new: { version: "2021.1" } } })).body.verdict).toBe("different");
    expect((await c.call(url, "/v1/analysis/analyze", { body: { program: "demo-claim", version: "2020.1" } })).status).toBe(200);
    expect((await c.call(url, "/v1/analysis/counterfactual", { body: { program: "demo-claim", version: "2020.1", request: claim("CF1", { amount: 5000 }) } })).status).toBe(200);

    expect(c.operations().filter((op) => !c.succeeded.has(op))).toEqual([]);
  }, 180_000);

  it("when a request breaks the contract, then the server refuses it with a documented error, as the document does", async () => {
    // The two forms the simulations route once took without documenting them.
    const sim = { program: "demo-claim", baseline: "2020.1", candidate: { version: "2020.1" } };
    for (const body of [{ ...sim, baseline: { version: "2020.1" } }, { ...sim, candidate: "2020.1" }, { ...sim, extra: 1 }]) {
      const r = await c.call(url, "/v1/simulations", { body });
      expect(r.status).toBe(400);
      expect(r.body.error.code).toBe("invalid-body");
      expect(() => c.check("POST", "/v1/simulations", body, { ...r, status: 202 })).toThrow(/request body does not match/);
    }
    const missing = await c.call(url, "/v1/analysis/diff", { body: { program: "demo-claim", old: { version: "2020.1" } } });
    expect(missing.body.error.details.errors).toContainEqual({ path: "/new", message: "is required" });
    expect((await c.call(url, `${P}/versions/2020.1/withdraw`, { body: { reason: "   " } })).status).toBe(400);
    expect((await c.call(url, "/v1/programs/nope/versions/1")).body.error.code).toBe("unknown-program");
    expect((await c.call(url, "/v1/simulations/nope")).body.error.code).toBe("unknown-simulation");
    expect((await c.call(url, "/v1/compile", { body: "{", headers: { "content-type": "application/json" } })).body.error.code).toBe("bad-json");
  });
});
