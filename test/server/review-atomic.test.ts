/**
 * Approving a review and inserting its version are one transaction (routes/reviews.ts, SqlStore.publishReview), on
 * both databases: when the version id is taken at insert time (by a row the server did not know of), the approval
 * answers 409 and the review stays pending, with no version, test cases or review record of its own written.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Queryable } from "../../server/store/db.js";
import { demoVersion } from "./fixtures/sources.js";
import { call, createPgDatabase, removeTempDirs, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const KEYS = { alice: "author-key-alice", bob: "author-key-bob" };
const R = "/v1/programs/demo-claim/reviews";
// A long poll: the replica registry must not learn of the squatting row before the approval tries to insert.
const ENV = { PRECEPT_POLL_MS: "600000" };

type Backend = { srv: TestServer; sql: Queryable; done: () => Promise<void> };

const backends: [string, () => Promise<Backend>][] = [
  ["pglite", async () => {
    const srv = await startTestServer({ keys: `author:${KEYS.alice},author:${KEYS.bob}`, env: ENV });
    const sql = (srv.services.store as unknown as { raw(): Queryable }).raw();
    return { srv, sql, done: async () => { await srv.stop(); removeTempDirs(); } };
  }],
  ["postgres", async () => {
    const db: TestDatabase = await createPgDatabase();
    const srv = await startTestServer({ keys: `author:${KEYS.alice},author:${KEYS.bob}`, databaseUrl: db.url, env: ENV });
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const sql: Queryable = { query: async (text, params) => { const r = await client.query(text, params); return { rows: r.rows, rowCount: r.rowCount ?? 0 }; } };
    return { srv, sql, done: async () => { await client.end(); await srv.stop(); await db.drop(); removeTempDirs(); } };
  }],
];

describe.each(backends)("approval and insert are one transaction on %s", (_name, open) => {
  let b: Backend;
  beforeAll(async () => {
    b = await open();
  });
  afterAll(() => b?.done());

  it("when the version id is taken at insert time, then 409, the review stays pending, and nothing of it is written", async () => {
    const cases = [{ name: "a lab claim", request: { claimId: "AT-1", member: { id: "M-1" }, dateOfService: "2093-02-01", amount: 100, category: "lab" }, want: { outcome: "valid" } }];
    const sub = await call(b.srv.url, R, { body: { source: demoVersion("2093.1", "2093-01-01"), tests: cases, note: "squatted" }, key: KEYS.alice });
    expect(sub.status).toBe(201);
    const id = sub.body.review.id as string;
    // Another writer takes 2093.1 directly in the database, without a notification: the registry does not know.
    await b.sql.query(
      `INSERT INTO versions (program, version, source, compiled, hash, effective, origin)
       SELECT program, '2093.1', source, compiled, 'sha256:squatter', '2093-01-01', 'api' FROM versions WHERE program = 'demo-claim' AND version = '2020.1'`,
    );
    const approved = await call(b.srv.url, `${R}/${id}/approve`, { body: { name: "Bob" }, key: KEYS.bob });
    expect(approved.status).toBe(409);
    expect(approved.body.error.code).toBe("version-exists");
    const review = await call(b.srv.url, `${R}/${id}`, { key: KEYS.bob });
    expect(review.body.review.status).toBe("pending");
    expect(review.body.review.decidedBy).toBeUndefined();
    const stored = await b.sql.query<{ hash: string; review: string | null }>(`SELECT hash, review FROM versions WHERE program = 'demo-claim' AND version = '2093.1'`);
    expect(stored.rows).toEqual([{ hash: "sha256:squatter", review: null }]);
    expect((await b.sql.query(`SELECT 1 FROM version_tests WHERE program = 'demo-claim' AND version = '2093.1'`)).rowCount).toBe(0);
    // Still decidable: it can be sent back.
    const rejected = await call(b.srv.url, `${R}/${id}/reject`, { body: { reason: "2093.1 is taken: resubmit as 2093.2" }, key: KEYS.bob });
    expect(rejected.status).toBe(200);
    expect(rejected.body.review.status).toBe("rejected");
  });

  it("when two approvals of one review race, then one publishes it and the other answers 409 review-decided", async () => {
    const sub = await call(b.srv.url, R, { body: { source: demoVersion("2094.1", "2094-01-01"), note: "raced" }, key: KEYS.alice });
    const id = sub.body.review.id as string;
    const answers = await Promise.all([1, 2].map(() => call(b.srv.url, `${R}/${id}/approve`, { body: {}, key: KEYS.bob })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
    const version = await call(b.srv.url, "/v1/programs/demo-claim/versions/2094.1", { key: KEYS.bob });
    expect(version.body.review.reviewId).toBe(id);
    expect((await call(b.srv.url, `${R}/${id}`, { key: KEYS.bob })).body.review.status).toBe("published");
  });
});
