/**
 * Compile figures under hostile sources (issue 11, failure 1), one JSON line each
 * (`{ bench: "compile", figure, value, unit, … }`): for the doubling `let` source (`let a2 = a1 and a1`, …) at
 * 22 and 500 lines, the time `POST /v1/compile` takes and the longest wait between two `/health` answers while it
 * runs (probed every 20 ms from this process; the server runs in its own, as in production); the same for a
 * heavy but legitimate policy of 9,000 rules of three conditions (1.4 MB, compiled for real).
 *
 * Env: BENCH_ROOT (the checkout whose server/main.ts is started: point it at an older tree to measure "before"),
 * BENCH_PORT (default a free port), BENCH_LINES (default 22,500), BENCH_CAP_MS (give up on one compile after this
 * long, default 60000: before the fix the 500-line source never finished).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { doubling, manyRules } from "./hostile-sources.js";

const ROOT = resolve(process.env.BENCH_ROOT ?? ".");
const LINES = (process.env.BENCH_LINES ?? "22,500").split(",").map(Number);
const CAP_MS = Number(process.env.BENCH_CAP_MS ?? 60_000);

function emit(figure: string, value: number | null, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "compile", figure, value: value === null ? null : Math.round(value * 10) / 10, unit, ...extra }));
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

async function waitHealthy(url: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > end) throw new Error(`server at ${url} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const port = Number(process.env.BENCH_PORT ?? (await freePort()));
const url = `http://127.0.0.1:${port}`;
const dataDir = mkdtempSync(join(tmpdir(), "precept-bench-compile-"));
const child = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
  cwd: ROOT,
  env: { ...process.env, PORT: String(port), HOST: "127.0.0.1", PRECEPT_DATA_DIR: dataDir, LOG_LEVEL: "warn", PRECEPT_BODY_LIMIT: "8mb" },
  stdio: "ignore",
});
try {
  await waitHealthy(url, 120_000);
  // One small compile first, so the first figure is not the compile thread's start.
  await fetch(`${url}/v1/compile`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ source: doubling(3) }) });
  const cases: { name: string; lines: number; source: string }[] = [
    ...LINES.map((lines) => ({ name: "doubling", lines, source: doubling(lines) })),
    { name: "9,000 rules", lines: 9000 * 5, source: manyRules(9000, undefined, true) },
  ];
  for (const { name, lines, source } of cases) {
    let running = true;
    let maxGap = 0;
    let answers = 0;
    let last = performance.now();
    const probe = (async () => {
      while (running) {
        const r = await fetch(`${url}/health`, { signal: AbortSignal.timeout(CAP_MS + 1000) }).catch(() => undefined);
        await r?.text();
        const now = performance.now();
        if (r?.ok) answers++;
        maxGap = Math.max(maxGap, now - last);
        last = now;
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    const t0 = performance.now();
    const r = await fetch(`${url}/v1/compile`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ source }),
      signal: AbortSignal.timeout(CAP_MS),
    }).catch(() => undefined);
    const ms = performance.now() - t0;
    const status = r?.status ?? null;
    const compiled = r ? ((await r.json().catch(() => ({}))) as { compiled?: unknown }).compiled != null : false;
    running = false;
    await Promise.race([probe, new Promise((res) => setTimeout(res, 2000))]);
    maxGap = Math.max(maxGap, performance.now() - last);
    const extra = { lines, bytes: Buffer.byteLength(source), status, compiled, root: ROOT };
    emit(`${name} compile time`, status === null ? null : ms, "ms", { ...extra, ...(status === null ? { note: `no answer within ${CAP_MS} ms` } : {}) });
    emit(`${name} longest /health wait`, maxGap, "ms", { ...extra, healthAnswers: answers });
    if (status === null) break; // the server is stuck: later figures would measure the same stall
  }
} finally {
  child.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
}
