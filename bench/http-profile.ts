/**
 * Where the server's CPU goes under load on the evaluate endpoint (issue 16, "the HTTP path"): the real server
 * (server/main.ts, embedded store, LOG_LEVEL=info) runs under `node --cpu-prof`; autocannon drives it at 10
 * connections; only the samples taken during the measured window count. Measures only; changes nothing.
 * Prints JSON lines: the rate during the window, then the share of the server's busy samples by where their code
 * lives (our files by name, packages by name, Node's own modules, V8's GC), then the top functions by self time.
 * bench/http-split.ts times our own steps alone; this shows how much of a request they are.
 * Env: PROGRAM (ice-tar), SECONDS (5), EXPLAIN (true). `npm run bench:http-profile`.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Profiler } from "node:inspector";
import { readTestCases } from "../engine/policy-tests.js";

type Cannon = (opts: Record<string, unknown>) => Promise<{ requests: { average: number }; latency: { p99: number }; non2xx: number }>;
const autocannon = createRequire(import.meta.url)("autocannon") as Cannon;
const PROGRAM = process.env["PROGRAM"] ?? "ice-tar";
const SECONDS = Number(process.env["SECONDS"] ?? 5);
const EXPLAIN = process.env["EXPLAIN"] !== "false";

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "http-profile", program: PROGRAM, explain: EXPLAIN, figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/**
 * Coarse buckets of a place. V8 books a builtin (JSON.stringify, JSON.parse) to the JS function that calls it, so
 * serialising the answer shows up under server/routes/common.ts (sendJson) and parsing under server/body.ts.
 */
function bucketOf(place: string): string {
  if (/^server\/(logging\.ts)$/.test(place) || place === "pino" || place.startsWith("pino")) return "logging (pino, request logger)";
  if (/^server\/store\//.test(place) || place === "server/decision-log.ts" || place === "postMessage" || place === "node:internal/worker") return "decision log and store (journal, PGlite worker messages)";
  if (/^(server|engine|dsl)\//.test(place)) return "our code (routes, body, evaluate, engine; JSON builtins they call)";
  if (["router", "express", "parseurl", "finalhandler", "on-finished", "qs", "content-type", "type-is", "send", "encodeurl"].includes(place)) return "express and its router";
  if (place.startsWith("node:") || ["writev", "writeString", "writeBuffer", "writeUtf8String", "set natives"].includes(place)) return "node http, streams, sockets";
  if (place === "(garbage collector)") return "garbage collection";
  return "other";
}

const tests = readdirSync(join("policies", PROGRAM)).filter((f) => f.endsWith(".tests.yaml")).sort();
const version = tests.at(-1)!.replace(/\.tests\.yaml$/, "");
const sample = readTestCases(join("policies", PROGRAM, tests.at(-1)!)).find((x) => !x.history?.length)!;
const query = [EXPLAIN ? "" : "explain=false", sample.decisionDate ? `decisionDate=${sample.decisionDate}` : ""].filter(Boolean).join("&");

const dataDir = mkdtempSync(join(tmpdir(), "precept-prof-"));
const profDir = mkdtempSync(join(tmpdir(), "precept-cpuprof-"));
const port = await freePort();
const server = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${profDir}`, "--cpu-prof-interval=250", "--import", "tsx", "server/main.ts"], {
  env: { ...process.env, HOST: "127.0.0.1", PORT: String(port), LOG_LEVEL: "info", PRECEPT_DATA_DIR: dataDir },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
try {
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/ready`)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (i > 1200) throw new Error("server not ready after 60 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = `${base}/v1/programs/${PROGRAM}/versions/${version}/evaluate${query ? `?${query}` : ""}`;
  const opts = { url, method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sample.request), connections: 10 };
  await autocannon({ ...opts, duration: 2 }); // warm: JIT, evaluator, journal
  const from = process.hrtime.bigint() / 1000n;
  const r = await autocannon({ ...opts, duration: SECONDS });
  const to = process.hrtime.bigint() / 1000n;
  emit("requests-per-second", r.requests.average, "req/s", { p99_ms: r.latency.p99, non2xx: r.non2xx, connections: 10, seconds: SECONDS, version });

  server.kill("SIGTERM");
  await new Promise((res) => server.once("exit", res));
  const file = readdirSync(profDir).find((f) => f.endsWith(".cpuprofile"))!;
  const profile = JSON.parse(readFileSync(join(profDir, file), "utf8")) as Profiler.Profile;

  // Self time of each sample inside the window, by place and by function.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const place = new Map<string, number>();
  const fns = new Map<string, number>();
  let t = profile.startTime;
  let idle = 0;
  let busy = 0;
  const deltas = profile.timeDeltas ?? [];
  (profile.samples ?? []).forEach((id, i) => {
    t += deltas[i] ?? 0;
    if (t < Number(from) || t > Number(to)) return;
    const dt = deltas[i + 1] ?? 0;
    const { url, functionName, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") return void (idle += dt);
    busy += dt;
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const where = pkg ? pkg[1]! : /\/(server|engine|dsl)\//.test(url) ? url.replace(/^.*?\/(server|engine|dsl)\//, "$1/") : url.startsWith("node:") ? url : url ? "other" : functionName;
    place.set(where, (place.get(where) ?? 0) + dt);
    const fn = `${functionName || "(anonymous)"} ${where}:${lineNumber + 1}`;
    fns.set(fn, (fns.get(fn) ?? 0) + dt);
  });
  emit("busy-share-of-window", (busy / (busy + idle)) * 100, "% of the server thread's samples (the rest idle)", { busy_ms: Math.round(busy / 1000) });
  const ours = [...place].filter(([k]) => /^(server|engine|dsl)\//.test(k)).reduce((n, [, v]) => n + v, 0);
  emit("share:our-files", (ours / busy) * 100, "% of busy samples: self time in server/, engine/, dsl/ (across the buckets below)");
  const buckets = new Map<string, number>();
  for (const [k, v] of place) buckets.set(bucketOf(k), (buckets.get(bucketOf(k)) ?? 0) + v);
  for (const [k, v] of [...buckets].sort((a, b) => b[1] - a[1])) emit(`bucket:${k}`, (v / busy) * 100, "% of busy samples");
  for (const [k, v] of [...place].sort((a, b) => b[1] - a[1]).filter(([, v]) => v / busy >= 0.005)) emit(`share:${k}`, (v / busy) * 100, "% of busy samples");
  for (const [k, v] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, 25)) emit(`top:${k}`, (v / busy) * 100, "% of busy samples (self)");
} finally {
  if (server.exitCode === null) server.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(profDir, { recursive: true, force: true });
}
