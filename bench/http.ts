/**
 * HTTP figures, one JSON line each (`{ bench: "http", figure, value, unit, … }`):
 *  - for each shipped program, the evaluate endpoint (explicit version, default explanation, decision logging
 *    included) under autocannon at 1, 10 and 100 connections: requests/s, p50 and p99 latency;
 *  - the same for a bare Express endpoint parsing the same body and answering a fixed decision (the ceiling);
 *  - the same at 10 connections without the explanation (`?explain=false`).
 * Batches are bench/batch.ts.
 * The server and the bare endpoint each run in their own process (as in production); autocannon runs here.
 * This machine's speed drifts by ±20% from minute to minute, so bare and evaluate runs alternate, BENCH_ROUNDS
 * times at 10 connections (the goal's figure), and the medians are reported with the evaluate/bare ratio.
 * With BENCH_PG=1, evaluate is also measured on PostgreSQL (a database made for the run on 127.0.0.1:5432, dropped
 * after; BENCH_PG_ADMIN overrides the admin URL).
 * Env: BENCH_SECONDS (per run, default 4), BENCH_ROUNDS (default 3),
 * BENCH_CONNECTIONS (default 1,10,100), BENCH_LOG_LEVEL (the server's LOG_LEVEL, default info: one log line per
 * request, as in production).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { createBenchDatabase, PG_ADMIN, sampleRequests, startProcess, stopProcess } from "./procs.js";

interface CannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Cannon = (opts: Record<string, unknown>) => Promise<CannonResult>;
// autocannon ships no types; load it through require and give it the little shape used here.
const autocannon = createRequire(import.meta.url)("autocannon") as Cannon;

const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,100").split(",").map(Number);

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "http", figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

async function load(url: string, body: string, connections: number): Promise<CannonResult> {
  return autocannon({
    url,
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    connections,
    duration: SECONDS,
    pipelining: 1,
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Medians over the rounds of one target. */
function report(target: string, extra: Record<string, unknown>, runs: CannonResult[]): number {
  const rps = median(runs.map((r) => r.requests.average));
  const base = {
    target, ...extra, rounds: runs.length, requests: runs.reduce((n, r) => n + r.requests.total, 0),
    non2xx: runs.reduce((n, r) => n + r.non2xx, 0), errors: runs.reduce((n, r) => n + r.errors + r.timeouts, 0),
    ...(runs.length > 1 ? { each: runs.map((r) => Math.round(r.requests.average)) } : {}),
  };
  emit("requests-per-second", rps, "req/s", base);
  emit("latency-p50", median(runs.map((r) => r.latency.p50)), "ms", base);
  emit("latency-p99", median(runs.map((r) => r.latency.p99)), "ms", base);
  return rps;
}

const dataDir = mkdtempSync(join(tmpdir(), "precept-bench-"));
const samples = sampleRequests();
const pgDb = process.env.BENCH_PG === "1" ? await createBenchDatabase(PG_ADMIN) : undefined;
const pgUrl = pgDb?.url;
const bare = await startProcess("bench/bare-server.ts", { LOG_LEVEL }, "/evaluate");
const server = await startProcess("server/main.ts", { PRECEPT_DATA_DIR: dataDir, LOG_LEVEL }, "/ready");
const pgServer = pgUrl ? await startProcess("server/main.ts", { PRECEPT_DATA_DIR: dataDir + "-pg", DATABASE_URL: pgUrl, LOG_LEVEL }, "/ready") : undefined;
emit("setup", 0, "", { logLevel: LOG_LEVEL, seconds: SECONDS, rounds: ROUNDS, store: "pglite", cores: availableParallelism() });
const evaluatePath = (s: (typeof samples)[number], query = ""): string => {
  const q = [query, s.decisionDate ? `decisionDate=${s.decisionDate}` : ""].filter(Boolean).join("&");
  return `/v1/programs/${s.program}/versions/${s.version}/evaluate${q ? `?${q}` : ""}`;
};
try {
  // Warm both (JIT, evaluator caches, the decision log's first inserts).
  for (const s of samples) {
    for (const base of [server, ...(pgServer ? [pgServer] : [])]) {
      await autocannon({ url: base.url + evaluatePath(s), method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(s.request), connections: 10, duration: 1 });
    }
  }
  await autocannon({ url: `${bare.url}/evaluate`, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(samples[0]?.request ?? {}), connections: 10, duration: 1 });

  for (const connections of CONNECTIONS) {
    const rounds = connections === 10 ? ROUNDS : 1;
    for (const s of samples) {
      const body = JSON.stringify(s.request);
      const runs: Record<string, CannonResult[]> = { bare: [], evaluate: [], plain: [], pg: [] };
      for (let r = 0; r < rounds; r++) {
        runs.bare!.push(await load(`${bare.url}/evaluate`, body, connections));
        runs.evaluate!.push(await load(server.url + evaluatePath(s), body, connections));
        if (connections === 10) runs.plain!.push(await load(server.url + evaluatePath(s, "explain=false"), body, connections));
        if (connections === 10 && pgServer) runs.pg!.push(await load(pgServer.url + evaluatePath(s), body, connections));
      }
      const common = { program: s.program, connections, bodyBytes: body.length };
      const bareRps = report("bare-express", common, runs.bare!);
      const evalRps = report("evaluate", { ...common, version: s.version, explain: true }, runs.evaluate!);
      emit("evaluate-to-bare", evalRps / bareRps, "ratio", { program: s.program, connections, explain: true });
      if (runs.plain!.length) {
        const plainRps = report("evaluate", { ...common, version: s.version, explain: false }, runs.plain!);
        emit("evaluate-to-bare", plainRps / bareRps, "ratio", { program: s.program, connections, explain: false });
      }
      if (runs.pg!.length) {
        const pgRps = report("evaluate", { ...common, version: s.version, explain: true, store: "postgres" }, runs.pg!);
        emit("evaluate-to-bare", pgRps / bareRps, "ratio", { program: s.program, connections, explain: true, store: "postgres" });
      }
    }
  }

} finally {
  if (pgServer) await stopProcess(pgServer);
  await stopProcess(server);
  await stopProcess(bare);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dataDir + "-pg", { recursive: true, force: true });
  await pgDb?.drop();
}
