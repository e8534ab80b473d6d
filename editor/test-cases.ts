/**
 * The policy's test cases (kept by the server with each version: GET/PUT …/versions/{v}/tests), run against the
 * draft in the browser with the same comparison `precept test` uses.
 */
import { stringify as stringifyYaml } from "yaml";
import type { CompiledPolicy } from "../dsl/index.js";
import type { Decision } from "../engine/index.js";
import { runTestCases, type CaseManifest, type PolicyTestCase } from "../engine/test-cases.js";
import { api } from "./api.js";

export interface TestCase extends PolicyTestCase {
  /** Added in this browser session (from the try-it panel) and not saved on the server yet. */
  readonly added?: boolean;
}

export interface CaseResult {
  readonly case: TestCase;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly decision?: Decision;
}

/** The version's test cases as the server keeps them (none when it has none). */
export async function loadTestCases(program: string, version: string): Promise<TestCase[]> {
  return (await api.tests(program, version)).cases;
}

/** The cases as the server stores them: without the browser's own marks. */
export function casesToSave(cases: readonly TestCase[]): PolicyTestCase[] {
  return cases.map(({ added: _added, ...c }) => c);
}

/** The engine's runner (parameters per case included), with each result beside its case. */
export function runCases(policy: CompiledPolicy, manifest: CaseManifest, cases: readonly TestCase[]): CaseResult[] {
  return runTestCases(policy, manifest, cases).map(({ name: _name, ...r }, i) => ({ case: cases[i]!, ...r }));
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
  return stringifyYaml(casesToSave(cases), { lineWidth: 0 });
}
