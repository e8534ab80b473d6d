/**
 * Before a version is stored it must be evaluable: published versions are immutable, so one that compiles but
 * cannot be evaluated (issue 11, failure 11: a 50,000-rule policy published 201, then every evaluate was a 500)
 * would stay broken for good. The compiled policy is run, by the fast evaluator and by the json-rules-engine
 * reference, on the test cases sent with it and on requests made from its request schema. Runs in the compile
 * worker (compile-pool.ts), never on the server's event loop.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { createEvaluator, type Decision, type Evaluator } from "../engine/index.js";
import { createReferenceEvaluator } from "../engine/reference.js";
import { sampleRequests } from "../engine/sample-request.js";
import { caseContext, type CaseManifest, type PolicyTestCase } from "../engine/test-cases.js";

export interface EvaluabilityProblem {
  /** Which request: `test case "…"`, `a request with every field`, `a request with only the required fields`. */
  readonly request: string;
  readonly message: string;
}

/** Above this many rules the reference (json-rules-engine: promises, clones) is skipped: it would cost seconds. */
export const REFERENCE_MAX_RULES = 2000;

const why = (e: unknown): string => (e instanceof RangeError ? `${e.message} (the policy is too large to evaluate)` : e instanceof Error ? e.message : String(e));

/** What went wrong evaluating the policy; empty when every request was decided the same way by both evaluators. */
export async function evaluabilityProblems(policy: CompiledPolicy, manifest: CaseManifest, cases: readonly PolicyTestCase[]): Promise<EvaluabilityProblem[]> {
  let fast: Evaluator;
  try {
    fast = createEvaluator(policy);
  } catch (e) {
    return [{ request: "building the evaluator", message: why(e) }];
  }
  const samples = sampleRequests(policy.requestSchema);
  const runs: { request: string; body: unknown; ctx: Parameters<Evaluator["evaluate"]>[1] }[] = [
    { request: "a request with every field", body: samples.full, ctx: { decisionDate: policy.effective } },
    { request: "a request with only the required fields", body: samples.minimal, ctx: { decisionDate: policy.effective } },
  ];
  for (const c of cases) {
    // Cases with their own parameters are run by the tests route; here the published defaults are what matters.
    if (c.parameters) continue;
    let ctx;
    try {
      ctx = caseContext(fast, manifest, c);
    } catch (e) {
      return [{ request: `the history of test case "${c.name}"`, message: why(e) }];
    }
    runs.push({ request: `test case "${c.name}"`, body: c.request, ctx });
  }
  const reference = policy.rules.length <= REFERENCE_MAX_RULES ? createReferenceEvaluator(policy) : undefined;
  const problems: EvaluabilityProblem[] = [];
  for (const run of runs) {
    // A request the schema refuses is answered 400 before evaluation, so it cannot break evaluation either.
    if (fast.validate(run.body).length > 0) continue;
    let decided: Decision;
    try {
      decided = fast.evaluate(run.body, run.ctx);
      fast.evaluate(run.body, { ...run.ctx, explain: true });
    } catch (e) {
      problems.push({ request: run.request, message: why(e) });
      continue;
    }
    if (!reference) continue;
    try {
      const ref = await reference.evaluate(run.body, run.ctx);
      if (ref.outcome !== decided.outcome || JSON.stringify(ref.fired) !== JSON.stringify(decided.fired)) {
        problems.push({ request: run.request, message: `the two evaluators disagree: ${decided.outcome} (fast) and ${ref.outcome} (json-rules-engine)` });
      }
    } catch (e) {
      problems.push({ request: run.request, message: `json-rules-engine: ${why(e)}` });
    }
  }
  return problems;
}
