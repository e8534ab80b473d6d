/**
 * Batches and the decision log, on both stores (the embedded PGlite behind its journal, and PostgreSQL on
 * 127.0.0.1:5432 in a fresh database): a batch is logged chunk after chunk while the next chunk is decided
 * (routes/evaluate.ts BatchPipeline) and written with COPY (store/copy-text.mjs). What must hold whatever the
 * speed: every decision answered is in the log once, in the order of the batch, duplicates within a batch are
 * still found (also against a chunk still being written), and two replicas racing on the same claims in long
 * batches still accept each claim once.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, claim, createPgDatabase, FIXTURES, ndjson, removeTempDirs, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const V = "/v1/programs/demo-claim/versions/2020.1";
const NDJSON = { "content-type": "application/x-ndjson" };

/** The log's decisions of `program` with these ids, oldest first (the log pages newest first). */
async function logged(url: string, ids: Set<string>): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(url, `/v1/decisions?program=demo-claim&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    expect(page.status).toBe(200);
    for (const d of page.body.items) if (ids.has(d.id)) out.push(d);
    cursor = page.body.nextCursor;
  } while (cursor);
  return out.reverse();
}

/**
 * `n` claims where claim i shares its member (and so its duplicate key) with claim i mod `distinct`: from
 * `distinct` on, each is a duplicate of an earlier one, the first of them in the chunk decided just before.
 */
const claims = (tag: string, n: number, distinct: number) =>
  Array.from({ length: n }, (_, i) => claim(`${tag}-${i}`, { member: { id: `${tag}-M-${i % distinct}` } }));

function expectDuplicatesFound(tag: string, out: any[], distinct: number): void {
  out.forEach((d, i) => {
    if (i < distinct) {
      expect(d.outcome, `${tag}-${i}`).toBe("valid");
    } else {
      expect(d.outcome, `${tag}-${i}`).toBe("invalid");
      expect(d.attributes.duplicateOf, `${tag}-${i}`).toBe(`${tag}-${i % distinct}`);
    }
  });
}

const stores: [string, () => Promise<{ url: string; done: () => Promise<void> }>][] = [
  ["pglite", async () => {
    const srv = await startTestServer({ policiesDir: FIXTURES });
    return { url: srv.url, done: () => srv.stop() };
  }],
  ["postgres", async () => {
    const db = await createPgDatabase();
    const srv = await startTestServer({ policiesDir: FIXTURES, databaseUrl: db.url });
    return { url: srv.url, done: async () => { await srv.stop(); await db.drop(); } };
  }],
];

describe.each(stores)("batch decisions in the log on %s", (_name, open) => {
  let url: string;
  let done: () => Promise<void>;
  beforeAll(async () => {
    ({ url, done } = await open());
  }, 300_000);
  afterAll(async () => {
    await done?.();
    removeTempDirs();
  });

  it("when an NDJSON batch of 2,300 spans five chunks with duplicates of the chunk before, then each is logged once, in order, and duplicates are found", async () => {
    const items = claims("ND", 2300, 700);
    const r = await call(url, `${V}/evaluate-batch`, { body: items.map((x) => JSON.stringify(x)).join("\n"), headers: NDJSON });
    expect(r.status).toBe(200);
    const out = ndjson(r.text);
    expect(out).toHaveLength(2300);
    expectDuplicatesFound("ND", out, 700);
    const log = await logged(url, new Set(out.map((d) => d.id)));
    expect(log.map((d) => d.id)).toEqual(out.map((d) => d.id));
    expect(log.map((d) => d.outcome)).toEqual(out.map((d) => d.outcome));
    expect(log.map((d) => d.request.claimId)).toEqual(items.map((x) => x.claimId));
  }, 120_000);

  it("when a JSON batch repeats claims of an earlier batch and has bad items, then the repeats are duplicates of the earlier batch and only decisions are logged", async () => {
    const first = claims("JS", 600, 600);
    await call(url, `${V}/evaluate-batch`, { body: first });
    const items: unknown[] = claims("JS2", 1100, 1100).map((x, i) => (i % 2 ? { ...x, member: { id: `JS-M-${i % 600}` } } : x));
    items.splice(550, 0, { claimId: 7 });
    const r = await call(url, `${V}/evaluate-batch`, { body: items });
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1101);
    expect(r.body[550].error.code).toBe("invalid-request");
    const decided = r.body.filter((d: any) => !d.error);
    for (const [i, d] of decided.entries()) {
      if (i % 2) expect(d.attributes.duplicateOf, `JS2-${i}`).toBe(`JS-${i % 600}`);
      else expect(d.outcome, `JS2-${i}`).toBe("valid");
    }
    const log = await logged(url, new Set(decided.map((d: any) => d.id)));
    expect(log.map((d) => d.id)).toEqual(decided.map((d: any) => d.id));
  }, 120_000);
});

describe("two replicas on PostgreSQL racing in long batches", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    [a, b] = await Promise.all([startTestServer({ policiesDir: FIXTURES, databaseUrl: db.url }), startTestServer({ policiesDir: FIXTURES, databaseUrl: db.url })]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    removeTempDirs();
  });

  it("when both decide 1,500 claims of the same members at once, then each member's claim is accepted once and the other is its duplicate", async () => {
    // Claim i on replica j is R-i-j, of member R-M-i: the pair's first acceptance wins and the other replica's
    // write of that chunk is refused, so it decides that chunk (and the one behind it) again.
    const body = (j: number) => Array.from({ length: 1500 }, (_, i) => JSON.stringify(claim(`R-${i}-${j}`, { member: { id: `R-M-${i}` } }))).join("\n");
    const answers = await Promise.all([a, b].map((s, j) => call(s.url, `${V}/evaluate-batch`, { body: body(j), headers: NDJSON })));
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    const [x, y] = answers.map((r) => ndjson(r.text));
    expect(x).toHaveLength(1500);
    expect(y).toHaveLength(1500);
    for (let i = 0; i < 1500; i++) {
      expect([x![i].outcome, y![i].outcome].sort(), `R-${i}`).toEqual(["invalid", "valid"]);
      const [winner, loser] = x![i].outcome === "valid" ? [`R-${i}-0`, y![i]] : [`R-${i}-1`, x![i]];
      expect(loser.attributes.duplicateOf, `R-${i}`).toBe(winner);
    }
    // Both logs are one log: every answer in it once, each replica's in its batch order.
    for (const out of [x!, y!]) {
      const log = await logged(a.url, new Set(out.map((d) => d.id)));
      expect(log.map((d) => d.id)).toEqual(out.map((d) => d.id));
    }
  }, 180_000);
});
