/** Every shipped policy compiles without errors or warnings, and every one of its test cases passes. */
import { describe, expect, it } from "vitest";
import { readTestCases, runTestCases, testsFileFor } from "../engine/policy-tests.js";
import { shippedPolicies } from "./support/policies.js";

const minimumCases: Record<string, number> = { "ice-tar": 25, "ihs-chs": 40, "usms-claim": 15 };

describe("shipped policies", () => {
  for (const p of shippedPolicies()) {
    describe(`${p.program} ${p.version}`, () => {
      it("has no diagnostics", () => expect(p.diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([]));
      const cases = readTestCases(testsFileFor(p.file));
      it.each(runTestCases(p.compiled!, cases).map((r) => [r.name, r] as const))("%s", (_n, r) => expect(r.problems).toEqual([]));
    });
  }

  it.each(Object.entries(minimumCases))("%s has at least %i test cases", (program, min) => {
    const n = shippedPolicies()
      .filter((p) => p.program === program)
      .reduce((sum, p) => sum + readTestCases(testsFileFor(p.file)).length, 0);
    expect(n).toBeGreaterThanOrEqual(min);
  });
});
