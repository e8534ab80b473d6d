/**
 * The API over real HTTP: a server started in this process on port 0, on a fresh embedded store, with the
 * demo-claim fixture program as its shipped policies. Each endpoint, then each error status.
 */
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BROKEN, demoVersion } from "./fixtures/sources.js";
import { call, publish, claim, FIXTURES, ndjson, removeTempDirs, startTestServer, tempDir, type TestServer } from "./helpers.js";

let srv: TestServer;
let url: string;
const V = "/v1/programs/demo-claim/versions/2020.1";

beforeAll(async () => {
  const editorDir = tempDir("precept-editor-");
  writeFileSync(join(editorDir, "index.html"), "<!doctype html><title>Precept editor</title>");
  srv = await startTestServer({ env: { PRECEPT_BODY_LIMIT: "64kb", PRECEPT_BATCH_LIMIT: "2mb", PRECEPT_EDITOR_DIR: editorDir } });
  url = srv.url;
});
afterAll(async () => {
  await srv?.stop();
  removeTempDirs();
});

describe("health and readiness", () => {
  it("when /health is asked, then it answers ok", async () => {
    const r = await call(url, "/health");
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: "ok" });
  });

  it("when /ready is asked, then policies are loaded and the store answers", async () => {
    const r = await call(url, "/ready");
    expect(r.status).toBe(200);
    expect(r.body.checks).toEqual({ policies: "ok", store: "ok" });
    expect(r.body.store).toBe("pglite");
  });

  it("when / is asked, then the built editor is served", async () => {
    const r = await fetch(url + "/");
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await r.text()).toContain("Precept editor");
  });

  it("when a caller sends x-request-id, then the answer echoes it; otherwise one is made", async () => {
    const given = await fetch(url + "/health", { headers: { "x-request-id": "abc-123" } });
    expect(given.headers.get("x-request-id")).toBe("abc-123");
    const made = await fetch(url + "/health");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("registry", () => {
  it("when programs are listed, then the shipped fixture version is there with its dates and hash", async () => {
    const r = await call(url, "/v1/programs");
    expect(r.status).toBe(200);
    const demo = r.body.programs.find((p: any) => p.program === "demo-claim");
    expect(demo.outcomes).toEqual(["invalid", "pend", "valid"]);
    expect(demo.versions[0]).toMatchObject({ version: "2020.1", effective: "2020-01-01", end: "2020-12-31", status: "published", origin: "shipped" });
    expect(demo.versions[0].hash).toMatch(/^sha256:/);
  });

  it("when a version is fetched, then its source, metadata and hash come back; compiled only on request", async () => {
    const r = await call(url, V);
    expect(r.status).toBe(200);
    expect(r.body.source).toBe(readFileSync(join(FIXTURES, "demo-claim/2020.1.policy"), "utf8"));
    expect(r.body).toMatchObject({ program: "demo-claim", version: "2020.1", title: "Demo claims", author: "Server tests" });
    expect(r.body.compiled).toBeUndefined();
    const withCompiled = await call(url, `${V}?include=compiled`);
    expect(withCompiled.body.compiled.hash).toBe(r.body.hash);
    expect(withCompiled.body.compiled.format).toBe("precept/compiled@1");
  });

  it("when the program or version does not exist, then 404 with a code saying which", async () => {
    expect((await call(url, "/v1/programs/nope/versions/1")).body.error.code).toBe("unknown-program");
    const r = await call(url, "/v1/programs/demo-claim/versions/1999.1");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("unknown-version");
    expect(r.body.error.details.versions).toContain("2020.1");
  });
});

describe("evaluate", () => {
  it("when a valid request is evaluated under a version, then the decision explains itself and carries its log id", async () => {
    const r = await call(url, `${V}/evaluate`, { body: claim("E1") });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ program: "demo-claim", version: "2020.1", outcome: "valid", fired: ["covered"] });
    expect(r.body.reasons).toEqual([{ rule: "covered", code: "covered", text: "Covered category", citation: "server test fixture" }]);
    expect(r.body.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.hash).toMatch(/^sha256:/);
    expect(Array.isArray(r.body.explanation)).toBe(true);
    const plain = await call(url, `${V}/evaluate?explain=false`, { body: claim("E1b") });
    expect(plain.body.explanation).toBeUndefined();
  });

  it("when mandatory information is missing, then it is a policy outcome, not an HTTP error", async () => {
    const r = await call(url, `${V}/evaluate`, { body: { claimId: "E2", category: "lab" } });
    expect(r.status).toBe(200);
    expect(r.body.outcome).toBe("invalid");
    expect(r.body.reasons[0].code).toBe("incomplete");
    expect(r.body.attributes.missing).toEqual(["member.id", "dateOfService", "amount"]);
  });

  it("when evaluated by date of service, then the version in force that day decides", async () => {
    const r = await call(url, "/v1/programs/demo-claim/evaluate", { body: claim("E3") });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe("2020.1");
    expect(r.headers.get("x-precept-version")).toBe("2020.1");
    const none = await call(url, "/v1/programs/demo-claim/evaluate", { body: claim("E4", { dateOfService: "2019-06-01" }) });
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe("no-version-in-force");
  });

  it("when the same claim is accepted twice, then the second is a duplicate of the first; a corrected resubmission is not", async () => {
    const first = await call(url, `${V}/evaluate`, { body: claim("D1", { member: { id: "DUP" }, amount: 42 }) });
    expect(first.body.outcome).toBe("valid");
    const again = await call(url, `${V}/evaluate`, { body: claim("D2", { member: { id: "DUP" }, amount: 42 }) });
    expect(again.body.outcome).toBe("invalid");
    expect(again.body.reasons[0].code).toBe("duplicate");
    expect(again.body.attributes.duplicateOf).toBe("D1");
    // An invalid claim (not covered) does not make its corrected resubmission a duplicate.
    const bad = await call(url, `${V}/evaluate`, { body: claim("R1", { member: { id: "RES" }, category: "dental" }) });
    expect(bad.body.outcome).toBe("invalid");
    const fixed = await call(url, `${V}/evaluate`, { body: claim("R2", { member: { id: "RES" } }) });
    expect(fixed.body.outcome).toBe("valid");
  });

  it("when identical claims arrive at the same time, then exactly one is accepted", async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => call(url, `${V}/evaluate`, { body: claim(`P${i}`, { member: { id: "RACE" }, amount: 7 }) })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((a) => a.body.outcome === "valid")).toHaveLength(1);
  });

  it("when decisionDate is given, then it is the decision's date", async () => {
    const r = await call(url, `${V}/evaluate?decisionDate=2020-04-01`, { body: claim("E5") });
    expect(r.body.decisionDate).toBe("2020-04-01");
    expect((await call(url, `${V}/evaluate?decisionDate=2020-13-01`, { body: claim("E6") })).body.error.code).toBe("invalid-query");
  });
});

