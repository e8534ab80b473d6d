/**
 * Policies too big for one generated function (issue 11, failure 11): past SLOT_MODE_LOCALS the fast evaluator
 * keeps its values in an array and runs in chunks. The chunked form must decide exactly as the plain one, and a
 * policy of 50,000 rules must evaluate (it was a stack overflow on every request).
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { generateEvaluator, SLOT_MODE_LOCALS } from "../../engine/codegen.js";
import { createEvaluator } from "../../engine/index.js";
import { parameterValues } from "../../engine/parameters.js";
import { shipped, shippedPolicies } from "../support/policies.js";
import { requestGenerator } from "../support/request-gen.js";

const fn = { today: "2009-03-31", findAccepted: () => undefined };

describe("chunked evaluator (slot mode)", () => {
  it.each(shippedPolicies().filter((p) => p.compiled).map((p) => [`${p.program} ${p.version}`, p.compiled!] as const))(
    "%s: decides and explains as the plain one on 2,000 generated requests",
    (_name, policy) => {
      const params = parameterValues(policy);
      const plain = generateEvaluator(policy, params);
      const chunked = generateEvaluator(policy, params, { slots: true });
      expect(chunked.source).toContain("V[");
      expect(plain.source).not.toContain("V[");
      const next = requestGenerator(policy, 11);
      for (let i = 0; i < 2000; i++) {
        const request = next();
        expect(chunked.explain(request, fn)).toEqual(plain.explain(request, fn));
        expect(chunked.run(request, fn)).toEqual(plain.run(request, fn));
      }
    },
  );

  it("evaluates a policy of 50,000 rules, with and without the explanation", () => {
    const base = shipped("ice-tar", "2010.1");
    const copies = Math.ceil(50_000 / base.rules.length);
    const rules = Array.from({ length: copies }, (_, k) => base.rules.map((r) => ({ ...r, name: `${r.name}-${k}`, event: { ...r.event, params: { ...r.event.params, rule: `${r.name}-${k}` } } }))).flat();
    const big: CompiledPolicy = { ...base, rules };
    expect(rules.length).toBeGreaterThanOrEqual(50_000);
    const small = createEvaluator(base);
    const ev = createEvaluator(big);
    const next = requestGenerator(base, 3);
    for (let i = 0; i < 20; i++) {
      const request = next();
      const want = small.evaluate(request, { decisionDate: "2010-03-02" });
      const got = ev.evaluate(request, { decisionDate: "2010-03-02", explain: i % 2 === 0 });
      expect(got.outcome).toBe(want.outcome);
      expect(got.fired.length).toBe(want.fired.length * copies);
      if (i % 2 === 0) expect(got.explanation).toHaveLength(rules.length);
    }
    expect(SLOT_MODE_LOCALS).toBeLessThan(rules.length);
    // The deciding variant declares few locals (no local per condition), so it stays plain here; forced into slot
    // mode it must split its top level and its index cases into chunks and still decide the same.
    const params = parameterValues(big);
    const forced = generateEvaluator(big, params, { slots: true });
    const plain = generateEvaluator(big, params);
    expect(plain.source).not.toContain("V[");
    expect(forced.source).toMatch(/^case \d+: \{\ns\d+\(req, F, V, fired, attrs\);$/m);
    for (let i = 0; i < 20; i++) {
      const request = next();
      expect(forced.run(request, fn)).toEqual(plain.run(request, fn));
    }
  }, 180_000);
});
