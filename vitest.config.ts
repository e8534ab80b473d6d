import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Server and browser suites start real processes and databases; two files at a time fits 2 cores.
    maxWorkers: 2,
  },
});