describe("evaluate-batch", () => {
  it("when a JSON array is sent, then a JSON array of decisions comes back in order, bad items in place", async () => {
    const items = [claim("B1"), claim("B2", { category: "dental" }), { claimId: 5 }, claim("B3", { amount: 5000 })];
    const r = await call(url, `${V}/evaluate-batch`, { body: items });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/json/);
    expect(r.body.map((d: any) => d.outcome ?? d.error.code)).toEqual(["valid", "invalid", "invalid-request", "pend"]);
    expect(r.body[2].error.details.index).toBe(2);
    expect(r.body[2].error.details.errors[0].path).toBe("/claimId");
  });

  it("when NDJSON is sent, then NDJSON comes back, one line per request, malformed lines reported in place", async () => {
    const lines = [JSON.stringify(claim("N1")), "{not json", "", JSON.stringify(claim("N2", { amount: 2000 }))].join("\n");
    const r = await call(url, `${V}/evaluate-batch`, { body: lines, headers: { "content-type": "application/x-ndjson" } });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    const out = ndjson(r.text);
    expect(out.map((d) => d.outcome ?? d.error.code)).toEqual(["valid", "bad-json", "pend"]);
    expect(out[1].error.details.index).toBe(1);
  });

  it("when 3,000 requests are sent, then 3,000 decisions come back in order and all are logged", async () => {
    const items = Array.from({ length: 3000 }, (_, i) => claim(`BIG-${i}`, { member: { id: `BIG-${i}` }, amount: i }));
    const r = await call(url, `${V}/evaluate-batch?decisionDate=2021-02-03`, { body: items.map((x) => JSON.stringify(x)).join("\n"), headers: { "content-type": "application/x-ndjson" } });
    const out = ndjson(r.text);
    expect(out).toHaveLength(3000);
    expect(out.every((d, i) => d.outcome === (i > 1000 ? "pend" : "valid"))).toBe(true);
    const ids = new Set(out.map((d) => d.id));
    let seen = 0;
    let cursor: string | undefined;
    do {
      const page = await call(url, `/v1/decisions?program=demo-claim&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
      for (const d of page.body.items) if (ids.has(d.id)) seen++;
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toBe(3000);
  });

  it("when an empty array is sent, then an empty array comes back", async () => {
    const r = await call(url, `${V}/evaluate-batch`, { body: [] });
    expect(r.body).toEqual([]);
  });

  it("when the body is not an array, then 400", async () => {
    const r = await call(url, `${V}/evaluate-batch`, { body: { claimId: "x" } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid-body");
  });
});

describe("compile", () => {
  it("when a draft compiles, then diagnostics and the compiled policy come back and nothing is stored", async () => {
    const r = await call(url, "/v1/compile", { body: { program: "demo-claim", source: demoVersion("2077.1", "2077-01-01") } });
    expect(r.status).toBe(200);
    expect(r.body.compiled.version).toBe("2077.1");
    expect(r.body.diagnostics.filter((d: any) => d.severity === "error")).toEqual([]);
    expect((await call(url, "/v1/programs/demo-claim/versions/2077.1")).status).toBe(404);
  });

  it("when a draft does not compile, then 200 with its diagnostics and no compiled policy", async () => {
    const r = await call(url, "/v1/compile", { body: { program: "demo-claim", source: BROKEN } });
    expect(r.status).toBe(200);
    expect(r.body.compiled).toBeNull();
    expect(r.body.diagnostics.some((d: any) => d.severity === "error" && d.start.line > 0)).toBe(true);
  });

  it("when the envelope names another program, then a diagnostic says so", async () => {
    const r = await call(url, "/v1/compile", { body: { program: "ice-tar", source: demoVersion("2077.2", "2077-02-01") } });
    expect(r.body.compiled).toBeNull();
    expect(r.body.diagnostics.map((d: any) => d.code)).toContain("server/program-mismatch");
  });
});

describe("publish", () => {
  it("when a new version is published, then 201, it is listed, served, and decides by its own rules", async () => {
    const r = await publish(url, { source: demoVersion() });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe("/v1/programs/demo-claim/versions/2021.1");
    expect(r.body).toMatchObject({ program: "demo-claim", version: "2021.1", extends: "2020.1", origin: "api" });
    const listed = await call(url, "/v1/programs");
    expect(listed.body.programs.find((p: any) => p.program === "demo-claim").versions.map((v: any) => v.version)).toEqual(["2020.1", "2021.1"]);
    const d = await call(url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("PUB1", { category: "dental", amount: 600 }) });
    expect(d.body).toMatchObject({ version: "2021.1", outcome: "pend" });
    const byDate = await call(url, "/v1/programs/demo-claim/evaluate", { body: claim("PUB2", { dateOfService: "2021-05-05", category: "dental" }) });
    expect(byDate.body).toMatchObject({ version: "2021.1", outcome: "valid" });
  });

  it("when the version exists, then 409", async () => {
    const r = await publish(url, { source: demoVersion() });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("version-exists");
  });

  it("when the source does not compile, then 422 with the diagnostics, and nothing is stored", async () => {
    const r = await publish(url, { source: BROKEN });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("policy-invalid");
    expect(r.body.error.details.diagnostics.length).toBeGreaterThan(0);
    expect((await call(url, "/v1/programs/demo-claim/versions/2099.1")).status).toBe(404);
  });

  it("when the path names another program than the envelope, then 422", async () => {
    const r = await call(url, "/v1/programs/ice-tar/versions", { body: { source: demoVersion("2030.1", "2030-01-01") } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("program-mismatch");
  });

  it("when the body has no source, then 400", async () => {
    const r = await call(url, "/v1/programs/demo-claim/versions", { body: { text: "x" } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid-body");
  });
});

describe("decision log", () => {
  it("when decisions are read, then each has request, decision, version, hash, time and latency, newest first", async () => {
    const made = await call(url, `${V}/evaluate`, { body: claim("LOG1", { amount: 1234 }) });
    const r = await call(url, "/v1/decisions?limit=5");
    expect(r.status).toBe(200);
    const top = r.body.items[0];
    expect(top).toMatchObject({ id: made.body.id, program: "demo-claim", version: "2020.1", hash: made.body.hash, outcome: "pend" });
    expect(top.request).toEqual(claim("LOG1", { amount: 1234 }));
    expect(top.decision.outcome).toBe("pend");
    expect(top.decision.explanation).toBeUndefined();
    expect(Date.parse(top.decidedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(typeof top.latencyMs).toBe("number");
  });

  it("when filtered and paged, then pages do not overlap and every item matches", async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await call(url, `${V}/evaluate`, { body: claim(`F${i}`, { amount: 5000 + i }) })).body.id);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 3; page++) {
      const r = await call(url, `/v1/decisions?outcome=pend&version=2020.1&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(r.status).toBe(200);
      expect(r.body.items).toHaveLength(2);
      for (const d of r.body.items) {
        expect(d).toMatchObject({ outcome: "pend", version: "2020.1" });
        ids.push(d.id);
      }
      cursor = r.body.nextCursor;
    }
    expect(new Set(ids).size).toBe(6);
    expect(ids.slice(0, 5)).toEqual([...made].reverse());
    const today = new Date().toISOString().slice(0, 10);
    const window = await call(url, `/v1/decisions?from=${today}&to=${today}&limit=1`);
    expect(window.body.items).toHaveLength(1);
    const future = await call(url, "/v1/decisions?from=2999-01-01");
    expect(future.body.items).toEqual([]);
  });

  it("when one decision is asked for with explain, then it is explained again exactly as it was answered", async () => {
    const made = await call(url, `${V}/evaluate?decisionDate=2020-06-30`, { body: claim("EXP1", { amount: 4321 }) });
    const one = await call(url, `/v1/decisions/${made.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: made.body.id, outcome: "pend", decision: { decisionDate: "2020-06-30" } });
    expect(one.body.explanation).toBeUndefined();
    const again = await call(url, `/v1/decisions/${made.body.id}?explain=true`);
    expect(again.body.reproduced).toBe(true);
    expect(again.body.explanation).toEqual(made.body.explanation);
    expect((await call(url, "/v1/decisions/no-such-id")).body.error.code).toBe("unknown-decision");
  });

  it("when a claim and its duplicate are explained again later, then each comes out as it did (the lookups are logged)", async () => {
    const first = await call(url, `${V}/evaluate`, { body: claim("EXP-A", { member: { id: "EXP-SAME" } }) });
    const second = await call(url, `${V}/evaluate`, { body: claim("EXP-B", { member: { id: "EXP-SAME" } }) });
    expect([first.body.outcome, second.body.outcome]).toEqual(["valid", "invalid"]);
    // Asked today, the first claim's own key is accepted; explained with what it was told then, it is valid again.
    for (const made of [first, second]) {
      const again = await call(url, `/v1/decisions/${made.body.id}?explain=true`);
      expect(again.body).toMatchObject({ reproduced: true, outcome: made.body.outcome });
      expect(again.body.explanation).toEqual(made.body.explanation);
    }
  });

  it("when a filter is malformed, then 400", async () => {
    for (const q of ["limit=0", "limit=abc", "from=yesterday", "cursor=xyz", "program=a&program=b"]) {
      const r = await call(url, `/v1/decisions?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("invalid-query");
    }
  });
});

