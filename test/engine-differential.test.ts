/**
 * The fast evaluator must equal json-rules-engine: every policy test case and 10,000 generated requests per shipped
 * policy go through both, and outcome, reasons, attributes and fired rules must match exactly. A deliberately broken
 * evaluator shows the comparison can fail.
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { createEvaluator, type Evaluator } from "../engine/index.js";
import { createReferenceEvaluator } from "../engine/reference.js";
import { caseContext, readTestCases, testsFileFor } from "../engine/policy-tests.js";
import type { EvalContext } from "../engine/types.js";
import { shippedPolicies } from "./support/policies.js";
import { requestGenerator } from "./support/request-gen.js";

const GENERATED = 10_000;

const firedSeen = new Set<string>();

async function differences(fast: Evaluator, referencePolicy: CompiledPolicy, inputs: { request: unknown; ctx: EvalContext }[]): Promise<string[]> {
  const reference = createReferenceEvaluator(referencePolicy);
  const diffs: string[] = [];
  firedSeen.clear();
  for (const { request, ctx } of inputs) {
    const a = fast.evaluate(request, ctx);
    const b = await reference.evaluate(request, ctx);
    a.fired.forEach((f) => firedSeen.add(f));
    const pick = (d: typeof a): string => JSON.stringify([d.outcome, d.reasons, d.attributes, d.fired]);
    if (pick(a) !== pick(b)) diffs.push(`${JSON.stringify(request)}\n  fast: ${pick(a)}\n  jre:  ${pick(b)}`);
  }
  return diffs;
}

/** Generated requests with a duplicate-detection history of their own, so `duplicateOf` fires too. */
function generated(policy: CompiledPolicy, n: number, seed: number): { request: unknown; ctx: EvalContext }[] {
  const next = requestGenerator(policy, seed);
  const accepted = new Map<string, string>();
  const requests = Array.from({ length: n }, next);
  // Every tenth request repeats an earlier one's key fields: accept some keys up front.
  for (const r of requests.slice(0, 50)) accepted.set(JSON.stringify([(r["prisoner"] as { number?: unknown } | undefined)?.number, (r["provider"] as { id?: unknown } | undefined)?.id, r["dateOfService"], r["billedAmount"]]), "C0");
  return requests.map((request, i) => ({ request: i % 10 === 0 ? requests[i % 50] : request, ctx: { decisionDate: "2009-03-31", findAccepted: (k) => accepted.get(k) } }));
}

const policies = shippedPolicies().filter((p) => p.compiled);

describe("fast evaluator equals json-rules-engine", () => {
  it("covers every shipped policy", () => expect(policies.length).toBeGreaterThanOrEqual(4));

  it.each(policies.map((p) => [`${p.program} ${p.version}`, p] as const))(`%s: test cases and ${GENERATED} generated requests`, async (_name, p) => {
    const policy = p.compiled!;
    const fast = createEvaluator(policy);
    const cases = readTestCases(testsFileFor(p.file)).map((c) => ({ request: c.request, ctx: caseContext(fast, p.manifest!, c) }));
    const inputs = [...cases, ...generated(policy, GENERATED, 7)];
    const diffs = await differences(fast, policy, inputs);
    expect(diffs.slice(0, 3)).toEqual([]);
    expect(inputs.length).toBeGreaterThanOrEqual(GENERATED);
    // The comparison means something only if every rule fired on some input.
    expect(policy.rules.map((r) => r.name).filter((r) => !firedSeen.has(r))).toEqual([]);
  }, 240_000);

  it.each(policies.map((p) => [`${p.program} ${p.version}`, p] as const))("%s: explanations agree too (rules, conditions, results, values seen)", async (_n, p) => {
    const policy = p.compiled!;
    const fast = createEvaluator(policy);
    const reference = createReferenceEvaluator(policy);
    for (const request of generated(policy, 300, 11)) {
      const a = fast.evaluate(request.request, { ...request.ctx, explain: true });
      const b = await reference.evaluate(request.request, { ...request.ctx, explain: true });
      expect(a.explanation).toEqual(b.explanation);
    }
  });

  it("a deliberately broken evaluator is caught", async () => {
    const policy = policies.find((p) => p.program === "ihs-chs")!.compiled!;
    // Break one comparison in the copy the fast evaluator gets: `<=` becomes `<`, as an off-by-one bug would.
    const broken = JSON.parse(JSON.stringify(policy).replace('"operator":"lessThanInclusive"', '"operator":"lessThan"')) as CompiledPolicy;
    expect(JSON.stringify(broken)).not.toBe(JSON.stringify(policy));
    const diffs = await differences(createEvaluator(broken), policy, generated(policy, 5_000, 3));
    expect(diffs.length).toBeGreaterThan(0);
  }, 120_000);
});
