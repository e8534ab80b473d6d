/**
 * Size limits (dsl/limits.ts) in the compiler itself, where the server tests cannot easily reach: the merged size
 * of a policy and its parent, and that every limit stops compiling instead of overflowing the stack.
 */
import { describe, expect, it } from "vitest";
import * as H from "../../bench/hostile-sources.js";
import { compilePolicy, parsePolicy } from "../../dsl/index.js";
import { checkPolicyLimits, limits } from "../../dsl/limits.js";
import { nodePolicyHost } from "../../engine/policy-files.js";

const disk = nodePolicyHost("policies/ice-tar");

/** `n` rules, each comparing against a literal list of `items` numbers. */
function listRules(prefix: string, n: number, items: number): string {
  const list = Array.from({ length: items }, () => "1").join(",");
  return Array.from({ length: n }, (_, i) => `rule ${prefix}${i}\n  when service.estimatedCost in [${list}]\n  then deny\n  code c\n  cite "c"\n`).join("");
}

describe("size limits", () => {
  it("a policy and the version it extends together past the merged size: limit/policy-size where it is crossed", () => {
    // The same check as in compilePolicy, with small limits: at the real ones the sources take seconds to parse.
    const parent = parsePolicy(H.envelope("1.0") + listRules("p", 3, 40)).body.decls.map((decl) => ({ decl, origin: "1.0" }));
    const childText = H.envelope("2.0") + listRules("k", 3, 40);
    const child = parsePolicy(childText).body.decls.map((decl) => ({ decl }));
    const small = { ...limits, policySize: 200 };
    const reports: { code: string; at: number; origin?: string }[] = [];
    const report = (code: string, span: { start: number }, _m: string, _h: string | undefined, origin?: string): void => void reports.push({ code, at: span.start, ...(origin ? { origin } : {}) });
    expect(checkPolicyLimits(parent, report, small)).toBe(false);
    expect(checkPolicyLimits([...parent, ...child], report, small)).toBe(true);
    // Each rule has 44 nodes (a comparison, a name, a list of 40, the rule's `when`): 132 inherited, the child's
    // second rule crosses 200.
    expect(reports).toEqual([{ code: "limit/policy-size", at: childText.indexOf("rule k1") + 5 }]);
    reports.length = 0;
    expect(checkPolicyLimits([...parent, ...child], report, { ...small, policySize: 100 })).toBe(true);
    expect(reports).toEqual([{ code: "limit/policy-size", at: H.envelope("1.0").length + listRules("p", 2, 40).length + 5, origin: "1.0" }]);
  });

  it.each([
    ["nested parentheses", "limit/nesting-depth", () => H.nestedParens(100_000)],
    ["`not`s", "limit/expression-depth", () => H.manyNots(500_000)],
    ["minus signs", "limit/expression-depth", () => H.envelope() + "rule r when " + "- ".repeat(500_000) + "1 > 0 then deny code c\n"],
    ["a chain of lets", "limit/let-depth", () => H.letChain(9000)],
  ])("%s far past the limit stop compiling with %s, no stack overflow", (_what, code, make) => {
    const source = make();
    const r = compilePolicy(source, disk);
    expect(r.diagnostics.map((d) => d.code)).toContain(code);
    expect(r.compiled).toBeUndefined();
  });

  it("the doubling let source of 500 lines compiles, its lets shared as facts", () => {
    const r = compilePolicy(H.doubling(500), disk);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(Object.keys(r.compiled!.facts)).toHaveLength(500);
    expect(JSON.stringify(r.compiled).length).toBeLessThan(200_000);
  });
});
