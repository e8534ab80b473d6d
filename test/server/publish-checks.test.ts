/**
 * The gate before a version is stored (server/publish-checks.ts): a compiled policy must evaluate, on both
 * evaluators, its test cases and the requests made from its schema. Shipped policies pass it; a compiled policy
 * whose evaluation throws, or whose evaluators disagree, does not.
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { readTestCases, testsFileFor } from "../../engine/policy-tests.js";
import { sampleRequests } from "../../engine/sample-request.js";
import { createEvaluator } from "../../engine/index.js";
import { evaluabilityProblems } from "../../server/publish-checks.js";
import { shipped, shippedManifest, shippedPolicies } from "../support/policies.js";

describe("publish checks", () => {
  it.each(shippedPolicies().filter((p) => p.compiled).map((p) => [`${p.program} ${p.version}`, p] as const))("%s passes with its test cases", async (_n, p) => {
    expect(await evaluabilityProblems(p.compiled!, p.manifest!, readTestCases(testsFileFor(p.file)))).toEqual([]);
  });

  it("the requests made from each shipped schema are valid requests", () => {
    for (const p of shippedPolicies().filter((x) => x.compiled)) {
      const ev = createEvaluator(p.compiled!);
      const { full, minimal } = sampleRequests(p.compiled!.requestSchema);
      expect(ev.validate(full), `${p.program} full`).toEqual([]);
      expect(ev.validate(minimal), `${p.program} minimal`).toEqual([]);
    }
  });

  it("a compiled policy whose evaluation throws is refused, naming the request", async () => {
    const base = shipped("ice-tar", "2010.1");
    const broken: CompiledPolicy = { ...base, attributes: [...base.attributes, { name: "boom", expr: { call: "noSuchFunction", args: [] } }] };
    const problems = await evaluabilityProblems(broken, shippedManifest("ice-tar"), []);
    expect(problems.map((p) => p.request)).toEqual(["a request with every field", "a request with only the required fields"]);
    expect(problems[0]!.message).toMatch(/not a function/);
  });

  it("a compiled policy json-rules-engine cannot run is refused, though the fast evaluator runs it", async () => {
    const base = shipped("ice-tar", "2010.1");
    const rule = { ...base.rules[0]!, conditions: { all: [{ name: "tarId is present", fact: "tarId", operator: "present", value: true }] } };
    // `present` is a custom operator: without it in `operators`, json-rules-engine has no such operator.
    const policy = { ...base, rules: [rule], operators: [] } as unknown as CompiledPolicy;
    expect(() => createEvaluator(policy).evaluate({ tarId: "T-1" })).not.toThrow();
    const problems = await evaluabilityProblems(policy, shippedManifest("ice-tar"), [{ name: "one", request: { tarId: "T-1" }, want: { outcome: "pend" } }]);
    expect(problems.map((p) => p.request)).toContain('test case "one"');
    expect(problems.every((p) => p.message.startsWith("json-rules-engine: "))).toBe(true);
  });
});
