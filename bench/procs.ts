/** Helpers the HTTP benches share: server processes on free ports, a throw-away PostgreSQL database, sample requests. */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import pg from "pg";
import { readTestCases } from "../engine/policy-tests.js";

/** A free TCP port on loopback (asked of the OS, then released for the child to take). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** Polls (every 50 ms) before a server counts as not starting: a fresh PGlite's initdb takes minutes on a loaded machine. */
const READY_POLLS = Number(process.env.BENCH_READY_S ?? 300) * 20;

export interface Proc {
  url: string;
  proc: ChildProcess;
}

/**
 * Starts a node process running `script` on a free port; its logs go to /dev/null (the server logs one line per
 * request at the default level, which is part of what is measured) and readiness is polled (BENCH_READY_S, 300).
 */
export async function startProcess(script: string, env: Record<string, string>, readyPath: string): Promise<Proc> {
  const port = await freePort();
  const proc = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), ...env },
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
    if (i > READY_POLLS) {
      proc.kill("SIGKILL");
      throw new Error(`${script} not ready after ${READY_POLLS / 20} s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url, proc };
}

export async function stopProcess(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null) return;
  const exited = new Promise((r) => p.proc.once("exit", r));
  p.proc.kill("SIGTERM");
  await exited;
}

/** A fresh PostgreSQL database for the replica-store figures, dropped at the end. */
export async function createBenchDatabase(adminUrl: string, tag = "bench"): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `precept_${tag}_${process.pid}`;
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

export const PG_ADMIN = process.env.BENCH_PG_ADMIN ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface Sample {
  program: string;
  version: string;
  request: unknown;
  decisionDate?: string;
}

/** One representative request per program: the first shipped test case of its newest version without history. */
export function sampleRequests(): Sample[] {
  const out: Sample[] = [];
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

/** `n` copies of the sample as NDJSON, each with its own request id (so duplicate detection sees distinct requests). */
export function batchBody(s: Sample, n: number): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = { ...(s.request as Record<string, unknown>) };
    for (const idField of ["tarId", "referralId", "claimId"]) if (idField in r) r[idField] = `${String(r[idField])}-${i}`;
    lines.push(JSON.stringify(r));
  }
  return lines.join("\n");
}

/**
 * CPU milliseconds a process has used so far, every thread counted (Linux /proc; undefined elsewhere). On this
 * shared, loaded machine wall time mostly measures the neighbours; the server's own CPU per batch does not.
 */
export function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/** Posts one NDJSON batch; checks every line was decided; returns the wall time in ms. */
export async function postBatch(base: string, s: Sample, body: string, n: number): Promise<number> {
  const q = s.decisionDate ? `?decisionDate=${s.decisionDate}` : "";
  const t0 = performance.now();
  const res = await fetch(`${base}/v1/programs/${s.program}/versions/${s.version}/evaluate-batch${q}`, {
    method: "POST",
    headers: { "content-type": "application/x-ndjson" },
    body,
  });
  const text = await res.text();
  const ms = performance.now() - t0;
  const decided = text.split("\n").filter((l) => l !== "" && !l.startsWith('{"error"')).length;
  if (res.status !== 200 || decided !== n) throw new Error(`batch ${s.program}: HTTP ${res.status}, ${decided} of ${n} decided: ${text.slice(0, 300)}`);
  return ms;
}
