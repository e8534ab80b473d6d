/**
 * `diffPolicies` on the shipped policies through real z3: every outcome transition the shipped history shows, proven
 * equivalence of rewrites, and one-unit changes each found with an example at the boundary. Every example has
 * been through both evaluators inside diffPolicies; the tests also re-run a few by hand.
 */
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compilePolicy } from "../../dsl/index.js";
import { diffPolicies, type DiffResult } from "../../engine/analysis/diff.js";
import { createEvaluator } from "../../engine/index.js";
import { days } from "./days.js";
import { nodePolicyHost } from "../../engine/policy-files.js";
import { generateRequests, readDescriptors } from "../../engine/simulate/index.js";

function compileVariant(program: string, source: string): CompiledPolicy {
  const { compiled, diagnostics } = compilePolicy(source, nodePolicyHost(`policies/${program}`));
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (!compiled || errors.length) throw new Error(errors.map((d) => `${d.start.line}: ${d.message}`).join("; "));
  return compiled;
}

function shipped(program: string, version: string): { source: string; policy: CompiledPolicy } {
  const source = readFileSync(`policies/${program}/${version}.policy`, "utf8");
  return { source, policy: compileVariant(program, source) };
}

function edit(source: string, from: string | RegExp, to: string): string {
  const out = source.replace(from, to);
  if (out === source) throw new Error(`the edit ${String(from)} does not apply`);
  return out;
}

function examples(r: DiffResult): DiffResult["transitions"][number]["regions"][number]["example"][] {
  return [...r.transitions, ...r.reasons, ...r.attributes].flatMap((t) => t.regions.map((g) => g.example));
}

function clean(r: DiffResult): void {
  expect(r.failures).toEqual([]);
  expect(r.unknown).toEqual([]);
}

const old05 = shipped("ice-tar", "2005.1");
const new10 = shipped("ice-tar", "2010.1");

describe("ice-tar 2005.1 -> 2010.1", () => {
  let result: DiffResult;
  beforeAll(async () => {
    result = await diffPolicies(old05.policy, new10.policy, { regionsPerTransition: 1 });
  });

  it("lists every outcome transition the shipped history shows", async () => {
    const d = readDescriptors("policies").find((x) => x.program === "ice-tar")!;
    const a = createEvaluator(old05.policy);
    const b = createEvaluator(new10.policy);
    const seen = new Set<string>();
    let n = 0;
    for (const req of await generateRequests(d)) {
      n++;
      const x = a.evaluate(req, { decisionDate: "2009-03-31" }).outcome;
      const y = b.evaluate(req, { decisionDate: "2009-03-31" }).outcome;
      if (x !== y) seen.add(`${x}->${y}`);
    }
    expect(n).toBe(110_538);
    expect([...seen].sort()).toEqual(["approve->not-required", "approve->pend", "deny->not-required", "pend->approve", "pend->not-required"]);
    clean(result);
    expect(result.verdict).toBe("different");
    const found = result.transitions.map((t) => `${t.from}->${t.to}`);
    for (const t of seen) expect(found).toContain(t);
  });

  it("shows examples both evaluators decide as claimed", () => {
    const a = createEvaluator(old05.policy);
    const b = createEvaluator(new10.policy);
    for (const t of result.transitions) {
      for (const g of t.regions) {
        expect(a.validate(g.example.request)).toEqual([]);
        expect(a.evaluate(g.example.request, { decisionDate: g.example.decisionDate }).outcome).toBe(t.from);
        expect(b.evaluate(g.example.request, { decisionDate: g.example.decisionDate }).outcome).toBe(t.to);
        expect(g.where.length).toBeGreaterThan(0);
      }
    }
    // The `priority` attribute is new in 2010.1: a same-outcome attribute difference.
    expect(result.attributes.map((x) => x.what)).toContain("priority");
  });
});

