/**
 * Two server processes on one real PostgreSQL database (a fresh one, dropped after): a version published through
 * one is served by the other at once, a concurrent publish across both yields one 201, a claim accepted on one
 * makes the same claim on the other a duplicate, even when both arrive at the same instant.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoVersion } from "./fixtures/sources.js";
import { call, publish, claim, createPgDatabase, eventually, FIXTURES, ndjson, removeTempDirs, spawnServer, tempDir, type Spawned, type TestDatabase } from "./helpers.js";

let db: TestDatabase;
let a: Spawned;
let b: Spawned;

beforeAll(async () => {
  db = await createPgDatabase();
  const env = (n: string) => ({ DATABASE_URL: db.url, PRECEPT_POLICIES_DIR: FIXTURES, PRECEPT_DATA_DIR: tempDir(`precept-replica-${n}-`) });
  // Started together: schema creation must be safe when replicas race.
  [a, b] = await Promise.all([spawnServer(env("a")), spawnServer(env("b"))]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await db?.drop();
  removeTempDirs();
});

describe("two replicas on PostgreSQL", () => {
  it("when both start on an empty database, then both serve the shipped version once", async () => {
    for (const s of [a, b]) {
      const r = await call(s.url, "/ready");
      expect(r.body).toMatchObject({ status: "ready", store: "postgres" });
      const programs = (await call(s.url, "/v1/programs")).body.programs;
      expect(programs.find((p: any) => p.program === "demo-claim").versions.map((v: any) => v.version)).toEqual(["2020.1"]);
    }
  });

  it("when a version is published on one, then the other evaluates it at once and lists it within a second or two", async () => {
    const pub = await publish(a.url, { source: demoVersion("2021.1") });
    expect(pub.status).toBe(201);
    const d = await call(b.url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("REP-1", { category: "dental" }) });
    expect(d.status).toBe(200);
    expect(d.body).toMatchObject({ version: "2021.1", outcome: "valid", hash: pub.body.hash });

    const pub2 = await publish(a.url, { source: demoVersion("2022.1", "2022-01-01") });
    expect(pub2.status).toBe(201);
    const t0 = Date.now();
    await eventually(async () => {
      const list = (await call(b.url, "/v1/programs")).body.programs.find((p: any) => p.program === "demo-claim");
      return list.versions.some((v: any) => v.version === "2022.1");
    }, 2_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const byDate = await call(b.url, "/v1/programs/demo-claim/evaluate", { body: claim("REP-2", { dateOfService: "2022-03-03" }) });
    expect(byDate.body.version).toBe("2022.1");
  });

  it("when the same version is published on both at once, then exactly one 201", async () => {
    for (let round = 0; round < 3; round++) {
      const source = demoVersion(`2030.${round}`, `2030-0${round + 1}-01`);
      const answers = await Promise.all(
        [a, b, a, b, a, b].map((s) => publish(s.url, { source })),
      );
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    }
  });

  it("when a claim is accepted on one, then the same claim on the other is a duplicate", async () => {
    const first = await call(a.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: claim("X-1", { member: { id: "CROSS" } }) });
    expect(first.body.outcome).toBe("valid");
    const second = await call(b.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: claim("X-2", { member: { id: "CROSS" } }) });
    expect(second.body.outcome).toBe("invalid");
    expect(second.body.attributes.duplicateOf).toBe("X-1");
  });

  it("when the same claim reaches both replicas at the same instant, then exactly one accepts it", async () => {
    // Twenty pairs at once, single requests and batches: each replica looks the key up, finds nothing and accepts;
    // the database refuses the second acceptance and that replica decides again.
    const singles = await Promise.all(
      Array.from({ length: 10 }, (_, i) => [a, b].map((s, j) =>
        call(s.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: claim(`RACE-${i}-${j}`, { member: { id: `RACE-${i}` } }) }))).flat(),
    );
    const batchBody = (j: number) => Array.from({ length: 10 }, (_, i) => JSON.stringify(claim(`BRACE-${i}-${j}`, { member: { id: `BRACE-${i}` } }))).join("\n");
    const batches = await Promise.all([a, b].map((s, j) =>
      call(s.url, "/v1/programs/demo-claim/versions/2020.1/evaluate-batch", { body: batchBody(j), headers: { "content-type": "application/x-ndjson" } })));
    expect([...singles, ...batches].map((r) => r.status)).toEqual(Array(22).fill(200));
    const [ba, bb] = batches.map((r) => ndjson(r.text));
    const pairs: [any, string, any, string][] = [
      ...Array.from({ length: 10 }, (_, i): [any, string, any, string] => [singles[2 * i]!.body, `RACE-${i}-0`, singles[2 * i + 1]!.body, `RACE-${i}-1`]),
      ...Array.from({ length: 10 }, (_, i): [any, string, any, string] => [ba![i], `BRACE-${i}-0`, bb![i], `BRACE-${i}-1`]),
    ];
    for (const [x, xid, y, yid] of pairs) {
      expect([x.outcome, y.outcome].sort(), `${xid} / ${yid}`).toEqual(["invalid", "valid"]);
      const [winner, loser] = x.outcome === "valid" ? [xid, y] : [yid, x];
      expect(loser.attributes.duplicateOf).toBe(winner);
    }
  });

  it("when decisions are made on both, then either reads the shared log", async () => {
    const made = await call(b.url, "/v1/programs/demo-claim/versions/2020.1/evaluate", { body: claim("LOG-B") });
    const log = await call(a.url, "/v1/decisions?limit=10");
    expect(log.body.items.map((d: any) => d.id)).toContain(made.body.id);
  });
});
