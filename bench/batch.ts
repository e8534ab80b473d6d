/**
 * Batch figures (issue 16, "batches logged at evaluator speed"), one JSON line each
 * (`{ bench: "batch", figure, value, unit, … }`): a batch of BENCH_BATCH (default 10,000) requests in one NDJSON
 * call to evaluate-batch, decided and logged before the answer ends, per program, on the embedded store (PGlite
 * behind the journal) and on PostgreSQL (a database made for the run on 127.0.0.1:5432, dropped after; skipped
 * with BENCH_PG=0). Median of BENCH_ROUNDS (default 3) batches after one warm-up batch. Each server runs in its
 * own process, as in production. Goal: 30,000 decisions/s on both stores. Beside the wall-time rate, the server
 * process's own CPU per batch (every thread; not PostgreSQL's), which the machine's other load barely moves; the
 * ingest into PGlite that follows a batch's answer is not in either figure (it runs behind the answers).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { batchBody, cpuMs, createBenchDatabase, PG_ADMIN, postBatch, sampleRequests, startProcess, stopProcess, type Proc } from "./procs.js";

const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PG = process.env.BENCH_PG !== "0";
const PROGRAMS = process.env.BENCH_PROGRAMS?.split(",");

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "batch", figure, value: Math.round(value), unit, ...extra }));
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const samples = sampleRequests().filter((s) => !PROGRAMS || PROGRAMS.includes(s.program));
const dataDir = mkdtempSync(join(tmpdir(), "precept-bench-batch-"));
const pgDb = PG ? await createBenchDatabase(PG_ADMIN, "batch") : undefined;
const servers: { store: string; p: Proc }[] = [];
try {
  servers.push({ store: "pglite", p: await startProcess("server/main.ts", { PRECEPT_DATA_DIR: join(dataDir, "pglite"), LOG_LEVEL: "info" }, "/ready") });
  if (pgDb) servers.push({ store: "postgres", p: await startProcess("server/main.ts", { PRECEPT_DATA_DIR: join(dataDir, "pg"), DATABASE_URL: pgDb.url, LOG_LEVEL: "info" }, "/ready") });
  for (const { store, p } of servers) {
    for (const s of samples) {
      const body = batchBody(s, BATCH);
      await postBatch(p.url, s, body, BATCH); // warm-up: JIT, the first inserts
      const ms: number[] = [];
      const cpu: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const c0 = cpuMs(p.proc.pid);
        ms.push(await postBatch(p.url, s, body, BATCH));
        const c1 = cpuMs(p.proc.pid);
        if (c0 !== undefined && c1 !== undefined) cpu.push(c1 - c0);
      }
      const m = median(ms);
      const serverCpu = cpu.length ? { serverCpuMs: median(cpu), decisionsPerServerCpuSecond: Math.round((BATCH / median(cpu)) * 1000) } : {};
      emit("batch-decisions-per-second", (BATCH / m) * 1000, "decisions/s", {
        store, program: s.program, version: s.version, requests: BATCH, ms: Math.round(m), each: ms.map(Math.round), bodyBytes: body.length, ...serverCpu, goal: ">= 30000",
      });
    }
  }
} finally {
  for (const { p } of servers) await stopProcess(p);
  rmSync(dataDir, { recursive: true, force: true, maxRetries: 5 });
  await pgDb?.drop();
}
