/**
 * HTTP figures, one JSON line each (`{ bench: "http", figure, value, unit, … }`):
 *  - for each shipped program, the evaluate endpoint (explicit version, default explanation, decision logging
 *    included) under autocannon at 1, 10 and 100 connections: requests/s, p50 and p99 latency;
 *  - the same for a bare Express endpoint parsing the same body and answering a fixed decision (the ceiling);
 *  - the same at 10 connections without the explanation (`?explain=false`);
 *  - batch throughput: 10,000 requests in one NDJSON call, decisions per second.
 * The server and the bare endpoint each run in their own process (as in production); autocannon runs here.
 * Env: BENCH_SECONDS (per run, default 5), BENCH_BATCH (default 10000), BENCH_CONNECTIONS (default 1,10,100),
 * BENCH_LOG_LEVEL (the server's LOG_LEVEL, default info: one log line per request, as in production).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
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

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
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

function report(target: string, extra: Record<string, unknown>, r: CannonResult): void {
  const base = { target, ...extra, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts };
  emit("requests-per-second", r.requests.average, "req/s", base);
  emit("latency-p50", r.latency.p50, "ms", base);
  emit("latency-p99", r.latency.p99, "ms", base);
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
const bare = await startProcess("bench/bare-server.ts", {}, "/evaluate");
const server = await startProcess("server/main.ts", { PRECEPT_DATA_DIR: dataDir }, "/ready");
emit("setup", 0, "", { logLevel: LOG_LEVEL, seconds: SECONDS, store: "pglite", cores: availableParallelism() });
try {
  // Warm both (JIT, evaluator caches, the decision log's first inserts).
  for (const s of samples) {
    const path = `${server.url}/v1/programs/${s.program}/versions/${s.version}/evaluate`;
    await autocannon({ url: path, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(s.request), connections: 10, duration: 1 });
  }
  await autocannon({ url: `${bare.url}/evaluate`, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(samples[0]?.request ?? {}), connections: 10, duration: 1 });

  for (const connections of CONNECTIONS) {
    for (const s of samples) {
      const body = JSON.stringify(s.request);
      report("bare-express", { program: s.program, connections, bodyBytes: body.length }, await load(`${bare.url}/evaluate`, body, connections));
      const q = s.decisionDate ? `?decisionDate=${s.decisionDate}` : "";
      const url = `${server.url}/v1/programs/${s.program}/versions/${s.version}/evaluate${q}`;
      report("evaluate", { program: s.program, version: s.version, connections, explain: true, bodyBytes: body.length }, await load(url, body, connections));
    }
  }
  for (const s of samples) {
    const q = `?explain=false${s.decisionDate ? `&decisionDate=${s.decisionDate}` : ""}`;
    const url = `${server.url}/v1/programs/${s.program}/versions/${s.version}/evaluate${q}`;
    report("evaluate", { program: s.program, version: s.version, connections: 10, explain: false }, await load(url, JSON.stringify(s.request), 10));
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
  await stopProcess(server);
  await stopProcess(bare);
  rmSync(dataDir, { recursive: true, force: true });
}
