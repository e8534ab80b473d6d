/**
 * The in-memory accepted claims (test cases, simulation) and the store-backed ones (the server's, over the decision
 * log) agree on the same sequence of claims: the first 1,500 claims of the shipped usms-claim history, decided once
 * in memory and once over HTTP — on the embedded store by one server, and on PostgreSQL by two replicas taking
 * alternate batches, so that each must learn the other's acceptances from the log — give the same outcome and the
 * same original claim for every claim.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { duplicatesOf } from "../../engine/duplicates.js";
import { createEvaluator } from "../../engine/index.js";
import { loadPolicyDir } from "../../engine/policy-files.js";
import { requestIdOf } from "../../engine/program-manifest.js";
import { generateRequests, readDescriptors } from "../../engine/simulate/history/index.js";
import { call, createPgDatabase, ndjson, SHIPPED, startTestServer, type TestDatabase, type TestServer } from "./helpers.js";

const N = 1500;
const BATCH = 100;
const DATE = "2003-09-30";
const V = "/v1/programs/usms-claim/versions/2000.1/evaluate-batch";
type Seen = { outcome: string; original: string | null };

let claims: Record<string, unknown>[];
let inMemory: Seen[];

beforeAll(async () => {
  const d = readDescriptors(SHIPPED).find((x) => x.program === "usms-claim")!;
  claims = [];
  for (const r of await generateRequests(d)) {
    claims.push(r);
    if (claims.length === N) break;
  }
  const file = loadPolicyDir(SHIPPED).find((p) => p.program === "usms-claim" && p.version === "2000.1")!;
  const evaluator = createEvaluator(file.compiled!);
  const duplicates = duplicatesOf(file.compiled!, file.manifest!.outcomes.accept)!;
  inMemory = claims.map((c) => {
    const d = evaluator.evaluate(c, { decisionDate: DATE, findAccepted: duplicates.findAccepted });
    duplicates.record(c, d, requestIdOf(file.manifest!, c)!);
    return { outcome: d.outcome, original: (d.attributes.originalClaim as string | undefined) ?? null };
  });
});

/** The claims in batches of BATCH, batch i sent to servers[i % servers.length]. */
async function overHttp(servers: readonly TestServer[]): Promise<Seen[]> {
  const out: Seen[] = [];
  for (let i = 0; i * BATCH < claims.length; i++) {
    const body = claims.slice(i * BATCH, (i + 1) * BATCH).map((c) => JSON.stringify(c)).join("\n");
    const r = await call(servers[i % servers.length]!.url, `${V}?decisionDate=${DATE}`, { body, headers: { "content-type": "application/x-ndjson" } });
    expect(r.status).toBe(200);
    for (const d of ndjson(r.text)) out.push({ outcome: d.outcome ?? d.error.code, original: d.attributes?.originalClaim ?? null });
  }
  return out;
}

it("the sequence has duplicates of accepted claims to agree on", () => {
  const dups = inMemory.filter((s) => s.original !== null);
  expect(dups.length).toBeGreaterThan(10);
  expect(new Set(inMemory.map((s) => s.outcome))).toContain("valid");
});

describe("on the embedded store, one server", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ policiesDir: SHIPPED });
  }, 120_000);
  afterAll(async () => server?.stop());

  it("when the claims are decided over HTTP, then every outcome and original is the in-memory one", async () => {
    expect(await overHttp([server])).toEqual(inMemory);
  }, 120_000);
});

describe("on PostgreSQL, two replicas taking alternate batches", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    a = await startTestServer({ policiesDir: SHIPPED, databaseUrl: db.url });
    b = await startTestServer({ policiesDir: SHIPPED, databaseUrl: db.url });
  }, 120_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
  });

  it("when the claims are decided over HTTP, then every outcome and original is the in-memory one", async () => {
    expect(await overHttp([a, b])).toEqual(inMemory);
  }, 120_000);
});
