// The vitest configuration Stryker runs: only the test files of the module under mutation (MUTATION_MODULE).
import { defineConfig } from "vitest/config";
import { modules } from "./scripts/mutation-modules.mjs";

const m = modules[process.env["MUTATION_MODULE"] ?? "parser"];

export default defineConfig({
  test: {
    include: [...(m?.tests ?? [])],
    // Tests that only spawn a child process are left out: Stryker activates a mutant inside this process, so the
    // child never sees it, and under load the spawn alone can exceed the timeout of the initial run.
    ...(m?.skipTests ? { testNamePattern: new RegExp(`^(?!.*(?:${m.skipTests}))`) } : {}),
    testTimeout: 60_000,
    maxWorkers: 1,
  },
});
