/**
 * `npm run mutation -- [MODULE…]`: Stryker over each module named (all when none), one after the other, each with
 * only its own test files and in incremental mode (reports/mutation/<module>.incremental.json), then the score of
 * each. Not in CI. Modules: scripts/mutation-modules.mjs.
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
  const report = `reports/mutation/${name}.json`;
  if (run.status !== 0 || !existsSync(report)) {
    scores.push(`${name}: stryker failed (exit ${run.status})`);
    continue;
  }
  const files = (JSON.parse(readFileSync(report, "utf8")) as { files: Record<string, { mutants: { status: string }[] }> }).files;
  const count = (s: string[]): number => Object.values(files).flatMap((f) => f.mutants).filter((x) => s.includes(x.status)).length;
  const killed = count(["Killed", "Timeout"]);
  const survived = count(["Survived", "NoCoverage"]);
  scores.push(`${name}: ${((100 * killed) / Math.max(1, killed + survived)).toFixed(1)}% (${killed} killed, ${survived} survived or not covered)`);
}
console.log(`\nmutation scores\n  ${scores.join("\n  ")}`);
