/**
 * Hostile input against a started server, on the embedded store and on PostgreSQL (issue 11): every refusal is a
 * 4xx naming what was wrong (the JSON path or the parameter), never a 500; what is answered 200 is in the log
 * exactly as decided; answers stay small however the request is built.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoVersion } from "./fixtures/sources.js";
import { call, publish, claim, createPgDatabase, ndjson, removeTempDirs, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const V = "/v1/programs/demo-claim/versions/2020.1";
const LIMITS = { PRECEPT_BODY_LIMIT: "1mb", PRECEPT_BATCH_LIMIT: "2mb" };

const stores: [string, () => Promise<{ srv: TestServer; db?: TestDatabase }>][] = [
  ["embedded", async () => ({ srv: await startTestServer({ env: LIMITS }) })],
  ["postgres", async () => {
    const db = await createPgDatabase();
    return { srv: await startTestServer({ databaseUrl: db.url, env: LIMITS }), db };
  }],
];

/** `depth` nested arrays around `inner`. */
const nested = (depth: number, inner: string): string => "[".repeat(depth) + inner + "]".repeat(depth);

describe.each(stores)("hostile input on the %s store", (_name, open) => {
  let srv: TestServer;
  let db: TestDatabase | undefined;
  let url: string;
  beforeAll(async () => {
    ({ srv, db } = await open());
    url = srv.url;
    expect((await publish(url, { source: demoVersion() })).status).toBe(201);
  });
  afterAll(async () => {
    await srv?.stop();
    await db?.drop();
    removeTempDirs();
  });

  const logged = async (claimId: string): Promise<any[]> => {
    const page = await call(url, "/v1/decisions?program=demo-claim&limit=1000");
    expect(page.status).toBe(200);
    return page.body.items.filter((d: any) => d.request?.claimId === claimId);
  };

  it("when a request holds 60,000 schema violations, then the answer carries the first 50 and counts the rest", async () => {
    const extra = Array.from({ length: 60_000 }, (_, i) => `"k${i}":0`).join(",");
    const t0 = performance.now();
    const r = await call(url, `${V}/evaluate`, { body: `{"claimId":"AMP",${extra}}` });
    const ms = performance.now() - t0;
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("invalid-request");
    expect(r.body.error.details.errors).toHaveLength(50);
    expect(r.body.error.details.more).toBe(60_000 - 50);
    expect(r.text.length).toBeLessThan(10_000);
    // Reported, not asserted on timing: the figure goes in the note.
    console.log(`amplification: ${Buffer.byteLength(r.text)} bytes in ${Math.round(ms)} ms`);
  });

  it("when a batch has many bad items, then the errors it answers stay within the configured bytes", async () => {
    const bad = `{"claimId":"B",${Array.from({ length: 200 }, (_, i) => `"x${i}":1`).join(",")}}`;
    const body = Array.from({ length: 1000 }, () => bad).join("\n"); // 1.8 MB, 200,000 violations
    const r = await call(url, `${V}/evaluate-batch`, { body, headers: { "content-type": "application/x-ndjson" } });
    expect(r.status).toBe(200);
    const items = ndjson(r.text);
    expect(items).toHaveLength(1000);
    expect(items.every((x) => x.error?.code === "invalid-request")).toBe(true);
    // 1 MB of detailed errors at most, then one error and a count per item.
    expect(r.text.length).toBeLessThan(1024 * 1024 + 1000 * 300);
    expect(items.at(-1).error.details.errors).toHaveLength(1);
    expect(items.at(-1).error.details.more).toBe(199);
  });

  it("when a string holds a lone surrogate, then 400 with its path, and nothing is logged or parked", async () => {
    for (const [body, path] of [['{"claimId":"LONE-\\ud800b"}', "/claimId"], ['{"claimId":"LONE-2","member":{"id":"\\udc00"}}', "/member/id"], ['{"claimId":"LONE-3","\\ud800":1}', "/\ud800"]] as const) {
      const r = await call(url, `${V}/evaluate`, { body });
      expect(r.status, body).toBe(400);
      expect(r.body.error.code).toBe("forbidden-character");
      expect(r.body.error.details.path).toBe(path);
    }
    const batch = await call(url, `${V}/evaluate-batch`, { body: '{"claimId":"LONE-B1"}\n{"claimId":"LONE-\\ud800"}\n', headers: { "content-type": "application/x-ndjson" } });
    const items = ndjson(batch.text);
    expect(items[0].outcome).toBeDefined();
    expect(items[1].error).toMatchObject({ code: "forbidden-character", details: { index: 1, path: "/claimId" } });
    expect(await logged("LONE-B1")).toHaveLength(1);
    expect(existsSync(join(srv.dataDir, "journal", "rejected.ndjson"))).toBe(false);
  });

  it("when a NUL is in a body, then 400 with its path", async () => {
    const r = await call(url, `${V}/evaluate`, { body: '{"claimId":"N","member":{"id":"a\\u0000"}}' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "forbidden-character", details: { path: "/member/id" } });
  });

  it("when a number is too large for a double (1e309), then 400 with its path, not a decision logged as null", async () => {
    const r = await call(url, `${V}/evaluate`, { body: '{"claimId":"INF-1","amount":1e309}' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: "non-finite-number", details: { path: "/amount" } });
    const neg = await call(url, `${V}/evaluate`, { body: `{"claimId":"INF-2","amount":-${"9".repeat(400)}}` });
    expect(neg.status).toBe(400);
    expect(await logged("INF-1")).toEqual([]);
  });

  it("when JSON is nested 10,000 deep with a \\u escape or `constructor`, then 400 on every body-taking route", async () => {
    const bodies = [nested(10_000, '"\\u0041"'), nested(10_000, '{"constructor":1}'), `{"claimId":"D","member":${nested(10_000, "1")}}`];
    const routes: [string, string, string?][] = [
      ["POST", `${V}/evaluate`],
      ["POST", "/v1/programs/demo-claim/evaluate"],
      ["POST", `${V}/evaluate-batch`],
      ["POST", `${V}/evaluate-batch`, "application/x-ndjson"],
      ["POST", "/v1/programs/demo-claim/versions"],
      ["POST", "/v1/compile"],
      ["PUT", `${V}/tests`],
      ["PUT", "/v1/drafts/demo-claim/d1"],
    ];
    for (const body of bodies) {
      for (const [method, path, type] of routes) {
        const r = await call(url, path, { method, body, headers: { "content-type": type ?? "application/json" } });
        const status = type ? ndjson(r.text)[0]?.error?.code : r.body?.error?.code;
        expect(r.status === 400 || (type !== undefined && r.status === 200), `${method} ${path} → ${r.status}`).toBe(true);
        expect(["too-deep", "forbidden-key"], `${method} ${path}: ${r.text.slice(0, 200)}`).toContain(status);
      }
    }
  });

  it("when ids or filters hold NUL, or ids are over-long, then 400 naming the parameter", async () => {
    const cases: [string, string][] = [
      ["/v1/decisions/%00", "id"],
      ["/v1/decisions?program=%00", "program"],
      ["/v1/decisions?outcome=a%00b", "outcome"],
      ["/v1/programs/demo-claim%00/versions/2020.1", "program"],
      ["/v1/programs/demo-claim/versions/2020.1%00", "version"],
      [`/v1/programs/demo-claim/versions/${"9".repeat(5000)}`, "version"],
      [`/v1/decisions/${"x".repeat(5000)}`, "id"],
    ];
    for (const [path, parameter] of cases) {
      const r = await call(url, path);
      expect(r.status, path.slice(0, 80)).toBe(400);
      expect(r.body.error.details.parameter, path.slice(0, 80)).toBe(parameter);
    }
    const ev = await call(url, "/v1/programs/demo-claim%00/versions/2020.1/evaluate", { body: claim("NUL-PATH") });
    expect(ev.status).toBe(400);
    const byDate = await call(url, "/v1/programs/demo-claim%00/evaluate", { body: claim("NUL-PATH") });
    expect(byDate.status).toBe(400);
  });

  it("when a version id of 20,000 characters is published, then 422 and nothing is stored", async () => {
    const long = "9".repeat(20_000);
    const r = await call(url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion(long, "2030-01-01") } });
    expect(r.status).toBe(422);
    expect(r.body.error.details.diagnostics[0].code).toBe("server/invalid-version-id");
    const list = await call(url, "/v1/programs");
    expect(list.body.programs[0].versions.map((v: any) => v.version)).not.toContain(long);
  });

  it("when a cursor decodes past bigint or dates are out of range, then 400 naming the parameter", async () => {
    const past = Buffer.from("s:9999999999999999999").toString("base64url");
    const zero = Buffer.from("s:0").toString("base64url");
    const cases: [string, string][] = [[`cursor=${past}`, "cursor"], [`cursor=${zero}`, "cursor"], ["from=0000-01-01", "from"], ["to=0000-12-31", "to"], ["from=0000-01-01T00:00:00Z", "from"], ["decisionDate=0000-01-01", "decisionDate"]];
    for (const [q, parameter] of cases) {
      const path = q.startsWith("decisionDate") ? `${V}/evaluate?${q}` : `/v1/decisions?${q}`;
      const r = path.includes("evaluate") ? await call(url, path, { body: claim("DATE") }) : await call(url, path);
      expect(r.status, q).toBe(400);
      expect(r.body.error.details.parameter, q).toBe(parameter);
    }
    // The last representable day is a fine upper bound: everything was decided before it.
    const all = await call(url, "/v1/decisions?to=9999-12-31&from=0001-01-01&limit=1");
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(1);
  });

  it("when a query parameter is repeated, bracketed or unknown, then 400, not the unfiltered log", async () => {
    for (const q of ["program[]=x", "program=a&program=b", "program[a]=x", "programme=x", "limit=1&limit=2"]) {
      const r = await call(url, `/v1/decisions?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code).toBe("invalid-query");
      expect(r.body.error.details.parameter, q).toBeDefined();
    }
    const ev = await call(url, `${V}/evaluate?explain=true&explain=false`, { body: claim("Q") });
    expect(ev.status).toBe(400);
    expect((await call(url, "/v1/programs/demo-claim/versions/2020.1?include[]=compiled")).status).toBe(400);
  });

  it("when an NDJSON batch passes the limit, then what fits is answered and logged, and a last line says where it stopped", async () => {
    const line = (i: number): string => JSON.stringify(claim(`OVER-${i}`, { member: { id: `OVER-${i}` }, category: "x".repeat(400) }));
    const lines = Array.from({ length: 6000 }, (_, i) => line(i)); // ~3 MB against a 2 MB limit
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < lines.length; i += 100) c.enqueue(enc.encode(lines.slice(i, i + 100).join("\n") + "\n"));
        c.close();
      },
    });
    const res = await fetch(url + `${V}/evaluate-batch`, {
      method: "POST", body: stream, headers: { "content-type": "application/x-ndjson" }, duplex: "half",
    } as RequestInit);
    expect(res.status).toBe(200);
    const items = ndjson(await res.text());
    const last = items.at(-1);
    expect(last.error.code).toBe("payload-too-large");
    const answered = items.slice(0, -1);
    expect(answered.length).toBeGreaterThan(3000);
    expect(last.error.details.index).toBe(answered.length);
    expect(last.error.details.line).toBe(answered.length + 1);
    expect(answered.every((d) => typeof d.id === "string")).toBe(true);
    // Every answered decision is in the log; the first unanswered one is not.
    const lastId = answered.at(-1).id;
    expect((await call(url, `/v1/decisions/${lastId}`)).body.request.claimId).toBe(`OVER-${answered.length - 1}`);
    expect(await logged(`OVER-${answered.length}`)).toEqual([]);
  });

  it("when a plain fetch sends a 20 MB JSON body, then it reads its 413", async () => {
    const big = JSON.stringify(claim("HUGE", { category: "x".repeat(20 * 1024 * 1024) }));
    for (let i = 0; i < 3; i++) {
      const res = await fetch(url + `${V}/evaluate`, { method: "POST", body: big, headers: { "content-type": "application/json" } });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe("payload-too-large");
    }
    // A chunked upload (no Content-Length) past the limit: before the fix, about one in twenty ended in EPIPE.
    const chunk = new TextEncoder().encode(" ".repeat(1024 * 1024));
    for (let i = 0; i < 15; i++) {
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let j = 0; j < 20; j++) c.enqueue(chunk);
          c.close();
        },
      });
      const res = await fetch(url + `${V}/evaluate`, { method: "POST", body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
      expect(res.status).toBe(413);
      await res.text();
    }
  });

  it("after all of it, the server still answers and the journal parked nothing", async () => {
    expect((await call(url, "/ready")).status).toBe(200);
    const rejected = join(srv.dataDir, "journal", "rejected.ndjson");
    expect(existsSync(rejected) ? readFileSync(rejected, "utf8") : "").toBe("");
  });
});
