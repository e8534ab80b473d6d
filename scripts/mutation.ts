/**
 * `npm run mutation -- [MODULE…]`: Stryker over each module named (all when none), one after the other, each with
 * only its own test files and in incremental mode (reports/mutation/<module>.incremental.json), then the score of
 * each. Not in CI. Modules: scripts/mutation-modules.mjs. MUTATION_SAMPLE=N mutates every Nth line only (see
 * stryker.config.mjs).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { modules } from "./mutation-modules.mjs";

const names = process.argv.slice(2).filter((a) => !a.startsWith("--"));
const todo = names.length ? names : Object.keys(modules);
const scores: string[] = [];
for (const name of todo) {
  if (!(name in modules)) {
    console.error(`unknown module ${name}; one of ${Object.keys(modules).join(", ")}`);
    process.exit(2);
  }
  const run = spawnSync("npx", ["stryker", "run", "stryker.config.mjs", ...(process.argv.includes("--force") ? ["--force"] : [])], {
    stdio: "inherit",
    env: { ...process.env, MUTATION_MODULE: name },
  });
  const sample = Number(process.env["MUTATION_SAMPLE"] ?? "0");
  const report = `reports/mutation/${name}${sample > 1 ? `.sample${sample}` : ""}.json`;
  if (run.status !== 0 || !existsSync(report)) {
    scores.push(`${name}: stryker failed (exit ${run.status})`);
    continue;
  }
  const files = (JSON.parse(readFileSync(report, "utf8")) as { files: Record<string, { mutants: { status: string }[] }> }).files;
  const count = (s: string[]): number => Object.values(files).flatMap((f) => f.mutants).filter((x) => s.includes(x.status)).length;
  const [killed, timeout, survived, noCoverage] = ["Killed", "Timeout", "Survived", "NoCoverage"].map((s) => count([s]));
  const score = (100 * (killed! + timeout!)) / Math.max(1, killed! + timeout! + survived! + noCoverage!);
  scores.push(
    `${name}${sample > 1 ? ` (every ${sample}th line)` : ""}: ${score.toFixed(1)}% (${killed} killed, ${timeout} timed out, ${survived} survived, ${noCoverage} not covered)`,
  );
}
console.log(`\nmutation scores\n  ${scores.join("\n  ")}`);
