// Mutation testing with Stryker, one module at a time: `npm run mutation -- parser` (see scripts/mutation.ts for
// the modules and the test files each one runs). Not part of CI: a module takes minutes on the shared 2 cores.
import { readdirSync, readFileSync } from "node:fs";
import { modules } from "./scripts/mutation-modules.mjs";

const name = process.env.MUTATION_MODULE ?? "parser";
const m = modules[name];
if (!m) throw new Error(`unknown mutation module ${name}; one of ${Object.keys(modules).join(", ")}`);

/** The module's files (a `dir/*.ts` pattern is the .ts files of dir). */
const files = m.mutate.flatMap((f) =>
  f.endsWith("/*.ts") ? readdirSync(f.slice(0, -5)).filter((n) => n.endsWith(".ts")).map((n) => `${f.slice(0, -4)}${n}`) : [f],
);
/**
 * MUTATION_SAMPLE=N mutates every Nth line only (lines 1, 1+N, 1+2N, …; a mutant counts when it lies on one of
 * them, so mutants spanning several lines, such as emptied blocks, are left out): a systematic sample for when a
 * full run would take hours on the shared machine. The score table says which figures are sampled.
 */
const sample = Number(process.env.MUTATION_SAMPLE ?? "0");
const mutate =
  sample > 1
    ? files.flatMap((f) => {
        const lines = readFileSync(f, "utf8").split("\n").length;
        return Array.from({ length: Math.ceil(lines / sample) }, (_, k) => `${f}:${1 + k * sample}-${1 + k * sample}`);
      })
    : m.mutate;

export default {
  $schema: "./node_modules/@stryker-mutator/core/schema/stryker-schema.json",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate,
  coverageAnalysis: "perTest",
  concurrency: 1,
  incremental: true,
  incrementalFile: `reports/mutation/${name}${sample > 1 ? `.sample${sample}` : ""}.incremental.json`,
  ignoreStatic: true,
  timeoutMS: 20000,
  reporters: ["clear-text", "json", "progress-append-only"],
  jsonReporter: { fileName: `reports/mutation/${name}${sample > 1 ? `.sample${sample}` : ""}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: `.stryker-tmp/${name}`,
  // Modules may run side by side: no sandbox copies another's sandbox or reports.
  ignorePatterns: [".stryker-tmp", "reports", "data", "artifacts", "scratch"],
  cleanTempDir: true,
};
