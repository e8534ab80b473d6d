// The vitest configuration Stryker runs: only the test files of the module under mutation (MUTATION_MODULE).
import { defineConfig } from "vitest/config";
import { modules } from "./scripts/mutation-modules.mjs";

const m = modules[process.env["MUTATION_MODULE"] ?? "parser"];

export default defineConfig({
  test: {
    include: [...(m?.tests ?? [])],
    testTimeout: 60_000,
    maxWorkers: 1,
  },
});
