/**
 * `npm run bench`: every benchmark script in turn, each printing JSON lines, between two lines giving the machine's
 * load average (the figures of a loaded machine are not those of an idle one; say which when quoting them).
 * Issue 16's figures: bench/engine.ts (fast, hand-written and json-rules-engine at ~50 rules; fast at 1,000
 * rules; 1,000-rule compile, first and warm, in one process), bench/compile-cold.ts (the first compile in a fresh
 * process; BENCH_COLD_ROUNDS processes per variant, default 1 here), bench/http.ts (evaluate vs bare Express at 1,
 * 10 and 100 connections), bench/batch.ts (10,000-request batches logged, on each store), bench/simulation.ts (the
 * 110,538-TAR what-if beside the evaluators' own rate).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";

const scripts = [
  "bench/engine.ts", "bench/compile-cold.ts", "bench/http.ts", "bench/batch.ts", "bench/compile.ts", "bench/simulation.ts", "bench/analysis.ts", "bench/editor.ts",
].filter((f) => existsSync(f));
const load = (when: string): void =>
  console.log(JSON.stringify({ bench: "run", figure: `load average ${when}`, value: loadavg().map((x) => Math.round(x * 10) / 10), unit: "1, 5, 15 min", cores: availableParallelism() }));

load("before");
let failed = 0;
for (const s of scripts) {
  const env = s === "bench/compile-cold.ts" ? { ...process.env, ROUNDS: process.env.BENCH_COLD_ROUNDS ?? "1" } : process.env;
  const r = spawnSync(process.execPath, ["--import", "tsx", s], { stdio: "inherit", env });
  if (r.status !== 0) {
    console.error(`${s} exited with ${r.status}`);
    failed++;
  }
}
load("after");
process.exit(failed ? 1 : 0);
