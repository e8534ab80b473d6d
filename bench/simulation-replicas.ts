/**
 * Simulation jobs over replicas (server processes on one PostgreSQL database, real HTTP), for bench/simulation.ts:
 *  - the 110,538-TAR job (2005.1 vs 2010.1) on one replica with every core's threads, then on two replicas with
 *    one thread each (the same cores and the same number of threads: the figure is that two are not slower), and
 *    each replica's share of the slices;
 *  - after SIGKILL of the replica that started a job: how long until the slices it held are finished by the other
 *    (pg-boss hands a slice on when its lease, PRECEPT_SIM_SLICE_EXPIRE_S, runs out and maintenance notices).
 * The history is generated once and copied into each replica's cache, so the figures are the simulation's.
 * Skipped (one line saying so) when PostgreSQL is not reachable.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { call, createPgDatabase, spawnServer, type Spawned, type TestDatabase } from "../test/server/helpers.js";

type Emit = (figure: string, value: number, unit: string, extra?: Record<string, unknown>) => void;

const BODY = { program: "ice-tar", baseline: "2005.1", candidate: { version: "2010.1" }, requestSet: "ice-tar-history" };
const EXPIRE_S = Number(process.env.BENCH_SLICE_EXPIRE_S ?? 10);

async function untilDone(url: string, id: string): Promise<any> {
  for (;;) {
    const r = await call(url, `/v1/simulations/${id}`);
    if (["done", "failed", "cancelled"].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** `requestSetsDir`: a data dir's `request-sets` folder holding the generated history. */
export async function replicaFigures(emit: Emit, requestSetsDir: string): Promise<void> {
  let db: TestDatabase;
  try {
    db = await createPgDatabase();
  } catch (e) {
    emit("replicas skipped: no PostgreSQL", 0, "", { reason: (e as Error).message });
    return;
  }
  const dirs: string[] = [];
  const procs: Spawned[] = [];
  const replica = async (name: string, threads: number): Promise<Spawned> => {
    const dataDir = mkdtempSync(join(tmpdir(), `precept-bench-replica-${name}-`));
    dirs.push(dataDir);
    cpSync(requestSetsDir, join(dataDir, "request-sets"), { recursive: true });
    const p = await spawnServer({
      DATABASE_URL: db.url, PRECEPT_DATA_DIR: dataDir, PRECEPT_REPLICA_ID: name, PRECEPT_SIM_THREADS: String(threads),
      PRECEPT_SIM_SLICE_EXPIRE_S: String(EXPIRE_S),
    }, 180_000);
    procs.push(p);
    return p;
  };
  const run = async (start: Spawned, poll: Spawned): Promise<{ seconds: number; job: any }> => {
    const t0 = performance.now();
    const r = await call(start.url, "/v1/simulations", { body: BODY });
    const job = await untilDone(poll.url, r.body.id);
    return { seconds: (performance.now() - t0) / 1000, job };
  };
  const cores = availableParallelism();
  try {
    const solo = await replica("solo", cores);
    await run(solo, solo); // the first job also starts the worker threads and bundles their code
    const one = await run(solo, solo);
    emit("ice-tar 110,538 TARs as a job, one replica", one.seconds, "s", { threads: cores, slices: one.job.slices?.total, status: one.job.status, shares: one.job.replicas });
    await solo.stop("SIGTERM");

    const [a, b] = await Promise.all([replica("a", Math.max(1, cores / 2)), replica("b", Math.max(1, cores / 2))]);
    await run(a, b);
    const two = await run(a, b);
    emit("ice-tar 110,538 TARs as a job, two replicas", two.seconds, "s", {
      threadsEach: Math.max(1, cores / 2), slices: two.job.slices?.total, status: two.job.status, shares: two.job.replicas,
      notSlower: two.seconds <= one.seconds * 1.05, ratioToOne: Math.round((two.seconds / one.seconds) * 100) / 100,
      sameReport: JSON.stringify(two.job.report.transitions) === JSON.stringify(one.job.report.transitions),
    });

    // SIGKILL of the replica that started a job, with slices in hand.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const r = await call(a.url, "/v1/simulations", { body: BODY });
      for (;;) {
        const s = await call(b.url, `/v1/simulations/${r.body.id}`);
        if ((s.body.slices?.done ?? 0) >= 10) break;
        await new Promise((res) => setTimeout(res, 20));
      }
      const active = (await client.query<{ id: string }>(`SELECT id FROM pgboss.job WHERE name = 'precept-sim-slice' AND state = 'active'`)).rows.map((x) => x.id);
      const tKill = performance.now();
      await a.stop("SIGKILL");
      for (;;) {
        // Retried jobs keep their id: done when every slice that was in hand at the kill is completed.
        const left = await client.query(`SELECT 1 FROM pgboss.job WHERE id = ANY($1::uuid[]) AND state <> 'completed'`, [active]);
        if (left.rowCount === 0) break;
        await new Promise((res) => setTimeout(res, 50));
      }
      const pickup = (performance.now() - tKill) / 1000;
      const job = await untilDone(b.url, r.body.id);
      emit("slices of a killed replica finished by the other", pickup, "s", {
        sliceExpireSeconds: EXPIRE_S, inHandAtKill: active.length, jobStatus: job.status, jobSeconds: Math.round((performance.now() - tKill) / 100) / 10, shares: job.replicas,
      });
    } finally {
      await client.end();
    }
  } finally {
    for (const p of procs) await p.stop("SIGKILL");
    await db.drop().catch(() => {});
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}
