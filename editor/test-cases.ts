/**
 * The policy's test cases (policies/<program>/<version>.tests.yaml), run against the draft in the browser with the
 * same comparison `precept test` uses. The server has no route for test files yet, so they are bundled: each file
 * is its own small chunk, loaded when a program's tests are first needed.
 */
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { CompiledPolicy } from "../dsl/index.js";
import { createEvaluator, type Decision } from "../engine/index.js";
import { caseContext, compareDecision, type PolicyTestCase } from "../engine/test-cases.js";

export interface TestCase extends PolicyTestCase {
  /** Added in this browser session (from the try-it panel), not in the shipped file. */
  readonly added?: boolean;
}

export interface CaseResult {
  readonly case: TestCase;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly decision?: Decision;
}

const files = import.meta.glob<string>("../policies/*/*.tests.yaml", { query: "?raw", import: "default" });

/** The shipped test cases of a version (none when there is no file). */
export async function loadTestCases(program: string, version: string): Promise<TestCase[]> {
  const load = files[`../policies/${program}/${version}.tests.yaml`];
  if (!load) return [];
  const data: unknown = parseYaml(await load());
  return Array.isArray(data) ? (data as TestCase[]) : [];
}

export function runCases(policy: CompiledPolicy, cases: readonly TestCase[]): CaseResult[] {
  const evaluator = createEvaluator(policy);
  return cases.map((c) => {
    const issues = evaluator.validate(c.request);
    if (issues.length) return { case: c, passed: false, problems: issues.map((i) => `request ${i.path} ${i.message}`) };
    try {
      const decision = evaluator.evaluate(c.request, caseContext(evaluator, c, true));
      const problems = compareDecision(decision, c.want);
      return { case: c, passed: problems.length === 0, problems, decision };
    } catch (e) {
      return { case: c, passed: false, problems: [`evaluation failed: ${e instanceof Error ? e.message : String(e)}`] };
    }
  });
}

/** A new case from a request and the decision the draft gives it (the author checks the decision is right). */
export function caseFromDecision(name: string, request: unknown, decision: Decision, decisionDate?: string): TestCase {
  const attributes = Object.fromEntries(Object.entries(decision.attributes).filter(([, v]) => v !== undefined));
  return {
    name,
    ...(decisionDate ? { decisionDate } : {}),
    request,
    want: { outcome: decision.outcome, reasons: decision.reasons.map((r) => r.code), ...(Object.keys(attributes).length ? { attributes } : {}) },
    added: true,
  };
}

/** Cases as a tests.yaml file. */
export function casesToYaml(cases: readonly TestCase[]): string {
  return stringifyYaml(cases.map(({ added: _added, ...c }) => c), { lineWidth: 0 });
}
