/** Every shipped policy compiles without errors or warnings, and every one of its test cases passes. */
import { describe, expect, it } from "vitest";
import { readTestCases, runTestCases, testsFileFor } from "../engine/policy-tests.js";
import { shipped, shippedPolicies } from "./support/policies.js";

const minimumCases: Record<string, number> = { "ice-tar": 25, "ihs-chs": 40, "usms-claim": 15 };

describe("shipped policies", () => {
  for (const p of shippedPolicies()) {
    describe(`${p.program} ${p.version}`, () => {
      it("has no diagnostics", () => expect(p.diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`)).toEqual([]));
      const cases = readTestCases(testsFileFor(p.file));
      it.each(runTestCases(p.compiled!, p.manifest!, cases).map((r) => [r.name, r] as const))("%s", (_n, r) => expect(r.problems).toEqual([]));
    });
  }

  it.each(Object.entries(minimumCases))("%s has at least %i test cases", (program, min) => {
    const n = shippedPolicies()
      .filter((p) => p.program === program)
      .reduce((sum, p) => sum + readTestCases(testsFileFor(p.file)).length, 0);
    expect(n).toBeGreaterThanOrEqual(min);
  });
});

describe("ihs-chs denials cite the regulation beside the manual (002, 2-3.5A)", () => {
  const denials = shipped("ihs-chs", "2008.1").rules.filter((r) => r.event.type === "deny");

  it.each(denials.map((r) => [r.name, r.event.params.citation] as const))("%s: 42 CFR Part 136, then the manual section", (_rule, citation) => {
    // 2-3.5A: "The CFR, Title 42 Part 136 is the appropriate citation ... This IHM chapter should not be cited as the
    // authority for making decisions on eligibility or payment denials."
    expect(citation).toMatch(/^42 CFR (136\.\d+|Part 136)\b.*; 002_54f1b591d119edca\.txt, 2-3\.\d+[A-Z]/);
  });

  it.each([
    ["not-eligible", "42 CFR 136.23", "2-3.6B"],
    ["left-chsda-over-180-days", "42 CFR 136.23", "2-3.9D"],
    ["no-prior-notification", "42 CFR 136.24", "2-3.9A(2)"],
    ["late-emergency-notification", "42 CFR 136.24", "2-3.9A(3)"],
    ["refused-alternate-resource", "42 CFR 136.61", "2-3.8F(2)"],
    ["alternate-resource-medicare", "42 CFR 136.61", "2-3.8A(1)"],
    ["alternate-resource-tribal-self-insurance", "42 CFR 136.61", "2-3.8I(1)"],
    ["excluded-service", "42 CFR 136.23(e)", "2-3.5C(1)"],
  ])("%s cites %s and the operative subsection %s", (rule, regulation, subsection) => {
    const citation = denials.find((r) => r.name === rule)!.event.params.citation as string;
    expect(citation.startsWith(regulation)).toBe(true);
    expect(citation).toContain(subsection);
  });
});
