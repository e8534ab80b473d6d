/**
 * `analyzePolicy` through real z3: each kind of finding on a policy built to have it, at the rule's line, and the
 * shipped policies (which run clean of warnings but for the one explained in the report).
 */
import { describe, expect, it } from "vitest";
import { analyzePolicy, type Finding } from "../../engine/analysis/analyze.js";
import { counterfactuals } from "../../engine/analysis/counterfactual.js";
import { createEvaluator } from "../../engine/index.js";
import { compileFile } from "../../engine/policy-files.js";
import { readFileSync } from "node:fs";
import { policyWith, sourceWith } from "./helpers.js";

const EXTRA = `
rule never
  when n > 10 and n < 5
  then deny
  code never
  reason "never"
  cite "test"

rule shadowed
  when n > 200
  then approve
  code big
  reason "outranked by r whenever it fires"
  cite "test"

rule odd
  when n > 1000 or m < 0
  then deny
  code odd
  reason "m < 0 never holds: the schema says minimum 0"
  cite "test"

rule silly
  when count(absent(n, s)) <= 2 and s is present
  then approve
  code always-true-part
  reason "two fields are never more than two missing"
  cite "test"
`;

describe("findings on a policy built to have them", () => {
  it("never fires, shadowed, always true, overlap and gap, each at its rule", async () => {
    const p = policyWith("n > 100", EXTRA);
    const source = sourceWith("n > 100", EXTRA);
    const r = await analyzePolicy(p, { sources: { "1": source } });
    expect(r.failures).toEqual([]);
    const by = (code: string): Finding[] => r.findings.filter((f) => f.code === code);
    const lineOf = (rule: string): number => source.split("\n").findIndex((l) => l.startsWith(`rule ${rule}`)) + 1;
    expect(by("analysis-never-fires").map((f) => [f.rule, f.start.line])).toEqual([["never", lineOf("never")]]);
    const shadow = by("analysis-shadowed");
    expect(shadow.map((f) => f.rule)).toEqual(["shadowed"]);
    expect(shadow[0]!.message).toContain(`shadowed by rule \`r\` at line ${p.rules[0]!.event.params.line}`);
    const always = by("analysis-always-true");
    expect(always.map((f) => f.message)).toEqual([expect.stringContaining("`count(absent(n, s)) <= 2`")]);
    expect([always[0]!.start.line, always[0]!.start.column]).toEqual([lineOf("silly") + 1, 8]);
    // Each half of `n > 10 and n < 5` can hold, only together they cannot; `m < 0` cannot (minimum 0).
    const never = by("analysis-always-false");
    expect(never.map((f) => [f.rule, f.start.line, f.start.column])).toEqual([["odd", lineOf("odd") + 1, 20]]);
    // r (deny) and silly (approve) can fire together: an overlap with a proven example.
    const overlap = by("analysis-overlap").find((f) => f.message.includes("`r`") && f.message.includes("`silly`"));
    expect(overlap?.example?.decision.outcome).toBe("deny");
    const ev = createEvaluator(p).evaluate(overlap!.example!.request, { decisionDate: overlap!.example!.decisionDate });
    expect(ev.fired).toEqual(expect.arrayContaining(["r", "silly"]));
    const gap = by("analysis-gap");
    expect(gap).toHaveLength(1);
    expect(gap[0]!.example?.decision.reasons).toEqual(["ok"]);
  });
});

describe("the shipped policies", () => {
  it("ice-tar and usms-claim have no warnings; ihs-chs only its switchable VA parameter", async () => {
    for (const f of ["policies/ice-tar/2005.1.policy", "policies/ice-tar/2010.1.policy", "policies/usms-claim/2000.1.policy", "policies/ihs-chs/2008.1.policy"]) {
      const p = compileFile(f);
      const r = await analyzePolicy(p.compiled!, { sources: { [p.version]: p.source }, overlaps: false });
      expect(r.failures).toEqual([]);
      const warnings = r.findings.filter((x) => x.severity === "warning").map((x) => `${x.code} ${x.rule}`);
      expect(warnings).toEqual(f.includes("ihs-chs") ? ["analysis-always-true alternate-resource-va"] : []);
    }
  }, 30_000);
});

describe("counterfactuals", () => {
  it("the urgent MRI gets approved with an on-site approval; a date of birth is never changed", async () => {
    const p = compileFile("policies/ice-tar/2010.1.policy").compiled!;
    const req = JSON.parse(readFileSync("policies/ice-tar/examples/urgent-mri.json", "utf8")) as Record<string, unknown>;
    const r = await counterfactuals(p, req, { actionable: ["alienNumber", "onsiteApproval", "bundle"], decisionDate: "2010-03-02" });
    expect(r.decision.outcome).toBe("pend");
    const approve = r.alternatives.filter((a) => a.outcome === "approve");
    expect(approve[0]!.changes).toHaveLength(1);
    expect(approve[0]!.changes[0]!.field).toBe("onsiteApproval");
    for (const a of r.alternatives) {
      const altered = structuredClone(req);
      for (const c of a.changes) altered[c.field] = c.to;
      expect(createEvaluator(p).evaluate(altered, { decisionDate: "2010-03-02" }).outcome).toBe(a.outcome);
    }
    // Nothing actionable makes it an emergency: not-required is out of reach.
    expect(r.unreachable).toContain("not-required");

    const chs = compileFile("policies/ihs-chs/2008.1.policy").compiled!;
    const late = JSON.parse(readFileSync("policies/ihs-chs/examples/late-emergency-notice.json", "utf8")) as Record<string, unknown>;
    const c = await counterfactuals(chs, late, { actionable: ["notificationWaived", "alternateResources.paidAmount"], decisionDate: "2008-09-17" });
    expect(c.decision.outcome).toBe("deny");
    expect(c.alternatives[0]).toMatchObject({ outcome: "approve", changes: [{ field: "notificationWaived", from: null, to: true }] });
    for (const a of c.alternatives) for (const ch of a.changes) expect(["notificationWaived", "alternateResources.paidAmount"]).toContain(ch.field);
  });
});
