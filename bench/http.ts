/**
 * HTTP figures, one JSON line each (`{ bench: "http", figure, value, unit, … }`):
 *  - for each shipped program, the evaluate endpoint (explicit version, default explanation, decision logging
 *    included) under autocannon at 1, 10 and 100 connections: requests/s, p50 and p99 latency;
 *  - the same for a bare Express endpoint parsing the same body and answering a fixed decision (the ceiling);
 *  - the same at 10 connections without the explanation (`?explain=false`);
 *  - batch throughput: 10,000 requests in one NDJSON call, decisions per second.
 * The server and the bare endpoint each run in their own process (as in production); autocannon runs here.
 * This machine's speed drifts by ±20% from minute to minute, so bare and evaluate runs alternate, BENCH_ROUNDS
 * times at 10 connections (the goal's figure), and the medians are reported with the evaluate/bare ratio.
 * With BENCH_PG=1, evaluate is also measured on PostgreSQL (a database made for the run on 127.0.0.1:5432, dropped
 * after; BENCH_PG_ADMIN overrides the admin URL).
 * Env: BENCH_SECONDS (per run, default 4), BENCH_ROUNDS (default 3), BENCH_BATCH (default 10000),
 * BENCH_CONNECTIONS (default 1,10,100), BENCH_LOG_LEVEL (the server's LOG_LEVEL, default info: one log line per
 * request, as in production).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import pg from "pg";
import { readTestCases } from "../engine/policy-tests.js";

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
const BATCH = Number(process.env.BENCH_BATCH ?? 10_000);
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? "info";
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,100").split(",").map(Number);

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "http", figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

/** A free TCP port on loopback (asked of the OS, then released for the child to take). */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Starts a node process running `script` on a free port; its logs go to /dev/null (the server logs one line per
 * request at the default level, which is part of what is measured) and readiness is polled.
 */
async function startProcess(script: string, env: Record<string, string>, readyPath: string): Promise<{ url: string; proc: ChildProcess }> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: LOG_LEVEL, ...env },
    stdio: ["ignore", "ignore", "inherit"],
  });
  let exited = false;
  proc.once("exit", () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (exited) throw new Error(`${script} exited before it was ready`);
    try {
      const r = await fetch(url + readyPath, readyPath === "/ready" ? {} : { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
      if (r.ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 1200) throw new Error(`${script} not ready after 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, proc };
}

async function stopProcess(p: { proc: ChildProcess }): Promise<void> {
  const exited = new Promise((r) => p.proc.once("exit", r));
  p.proc.kill("SIGTERM");
  await exited;
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

/** A fresh PostgreSQL database for the replica-store figures, dropped at the end. */
async function createBenchDatabase(adminUrl: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `precept_bench_${process.pid}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** One representative request per program: the first shipped test case of its newest version without history. */
function sampleRequests(): { program: string; version: string; request: unknown; decisionDate?: string }[] {
  const out = [];
  for (const program of readdirSync("policies", { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const tests = readdirSync(join("policies", program)).filter((f) => f.endsWith(".tests.yaml")).sort();
    const newest = tests.at(-1);
    if (!newest) continue;
    const c = readTestCases(join("policies", program, newest)).find((x) => !x.history?.length);
    if (!c) continue;
    out.push({ program, version: newest.replace(/\.tests\.yaml$/, ""), request: c.request, ...(c.decisionDate ? { decisionDate: c.decisionDate } : {}) });
  }
  return out;
}

const dataDir = mkdtempSync(join(tmpdir(), "precept-bench-"));
const samples = sampleRequests();
const pgDb = process.env.BENCH_PG === "1" ? await createBenchDatabase(process.env.BENCH_PG_ADMIN ?? "postgres://postgres@127.0.0.1:5432/postgres") : undefined;
const pgUrl = pgDb?.url;
const bare = await startProcess("bench/bare-server.ts", {}, "/evaluate");
const server = await startProcess("server/main.ts", { PRECEPT_DATA_DIR: dataDir }, "/ready");
const pgServer = pgUrl ? await startProcess("server/main.ts", { PRECEPT_DATA_DIR: dataDir + "-pg", DATABASE_URL: pgUrl }, "/ready") : undefined;
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

  // Batch: BATCH requests in one NDJSON call (claim ids varied so each is its own request).
  for (const s of samples) {
    const lines: string[] = [];
    for (let i = 0; i < BATCH; i++) {
      const r = { ...(s.request as Record<string, unknown>) };
      for (const idField of ["tarId", "referralId", "claimId"]) if (idField in r) r[idField] = `${String(r[idField])}-${i}`;
      lines.push(JSON.stringify(r));
    }
    const body = lines.join("\n");
    const q = s.decisionDate ? `?decisionDate=${s.decisionDate}` : "";
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1/programs/${s.program}/versions/${s.version}/evaluate-batch${q}`, {
      method: "POST",
      headers: { "content-type": "application/x-ndjson" },
      body,
    });
    const text = await res.text();
    const ms = performance.now() - t0;
    const decided = text.split("\n").filter((l) => l !== "" && !l.startsWith('{"error"')).length;
    if (res.status !== 200 || decided !== BATCH) throw new Error(`batch ${s.program}: HTTP ${res.status}, ${decided} of ${BATCH} decided`);
    emit("batch-decisions-per-second", (BATCH / ms) * 1000, "decisions/s", { target: "evaluate-batch", program: s.program, version: s.version, requests: BATCH, ms: Math.round(ms), bodyBytes: body.length });
  }
} finally {
  if (pgServer) await stopProcess(pgServer);
  await stopProcess(server);
  await stopProcess(bare);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dataDir + "-pg", { recursive: true, force: true });
  await pgDb?.drop();
}