describe("rewrites are proven equivalent", () => {
  it("reordering rules with different outcomes and De Morgan rewrites", async () => {
    let src = edit(new10.source, /(rule basic-lab[\s\S]*?\n\n)(# "DIHS will also no longer require[\s\S]*?\n\n)/, "$2$1");
    src = edit(src, "let costlyService = service.category in costly or service.estimatedCost > costThreshold", "let costlyService = not (not (service.category in costly) and not (service.estimatedCost > costThreshold))");
    src = edit(src, "when costlyService and not onsiteApproved", "when not (not costlyService or onsiteApproved)");
    const r = await diffPolicies(new10.policy, compileVariant("ice-tar", src));
    clean(r);
    expect(r.verdict).toBe("equivalent");
    let src05 = edit(old05.source, "when service.category is present and not (service.category in covered) and not (service.category in caseByCase)", "when not (service.category is missing or service.category in covered or service.category in caseByCase)");
    src05 = edit(src05, /(rule tb-chest-xray[\s\S]*?\n\n)(# "facilities noted[\s\S]*?\n\n)(# CSP, general surgery[\s\S]*?\n\n)/, "$3$1$2");
    const r05 = await diffPolicies(old05.policy, compileVariant("ice-tar", src05));
    clean(r05);
    expect(r05.verdict).toBe("equivalent");
  });
});

describe("one-unit changes are found with an example at the boundary", () => {
  it("a threshold one dollar higher", async () => {
    const r = await diffPolicies(new10.policy, compileVariant("ice-tar", edit(new10.source, "value: 2500", "value: 2501")), { regionsPerTransition: 1 });
    clean(r);
    expect(r.verdict).toBe("different");
    for (const e of examples(r)) {
      const cost = (e.request["service"] as { estimatedCost: number }).estimatedCost;
      expect(cost).toBeGreaterThan(2500);
      expect(cost).toBeLessThanOrEqual(2501);
    }
    expect(r.transitions.map((t) => `${t.from}->${t.to}`)).toContain("pend->approve");
  });

  it("`>` turned into `>=`", async () => {
    const r = await diffPolicies(new10.policy, compileVariant("ice-tar", edit(new10.source, "service.estimatedCost > costThreshold", "service.estimatedCost >= costThreshold")), { regionsPerTransition: 1 });
    clean(r);
    expect(r.verdict).toBe("different");
    expect(examples(r).length).toBeGreaterThan(0);
    for (const e of examples(r)) expect((e.request["service"] as { estimatedCost: number }).estimatedCost).toBe(2500);
  });

  it("one category added to a table", async () => {
    const r = await diffPolicies(old05.policy, compileVariant("ice-tar", edit(old05.source, "prenatal, dental, vision, ambulance]", "prenatal, dental, vision, ambulance, hearing]")), { regionsPerTransition: 1 });
    clean(r);
    // Scheduled surgery stays case by case; a hearing service was denied as not covered, now it is reviewed
    // (pend), or approved when the on-site physician authorized it.
    expect(r.transitions.map((t) => `${t.from}->${t.to}`).sort()).toEqual(["deny->approve", "deny->pend"]);
    for (const e of examples(r)) expect((e.request["service"] as { category: string }).category).toBe("hearing");
  });

  it("a 180-day window made 181", async () => {
    // The shipped policy as it is, the us-federal calendar of its responseDue included (encoded exactly).
    const chs = shipped("ihs-chs", "2008.1");
    const base = chs.policy;
    const variant = compileVariant("ihs-chs", edit(chs.source, /eligibilityWindowDays:\n {4}value: 180/, "eligibilityWindowDays:\n    value: 181"));
    const r = await diffPolicies(base, variant, { regionsPerTransition: 1 });
    clean(r);
    expect(r.verdict).toBe("different");
    expect(examples(r).length).toBeGreaterThan(0);
    for (const e of examples(r)) {
      const p = e.request["patient"] as { leftChsdaOn?: string; studiesCompletedOn?: string };
      const dos = e.request["dateOfService"] as string;
      const windows = [p.leftChsdaOn, p.studiesCompletedOn].filter((x): x is string => !!x).map((x) => days(x, dos));
      expect(windows).toContain(181);
    }
  }, 120_000);
});
