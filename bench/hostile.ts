/**
 * Hostile requests against a started server process (issue 11): how big and how slow the answers are, and how long
 * /health waits meanwhile. Not part of `npm run bench` (it measures refusals, not throughput):
 *   node --import tsx bench/hostile.ts
 * Prints one JSON line per case: answer bytes, time, /health worst latency during it, server RSS after.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), "precept-bench-hostile-"));
const template = process.env.PGLITE_TEMPLATE;
if (template) cpSync(join(template, "pglite"), join(dataDir, "pglite"), { recursive: true });

const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
  cwd: ROOT,
  env: { ...process.env, PORT: "0", PRECEPT_DATA_DIR: dataDir, LOG_LEVEL: "info", PRECEPT_BATCH_LIMIT: "50mb" },
  stdio: ["ignore", "pipe", "inherit"],
});
const url = await new Promise<string>((resolve, reject) => {
  let buf = "";
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    for (const line of buf.split("\n")) {
      try {
        const rec = JSON.parse(line) as { msg?: string; url?: string };
        if (rec.msg === "listening" && rec.url) resolve(rec.url);
      } catch {
        /* partial line */
      }
    }
    buf = buf.slice(buf.lastIndexOf("\n") + 1);
  });
  proc.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
proc.stdout!.resume();

const rss = (): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, "utf8"))?.[1] ?? 0) * 1024;

/** Runs `work` while polling /health every 20 ms; the worst /health latency seen. */
async function withHealth<T>(work: () => Promise<T>): Promise<{ value: T; healthWorstMs: number }> {
  let worst = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const t0 = performance.now();
      await fetch(`${url}/health`).then((r) => r.text()).catch(() => "");
      worst = Math.max(worst, performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const value = await work();
  done = true;
  await poll;
  return { value, healthWorstMs: Math.round(worst) };
}

async function post(path: string, body: string, type = "application/json"): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  const r = await fetch(url + path, { method: "POST", body, headers: { "content-type": type } });
  const bytes = (await r.arrayBuffer()).byteLength;
  return { status: r.status, bytes, ms: Math.round(performance.now() - t0) };
}

const report = (name: string, extra: object): void => console.log(JSON.stringify({ case: name, ...extra, rssMB: Math.round(rss() / 1e6) }));

try {
  const V = "/v1/programs/ihs-chs/versions/2008.1";
  // 100,000 bad items in alternateResources.available: each breaks `type` and `enum` (0.2 MB).
  const amp = JSON.stringify({ referralId: "AMP", alternateResources: { available: Array(100_000).fill(1) } });
  const one = await withHealth(() => post(`${V}/evaluate`, amp));
  report("100,000 bad items, one request", { requestBytes: amp.length, ...one.value, healthWorstMs: one.healthWorstMs });
  const eight = await withHealth(() => Promise.all(Array.from({ length: 8 }, () => post(`${V}/evaluate`, amp))));
  report("the same, eight at once", { bytes: eight.value.reduce((n, r) => n + r.bytes, 0), ms: Math.max(...eight.value.map((r) => r.ms)), healthWorstMs: eight.healthWorstMs });
  // A 14 MB NDJSON batch of such items (70 lines of 0.2 MB).
  const batch = Array(70).fill(amp).join("\n");
  const b = await withHealth(() => post(`${V}/evaluate-batch`, batch, "application/x-ndjson"));
  report("14 MB batch of them", { requestBytes: batch.length, ...b.value, healthWorstMs: b.healthWorstMs });
} finally {
  proc.kill("SIGTERM");
  await new Promise((r) => proc.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
