/** Roles by API key, over real HTTP: 401 without or with a wrong key, 403 for the wrong role, loopback-only when open. */
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadAuth, parseKeySpec } from "../../server/auth.js";
import { demoVersion } from "./fixtures/sources.js";
import { call, claim, removeTempDirs, startTestServer, tempDir, type TestServer } from "./helpers.js";

const KEYS = { author: "author-key-0001", analyst: "analyst-key-0001", service: "service-key-0001" };
const V = "/v1/programs/demo-claim/versions/2020.1";

describe("with keys configured", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ keys: `author:${KEYS.author},analyst:${KEYS.analyst},service:${KEYS.service}` });
  });
  afterAll(() => srv?.stop());

  it("when no key is sent, then 401 (health, readiness and the API description stay open)", async () => {
    expect((await call(srv.url, `${V}/evaluate`, { body: claim("A1") })).status).toBe(401);
    expect((await call(srv.url, "/v1/programs")).body.error.code).toBe("unauthorized");
    expect((await call(srv.url, "/health")).status).toBe(200);
    expect((await call(srv.url, "/ready")).status).toBe(200);
    expect((await call(srv.url, "/openapi.json")).status).toBe(200);
  });

  it("when a wrong key is sent, then 401", async () => {
    const r = await call(srv.url, `${V}/evaluate`, { body: claim("A2"), key: "service-key-0002" });
    expect(r.status).toBe(401);
  });

  it("when the service key evaluates, by bearer or x-api-key, then 200", async () => {
    expect((await call(srv.url, `${V}/evaluate`, { body: claim("A3"), key: KEYS.service })).status).toBe(200);
    const r = await call(srv.url, `${V}/evaluate`, { body: claim("A4"), headers: { "x-api-key": KEYS.service } });
    expect(r.status).toBe(200);
  });

  it("when a role does what it may not, then 403", async () => {
    const asAnalyst = await call(srv.url, `${V}/evaluate`, { body: claim("A5"), key: KEYS.analyst });
    expect(asAnalyst.status).toBe(403);
    expect(asAnalyst.body.error.code).toBe("forbidden");
    expect((await call(srv.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion() }, key: KEYS.service })).status).toBe(403);
    expect((await call(srv.url, "/v1/compile", { body: { source: demoVersion() }, key: KEYS.analyst })).status).toBe(403);
    expect((await call(srv.url, "/v1/decisions", { key: KEYS.service })).status).toBe(403);
    expect((await call(srv.url, "/v1/decisions", { key: KEYS.author })).status).toBe(403);
    expect((await call(srv.url, `${V}/tests`, { method: "PUT", body: { cases: [] }, key: KEYS.service })).status).toBe(403);
  });

  it("when each role does its own job, then it is allowed", async () => {
    expect((await call(srv.url, "/v1/compile", { body: { source: demoVersion() }, key: KEYS.author })).status).toBe(200);
    // With keys, publishing goes through a review (a second author approves: test/server/review.test.ts).
    expect((await call(srv.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion() }, key: KEYS.author })).body.error.code).toBe("review-required");
    expect((await call(srv.url, "/v1/programs/demo-claim/reviews", { body: { source: demoVersion(), note: "n" }, key: KEYS.author })).status).toBe(201);
    expect((await call(srv.url, "/v1/decisions", { key: KEYS.analyst })).status).toBe(200);
    expect((await call(srv.url, `${V}/tests`, { method: "PUT", body: { cases: [] }, key: KEYS.author })).status).toBe(200);
    for (const key of Object.values(KEYS)) expect((await call(srv.url, "/v1/programs", { key })).status).toBe(200);
    for (const key of Object.values(KEYS)) expect((await call(srv.url, `${V}/tests`, { key })).status).toBe(200);
  });

  it("when authentication fails, then it fails before the body is judged", async () => {
    const r = await call(srv.url, `${V}/evaluate`, { body: "{broken", key: "nope-nope-nope" });
    expect(r.status).toBe(401);
  });
});

describe("key configuration", () => {
  it("when keys.json holds digests, then those keys work and the plain keys are not kept", async () => {
    const dataDir = tempDir();
    const digest = createHash("sha256").update("file-author-key-1").digest("hex");
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, "keys.json"), JSON.stringify({ keys: [{ role: "author", sha256: digest }] }));
    const auth = loadAuth({ dataDir });
    expect(auth.open).toBe(false);
    expect(auth.roleOf("file-author-key-1")).toBe("author");
    expect(auth.roleOf("file-author-key-2")).toBeUndefined();
    expect(JSON.stringify(auth)).not.toContain("file-author-key-1");
    removeTempDirs();
  });

  it("when PRECEPT_KEYS is malformed, then starting fails instead of opening the server", () => {
    expect(() => parseKeySpec("admin:abcdefgh")).toThrow(/role/);
    expect(() => parseKeySpec("author:short")).toThrow();
    expect(parseKeySpec("author:abcdefgh, service:ijklmnop,")).toHaveLength(2);
  });
});

describe("with no keys configured", () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer({ env: { HOST: "0.0.0.0" } });
  });
  afterAll(() => srv?.stop());

  it("when a loopback client calls, then every role is allowed", async () => {
    expect((await call(srv.url.replace("0.0.0.0", "127.0.0.1"), `${V}/evaluate`, { body: claim("O1") })).status).toBe(200);
    expect((await call(srv.url.replace("0.0.0.0", "127.0.0.1"), "/v1/decisions")).status).toBe(200);
  });

  const external = Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal);
  it.skipIf(!external)("when a client calls from another address, then 403 loopback-only", async () => {
    const port = new URL(srv.url).port;
    const r = await call(`http://${external!.address}:${port}`, `${V}/evaluate`, { body: claim("O2") });
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe("loopback-only");
  });
});