describe("test cases", () => {
  const T = "/v1/programs/demo-claim/versions/2020.1/tests";
  const good = { name: "dental is not covered", request: claim("TC-1", { category: "dental" }), want: { outcome: "invalid", reasons: ["not-covered"] } };

  it("when a shipped version's tests are read, then they are the shipped file's cases", async () => {
    const r = await call(url, T);
    expect(r.status).toBe(200);
    expect(r.body.origin).toBe("shipped");
    expect(r.body.cases.map((c: any) => c.name)).toEqual(["a covered lab claim is valid", "a costly claim is reviewed"]);
  });

  it("when cases are saved, then they replace the old ones, say how each runs (parameters included), and are read back", async () => {
    const failing = { ...good, name: "wrongly expected", want: { outcome: "valid" } };
    const costly = { name: "with a lower threshold a 600 claim is reviewed", request: claim("TC-2", { amount: 600 }), parameters: { reviewThreshold: 500 }, want: { outcome: "pend" } };
    const put = await call(url, T, { method: "PUT", body: { cases: [good, failing, costly] } });
    expect(put.status).toBe(200);
    expect(put.body.origin).toBe("api");
    expect(put.body.results).toEqual([
      { name: good.name, passed: true, problems: [] },
      { name: "wrongly expected", passed: false, problems: ["outcome: want valid, got invalid"] },
      { name: costly.name, passed: true, problems: [] },
    ]);
    const got = await call(url, T);
    expect(got.body.cases).toEqual([good, failing, costly]);
    expect(got.body.origin).toBe("api");
  });

  it("when a version is published with tests, then its tests are those; without, it has none", async () => {
    const source = demoVersion("2040.1", "2040-01-01");
    // demoVersion covers dental: a case must pass under the version it is published with (publish-review.ts).
    const covered = { name: "dental is covered", request: claim("TC-3", { category: "dental" }), want: { outcome: "valid" } };
    const pub = await publish(url, { source, tests: [covered] });
    expect(pub.status).toBe(201);
    expect((await call(url, "/v1/programs/demo-claim/versions/2040.1/tests")).body.cases).toEqual([covered]);
    // Without tests of its own, 2020.1's cases are run against it, and one of them ("wrongly expected") fails.
    const refused = await publish(url, { source: demoVersion("2041.1", "2041-01-01") });
    expect(refused.status).toBe(422);
    expect(refused.body.error.details.reasons[0].code).toBe("tests-failing");
    expect((await call(url, T, { method: "PUT", body: { cases: [] } })).status).toBe(200);
    const bare = await publish(url, { source: demoVersion("2041.1", "2041-01-01") });
    expect(bare.status).toBe(201);
    expect((await call(url, "/v1/programs/demo-claim/versions/2041.1/tests")).body).toMatchObject({ cases: [], origin: null });
  });

  it("when cases are malformed or want an unknown outcome, then 400 or 422 with each path, and nothing is stored", async () => {
    const before = (await call(url, T)).body.cases;
    const bad = await call(url, T, { method: "PUT", body: { cases: [good, { name: "", request: {}, want: { reasons: [1] }, wants: {} }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe("invalid-body");
    expect(bad.body.error.details.errors.map((e: any) => e.path).sort()).toEqual(["/cases/1/name", "/cases/1/want/outcome", "/cases/1/want/reasons/0", "/cases/1/wants"]);
    const notList = await call(url, T, { method: "PUT", body: { cases: "all of them" } });
    expect(notList.status).toBe(400);
    expect(notList.body.error.details.errors[0].path).toBe("/cases");
    const unknown = await call(url, T, { method: "PUT", body: { cases: [{ ...good, want: { outcome: "approved" } }] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: "test-cases-invalid", details: { errors: [{ path: "/cases/0/want/outcome" }] } });
    const param = await call(url, T, { method: "PUT", body: { cases: [{ ...good, parameters: { reviewThreshold: "high", nope: 1 } }] } });
    expect(param.status).toBe(422);
    expect(param.body.error.details.errors.map((e: any) => e.path)).toEqual(["/cases/0/parameters/reviewThreshold", "/cases/0/parameters/nope"]);
    expect((await call(url, T)).body.cases).toEqual(before);
    // Publishing with a bad case stores neither the version nor the cases.
    const pub = await call(url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2042.1", "2042-01-01"), tests: [{ name: "x" }] } });
    expect(pub.status).toBe(400);
    expect(pub.body.error.details.errors.map((e: any) => e.path).sort()).toEqual(["/tests/0/request", "/tests/0/want"]);
    expect((await call(url, "/v1/programs/demo-claim/versions/2042.1")).status).toBe(404);
  });

  it("when the version is unknown, then 404", async () => {
    expect((await call(url, "/v1/programs/demo-claim/versions/1999.9/tests")).status).toBe(404);
    expect((await call(url, "/v1/programs/nope/versions/1/tests", { method: "PUT", body: { cases: [] } })).status).toBe(404);
  });
});

describe("shared drafts", () => {
  const D = "/v1/drafts/demo-claim/2020.1+new";

  it("when a draft is shared, read, saved over its revision and deleted, then each step answers as it should", async () => {
    const first = await call(url, D, { method: "PUT", body: { source: "---\ndraft one", base: "2020.1", revision: 0 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ program: "demo-claim", name: "2020.1+new", base: "2020.1", revision: 1 });
    expect((await call(url, D)).body).toMatchObject({ source: "---\ndraft one", revision: 1 });
    const second = await call(url, D, { method: "PUT", body: { source: "---\ndraft two", base: "2020.1", revision: 1 } });
    expect(second.body.revision).toBe(2);
    expect((await call(url, "/v1/drafts?program=demo-claim")).body.drafts).toEqual([expect.objectContaining({ name: "2020.1+new", revision: 2 })]);
    expect((await call(url, D, { method: "DELETE" })).status).toBe(204);
    expect((await call(url, D)).status).toBe(404);
  });

  it("when two authors save over the same revision, then the second gets 409 with the revision that won, and loses nothing", async () => {
    await call(url, "/v1/drafts/demo-claim/2020.1", { method: "PUT", body: { source: "base text", base: "2020.1" } });
    const rev = (await call(url, "/v1/drafts/demo-claim/2020.1")).body.revision;
    const [a, b] = await Promise.all(["mine", "theirs"].map((source) =>
      call(url, "/v1/drafts/demo-claim/2020.1", { method: "PUT", body: { source, base: "2020.1", revision: rev } })));
    expect([a!.status, b!.status].sort()).toEqual([200, 409]);
    const lost = a!.status === 409 ? a! : b!;
    expect(lost.body.error).toMatchObject({ code: "draft-changed", details: { revision: rev + 1 } });
    const kept = (await call(url, "/v1/drafts/demo-claim/2020.1")).body;
    expect(kept.revision).toBe(rev + 1);
    expect(["mine", "theirs"]).toContain(kept.source);
    // Without a revision the save wins (the editor's "overwrite").
    expect((await call(url, "/v1/drafts/demo-claim/2020.1", { method: "PUT", body: { source: "overwritten", base: "2020.1" } })).body.revision).toBe(rev + 2);
  });

  it("when a draft is malformed or names what does not exist, then 400 or 404", async () => {
    const bad = await call(url, D, { method: "PUT", body: { source: "", base: 7, revision: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.errors.map((e: any) => e.path)).toEqual(["/source", "/base", "/revision"]);
    expect((await call(url, D, { method: "PUT", body: { source: "x", base: "1999.1" } })).status).toBe(404);
    expect((await call(url, "/v1/drafts/demo-claim/..%2Fetc")).status).toBe(400);
    expect((await call(url, "/v1/drafts?program=nope")).status).toBe(404);
  });
});

describe("openapi", () => {
  it("when /openapi.json is read, then it is OpenAPI 3.1 and its request schema is the compiled policy's", async () => {
    const doc = await call(url, "/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    const compiled = (await call(url, `${V}?include=compiled`)).body.compiled;
    const schema = doc.body.components.schemas["demo-claim.Request"];
    const { $schema: _s, $id: _i, ...expected } = compiled.requestSchema;
    expect(schema).toEqual(expected);
    const op = doc.body.paths["/v1/programs/demo-claim/versions/{version}/evaluate"].post;
    expect(op.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/demo-claim.Request" });
    expect(op.parameters[0].schema.enum).toContain("2020.1");
    for (const p of ["/health", "/v1/programs", "/v1/compile", "/v1/decisions", "/v1/programs/{program}/versions", "/v1/programs/{program}/versions/{version}/tests", "/v1/decisions/{id}", "/v1/drafts/{program}/{name}", "/v1/simulations", "/v1/request-sets"]) expect(doc.body.paths[p]).toBeDefined();
    expect(doc.body.components.schemas.TestCase.required).toEqual(["name", "request", "want"]);
  });

  it("when /openapi.json is checked against the OpenAPI 3.1 schema, then it is valid", async () => {
    const doc = (await call(url, "/openapi.json")).body;
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });
});

describe("bad input", () => {
  it("when the JSON is malformed, then 400 bad-json", async () => {
    const r = await call(url, `${V}/evaluate`, { body: '{"claimId": "x",' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("bad-json");
    expect(r.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it("when the request breaks the schema, then 400 with each JSON path", async () => {
    const r = await call(url, `${V}/evaluate`, { body: { claimId: "S1", amount: -3, member: { id: 7 }, extra: true } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid-request");
    const paths = r.body.error.details.errors.map((e: any) => e.path).sort();
    expect(paths).toEqual(["/amount", "/extra", "/member/id"]);
  });

  it("when the body is not JSON at all or the content type is wrong, then 415", async () => {
    const r = await call(url, `${V}/evaluate`, { body: "claimId=x", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(r.status).toBe(415);
    expect(r.body.error.code).toBe("unsupported-media-type");
    const none = await fetch(url + `${V}/evaluate`, { method: "POST", body: new Uint8Array([1, 2]) });
    expect(none.status).toBe(415);
    const ndjsonToSingle = await call(url, `${V}/evaluate`, { body: "{}", headers: { "content-type": "application/x-ndjson" } });
    expect(ndjsonToSingle.status).toBe(415);
  });

  it("when the body is over the limit, then 413 (single and batch limits differ)", async () => {
    const big = JSON.stringify(claim("BIG", { category: "x".repeat(70 * 1024) }));
    const r = await call(url, `${V}/evaluate`, { body: big });
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe("payload-too-large");
    const batchOk = await call(url, `${V}/evaluate-batch`, { body: `[${big}]` });
    expect(batchOk.status).toBe(200);
    const huge = await call(url, `${V}/evaluate-batch`, { body: `[${Array(40).fill(big).join(",")}]` });
    expect(huge.status).toBe(413);
  });

  it("when a chunked body passes the limit, then 413 without trusting Content-Length", async () => {
    const chunk = new TextEncoder().encode(" ".repeat(16 * 1024));
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 8; i++) c.enqueue(chunk);
        c.enqueue(new TextEncoder().encode("{}"));
        c.close();
      },
    });
    const res = await fetch(url + `${V}/evaluate`, { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
    expect(res.status).toBe(413);
  });

  it("when __proto__ or constructor keys are sent, then 400 and nothing is polluted", async () => {
    const bodies = [
      '{"claimId":"X","__proto__":{"polluted":true}}',
      '{"claimId":"X","member":{"constructor":{"prototype":{"polluted":true}}}}',
      '{"claimId":"X","\\u005f_proto__":{"polluted":true}}',
    ];
    for (const body of bodies) {
      const r = await call(url, `${V}/evaluate`, { body });
      expect(r.status, body).toBe(400);
      expect(r.body.error.code).toBe("forbidden-key");
    }
    const batch = await call(url, `${V}/evaluate-batch`, { body: '[{"claimId":"X","__proto__":{"polluted":true}}]' });
    expect(batch.status).toBe(400);
    const pub = await call(url, "/v1/programs/demo-claim/versions", { body: '{"source":"x","__proto__":{"polluted":true}}' });
    expect(pub.status).toBe(400);
    expect(({} as any).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty("polluted");
  });

  it("when a program is called __proto__ or constructor, then it is simply unknown", async () => {
    for (const name of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      const r = await call(url, `/v1/programs/${name}/versions/1/evaluate`, { body: claim("X") });
      expect(r.status, name).toBe(404);
      expect((await call(url, `/v1/programs/${name}/evaluate`, { body: claim("X") })).status).toBe(404);
      expect((await call(url, `/v1/programs/demo-claim/versions/${name}`)).status).toBe(404);
    }
  });

  it("when a string holds a NUL character, then 400 (the log could not store it)", async () => {
    const r = await call(url, `${V}/evaluate`, { body: '{"claimId":"A\\u0000B"}' });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("forbidden-character");
  });

  it("when a route does not exist, then a JSON 404", async () => {
    const r = await call(url, "/v2/nothing");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("not-found");
  });
});
