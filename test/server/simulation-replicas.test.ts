/**
 * Simulation jobs over several replicas: two server processes (server/main.ts, real HTTP) on one PostgreSQL
 * database, each with one worker thread, run one job whose slices both take; either answers its status, report and
 * changed pages; the report equals a one-process run of the same requests; SIGKILL of the replica that started a
 * job mid-way still ends in that report; a cancel sent to one replica stops the job on both. On the embedded store,
 * a job outlives the process that started it (killed, started again on the same data dir).
 */
import { readFileSync, rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSimulation } from "../../engine/simulate/index.js";
import { catalog, manifests, policy } from "../simulation/helpers.js";
import { call, createPgDatabase, eventually, freshDataDir, spawnServer, tempDir, removeTempDirs, type Spawned, type TestDatabase } from "./helpers.js";

const JOB = { program: "ihs-chs", baseline: "2008.1", candidate: { version: "2008.1" }, params: { fundedLevel: 4 }, fundControl: false, pageSize: 20 };
/** Small slices (13 for the 12,480 referrals) so that both replicas get some; a lost slice moves on after 10 s. */
const ENV = { PRECEPT_SIM_THREADS: "1", PRECEPT_SIM_LINES_PER_SLICE: "1000", PRECEPT_SIM_SLICE_EXPIRE_S: "10" };

let db: TestDatabase;
let ndjson: string;
let expected: any;
const procs: Spawned[] = [];

async function replica(name: string, dataDir = tempDir()): Promise<Spawned> {
  const p = await spawnServer({ ...ENV, DATABASE_URL: db.url, PRECEPT_DATA_DIR: dataDir, PRECEPT_REPLICA_ID: name }, 120_000);
  procs.push(p);
  return p;
}

const ended = (status: string): boolean => ["done", "failed", "cancelled"].includes(status);

async function finished(url: string, id: string, ms = 150_000): Promise<any> {
  return eventually(async () => {
    const r = await call(url, `/v1/simulations/${id}`);
    expect(r.status).toBe(200);
    return ended(r.body.status) ? r.body : undefined;
  }, ms, 200);
}

/** What must not depend on who ran the job: everything but the timing and the set's own id and name. */
function comparable(report: any): unknown {
  const { timing: _t, requestSet, ...rest } = report;
  return { ...rest, requestSet: { count: requestSet.count, from: requestSet.from, to: requestSet.to } };
}

async function importSet(url: string): Promise<string> {
  const r = await call(url, "/v1/request-sets?program=ihs-chs&name=replicas", { body: ndjson, headers: { "content-type": "application/x-ndjson" } });
  expect(r.status).toBe(201);
  return r.body.requestSet.id as string;
}

beforeAll(async () => {
  db = await createPgDatabase();
  const set = (await catalog().open("ihs-chs-history"))!;
  ndjson = readFileSync(set.file, "utf8");
  const one = await runSimulation({
    manifest: manifests.of(policy("ihs-chs", "2008.1")),
    baseline: { policy: policy("ihs-chs", "2008.1") },
    candidate: { policy: policy("ihs-chs", "2008.1"), params: { fundedLevel: 4 } },
    set,
    pageSize: 20,
    threads: 0,
  });
  expected = comparable(one.report);
}, 180_000);

afterAll(async () => {
  for (const p of procs) await p.stop("SIGKILL");
  await db?.drop();
  removeTempDirs();
});

