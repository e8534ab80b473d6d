/**
 * Simulation figures, one JSON line each (`{ bench: "simulation", figure, value, unit, … }`):
 *  - generating the shipped ice-tar history (110,538 TARs) into an empty cache;
 *  - the 2005.1 vs 2010.1 comparison over it on every core (worker threads, changed requests written to disk as
 *    the API and the CLI do): seconds, requests per second, requests per second per core, peak memory (RSS of the
 *    whole process, worker threads included);
 *  - the same in one thread without a pool (the per-core figure without the pool's start-up);
 *  - beside it, from the same run: the generated evaluators alone on the same TARs (parsed beforehand, both
 *    versions, one thread), and the pooled rate over that rate times the worker count (goal >= 0.7, issue 16);
 *  - the two invented histories (ihs-chs with fundedLevel 4 and fund control; usms-claim with duplicates, in order).
 * Goal (issue 6): the 110,538 TARs through both versions in under 10 s on this 2-core machine, peak under 1 GiB.
 *  - the same 110,538-TAR comparison as a server job on one replica and on two (bench/simulation-replicas.ts), and
 *    how long the slices of a killed replica take to be finished by the other.
 * Env: BENCH_THREADS (default: every core); BENCH_REPLICAS=0 skips the replica figures.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { createEvaluator } from "../engine/index.js";
import { loadPolicyDir } from "../engine/policy-files.js";
import { manifestsIn } from "../engine/program-manifest-files.js";
import { profileFor, RequestSetCatalog, runSimulation, type FundControlParams } from "../engine/simulate/index.js";
import { replicaFigures } from "./simulation-replicas.js";

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "simulation", figure, value: Math.round(value * 100) / 100, unit, ...extra }));
}

const threads = Number(process.env.BENCH_THREADS ?? availableParallelism());
const policies = loadPolicyDir("policies");
const get = (program: string, version: string) => policies.find((p) => p.program === program && p.version === version)!.compiled!;
const dir = mkdtempSync(join(tmpdir(), "precept-bench-sim-"));
const manifests = manifestsIn("policies");
const catalog = new RequestSetCatalog(dir, "policies", (program) => profileFor(manifests.of(policies.find((p) => p.program === program)!.compiled!)));

try {
  let t0 = performance.now();
  const tars = (await catalog.open("ice-tar-history"))!;
  emit("generate ice-tar history", (performance.now() - t0) / 1000, "s", { requests: tars.meta.count, megabytes: Math.round(tars.meta.bytes / 1e5) / 10 });

  const b = { policy: get("ice-tar", "2005.1") };
  const c = { policy: get("ice-tar", "2010.1") };
  t0 = performance.now();
  const pooled = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tars, threads, changedDir: join(dir, "changed-pool") });
  const seconds = (performance.now() - t0) / 1000;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const n = pooled.report.read;
  emit("ice-tar 2005.1 vs 2010.1, 110,538 TARs", seconds, "s", { threads: pooled.report.timing!.threads, requests: n, goal: "< 10 s" });
  emit("ice-tar simulation throughput", n / seconds, "requests/s", { threads: pooled.report.timing!.threads, evaluations: 2 * n });
  emit("ice-tar simulation throughput per core", n / seconds / Math.max(1, pooled.report.timing!.threads), "requests/s/core", { note: "wall time including the worker pool's start-up" });
  emit("peak memory (RSS, process and worker threads)", rssMiB, "MiB", { goal: "< 1024 MiB" });
  emit("ice-tar changed requests", pooled.report.changed.total, "requests");

  // The evaluators' own rate on the same requests: the ceiling the pool is measured against.
  const requests = readFileSync(tars.file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as unknown);
  const eb = createEvaluator(b.policy);
  const ec = createEvaluator(c.policy);
  const ctx = { decisionDate: "2009-03-31" };
  let best = 0;
  for (let k = 0; k < 3; k++) {
    const e0 = performance.now();
    for (const r of requests) {
      eb.evaluate(r, ctx);
      ec.evaluate(r, ctx);
    }
    best = Math.max(best, requests.length / ((performance.now() - e0) / 1000));
  }
  const workers = Math.max(1, pooled.report.timing!.threads);
  emit("ice-tar evaluators alone, both versions, one thread", best, "requests/s", { requests: requests.length, best_of: 3, evaluations: 2 * requests.length });
  emit("ice-tar simulation over evaluator rate x workers", n / seconds / (best * workers), "ratio", { workers, goal: ">= 0.7" });

  t0 = performance.now();
  const single = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tars, threads: 0, changedDir: join(dir, "changed-single") });
  const s1 = (performance.now() - t0) / 1000;
  emit("ice-tar simulation in one thread (no pool)", s1, "s", { requestsPerSecond: Math.round(single.report.read / s1) });

  const ihs = (await catalog.open("ihs-chs-history"))!;
  const fund = catalog.descriptor("ihs-chs-history")!.simulation!.fundControl as FundControlParams;
  t0 = performance.now();
  const r2 = await runSimulation({ manifest: manifests.get("ihs-chs")!, baseline: { policy: get("ihs-chs", "2008.1") }, candidate: { policy: get("ihs-chs", "2008.1"), params: { fundedLevel: 4 } }, set: ihs, threads, fundControl: { ...fund, from: "2008-10-01", to: "2009-09-30" } });
  emit("ihs-chs fundedLevel 3 vs 4 with fund control", (performance.now() - t0) / 1000, "s", { requests: r2.report.read, threads: r2.report.timing!.threads });

  const usms = (await catalog.open("usms-claim-history"))!;
  t0 = performance.now();
  const r3 = await runSimulation({ manifest: manifests.get("usms-claim")!, baseline: { policy: get("usms-claim", "2000.1") }, candidate: { policy: get("usms-claim", "2000.1") }, set: usms, threads });
  emit("usms-claim with duplicate detection (in order, one thread)", (performance.now() - t0) / 1000, "s", { requests: r3.report.read, threads: r3.report.timing!.threads });

  if (process.env.BENCH_REPLICAS !== "0") await replicaFigures(emit, join(dir, "request-sets"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
