// Mutation testing with Stryker, one module at a time: `npm run mutation -- parser` (see scripts/mutation.ts for
// the modules and the test files each one runs). Not part of CI: a module takes minutes on the shared 2 cores.
import { modules } from "./scripts/mutation-modules.mjs";

const name = process.env.MUTATION_MODULE ?? "parser";
const m = modules[name];
if (!m) throw new Error(`unknown mutation module ${name}; one of ${Object.keys(modules).join(", ")}`);

export default {
  $schema: "./node_modules/@stryker-mutator/core/schema/stryker-schema.json",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: false },
  mutate: m.mutate,
  coverageAnalysis: "perTest",
  concurrency: 1,
  incremental: true,
  incrementalFile: `reports/mutation/${name}.incremental.json`,
  ignoreStatic: true,
  timeoutMS: 20000,
  reporters: ["clear-text", "json", "progress-append-only"],
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  tempDirName: `.stryker-tmp/${name}`,
  cleanTempDir: true,
};