describe("two replicas on one PostgreSQL database", () => {
  let a: Spawned;
  let b: Spawned;
  let setId: string;

  beforeAll(async () => {
    [a, b] = await Promise.all([replica("a"), replica("b")]);
    setId = await importSet(a.url);
  }, 240_000);

  it("when a job is started on one replica, then both take its slices, either answers, and the report is the one-process report", async () => {
    const start = await call(a.url, "/v1/simulations", { body: { ...JOB, requestSet: setId } });
    expect(start.status).toBe(202);
    const job = await finished(b.url, start.body.id);
    expect(job.status).toBe("done");
    expect(job.startedBy).toBe("a");
    expect(job.slices).toEqual({ total: 13, done: 13 });
    // Each replica's share is in the job's record; together they are the whole set, each slice counted once.
    expect(Object.keys(job.replicas).sort()).toEqual(["a", "b"]);
    expect(job.replicas.a.slices).toBeGreaterThan(0);
    expect(job.replicas.b.slices).toBeGreaterThan(0);
    // The killed replica may have finished no slice before it died (then it has no share).
    expect((job.replicas.a?.slices ?? 0) + (job.replicas.b?.slices ?? 0)).toBe(13);
    expect(job.replicas.a.requests + job.replicas.b.requests).toBe(12_480);
    expect(comparable(job.report)).toEqual(expected);
    // The other replica answers the same record, and pages the changed requests in set order.
    const fromA = await call(a.url, `/v1/simulations/${start.body.id}`);
    expect(comparable(fromA.body.report)).toEqual(expected);
    const indexes: number[] = [];
    for (let offset = 0, k = 0; ; k++) {
      const p = await call((k % 2 ? a : b).url, `/v1/simulations/${start.body.id}/changed?offset=${offset}&limit=500`);
      expect(p.status).toBe(200);
      indexes.push(...p.body.items.map((c: any) => c.index));
      if (p.body.nextOffset === undefined) break;
      offset = p.body.nextOffset;
    }
    expect(indexes).toHaveLength(job.report.changed.total);
    expect([...indexes].sort((x, y) => x - y)).toEqual(indexes);
  }, 200_000);

  it("when a cancel is sent to the other replica, then the job stops on both and no slice is counted after it", async () => {
    const start = await call(a.url, "/v1/simulations", { body: { ...JOB, requestSet: setId } });
    await eventually(async () => {
      const r = await call(a.url, `/v1/simulations/${start.body.id}`);
      return r.body.status === "running" && r.body.slices?.done >= 1 ? true : undefined;
    }, 120_000, 50);
    const del = await call(b.url, `/v1/simulations/${start.body.id}`, { method: "DELETE" });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe("cancelled");
    const doneAtCancel = del.body.slices.done;
    expect(doneAtCancel).toBeLessThan(13);
    await new Promise((r) => setTimeout(r, 3000));
    for (const p of [a, b]) {
      const r = await call(p.url, `/v1/simulations/${start.body.id}`);
      expect(r.body.status).toBe("cancelled");
      expect(r.body.slices.done).toBe(doneAtCancel);
      expect(r.body.report).toBeUndefined();
    }
    expect((await call(a.url, `/v1/simulations/${start.body.id}/changed`)).status).toBe(409);
  }, 200_000);

  it("when the replica that started a job is killed mid-way, then the other finishes it with the same report", async () => {
    const start = await call(a.url, "/v1/simulations", { body: { ...JOB, requestSet: setId } });
    await eventually(async () => {
      const r = await call(b.url, `/v1/simulations/${start.body.id}`);
      return r.body.slices?.done >= 2 && r.body.slices.done < 13 ? true : undefined;
    }, 120_000, 20);
    await a.stop("SIGKILL");
    const job = await finished(b.url, start.body.id);
    expect(job.status).toBe("done");
    expect(job.slices.done).toBe(13);
    // The killed replica may have finished no slice before it died (then it has no share).
    expect((job.replicas.a?.slices ?? 0) + (job.replicas.b?.slices ?? 0)).toBe(13);
    expect(comparable(job.report)).toEqual(expected);
  }, 200_000);
});

describe("the embedded store", () => {
  it("when the only process is killed mid-job and started again on its data dir, then the job finishes with the same report", async () => {
    const dataDir = await freshDataDir();
    const env = { ...ENV, PRECEPT_DATA_DIR: dataDir, PRECEPT_REPLICA_ID: "solo" };
    let p = await spawnServer(env, 120_000);
    try {
      const setId = await importSet(p.url);
      const start = await call(p.url, "/v1/simulations", { body: { ...JOB, requestSet: setId } });
      await eventually(async () => {
        const r = await call(p.url, `/v1/simulations/${start.body.id}`);
        return r.body.slices?.done >= 1 && r.body.slices.done < 13 ? true : undefined;
      }, 120_000, 20);
      await p.stop("SIGKILL");
      p = await spawnServer(env, 120_000);
      const job = await finished(p.url, start.body.id);
      expect(job.status).toBe("done");
      expect(job.replicas.solo.slices).toBe(13);
      expect(comparable(job.report)).toEqual(expected);
    } finally {
      await p.stop("SIGKILL");
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 300_000);
});
