/**
 * Policy test cases (browser-safe): a request and the decision it must get. Shared by `precept test`, the vitest
 * suites and the editor's tests panel; policy-tests.ts adds the file reading and coverage for Node.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { duplicatesOf, InMemoryAcceptedClaims } from "./duplicates.js";
import { createEvaluator, type Evaluator } from "./index.js";
import { requestIdOf, type ProgramManifest } from "./program-manifest.js";
import type { Decision, EvalContext } from "./types.js";

/** What the cases need of the program's manifest: the request id and the accepting outcomes. */
export type CaseManifest = Pick<ProgramManifest, "requestId" | "outcomes">;

export interface PolicyTestCase {
  readonly name: string;
  readonly decisionDate?: string;
  /** Parameter values for this case: a modelling choice tested the other way. */
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly request: unknown;
  readonly history?: readonly unknown[];
  readonly want: { readonly outcome: string; readonly reasons?: readonly string[]; readonly attributes?: Readonly<Record<string, unknown>> };
}

export interface CaseResult {
  readonly name: string;
  readonly passed: boolean;
  readonly problems: readonly string[];
  readonly decision?: Decision;
}

/** The context of one case: its decision date and the accepted requests of its history. */
export function caseContext(evaluator: Evaluator, manifest: CaseManifest, c: PolicyTestCase, explain = false): EvalContext {
  const accepted = new InMemoryAcceptedClaims();
  const duplicates = duplicatesOf(evaluator.policy, manifest.outcomes.accept, accepted);
  const base: EvalContext = {
    ...(c.decisionDate ? { decisionDate: String(c.decisionDate) } : {}),
    findAccepted: (key) => accepted.find(key),
  };
  (c.history ?? []).forEach((h, i) => {
    const d = evaluator.evaluate(h, base);
    duplicates?.record(h, d, requestIdOf(manifest, h) ?? `history[${i}]`);
  });
  return { ...base, ...(explain ? { explain: true } : {}) };
}

/** Does `decision` meet `want`? Returns what differs, in words. */
export function compareDecision(decision: Decision, want: PolicyTestCase["want"]): string[] {
  const problems: string[] = [];
  if (decision.outcome !== want.outcome) problems.push(`outcome: want ${want.outcome}, got ${decision.outcome}`);
  if (want.reasons) {
    const got = decision.reasons.map((r) => r.code);
    if (JSON.stringify(got) !== JSON.stringify(want.reasons)) problems.push(`reasons: want [${want.reasons.join(", ")}], got [${got.join(", ")}]`);
  }
  for (const [k, v] of Object.entries(want.attributes ?? {})) {
    const got = decision.attributes[k];
    // `null` wants the attribute not set (a decision never carries null: a missing value is left out).
    if (v === null ? got !== undefined && got !== null : JSON.stringify(got) !== JSON.stringify(v)) {
      problems.push(`attribute ${k}: want ${v === null ? "nothing" : JSON.stringify(v)}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
    }
  }
  return problems;
}

/**
 * Runs the cases; a case with `parameters` runs under an evaluator with those values (one per distinct set).
 * Never throws: a request the schema refuses, parameters the policy lacks, or a failing evaluator fail the case.
 */
export function runTestCases(policy: CompiledPolicy, manifest: CaseManifest, cases: readonly PolicyTestCase[]): CaseResult[] {
  const evaluators = new Map<string, Evaluator>([["", createEvaluator(policy)]]);
  return cases.map((c) => {
    const fail = (problems: string[]): CaseResult => ({ name: c.name, passed: false, problems });
    let evaluator: Evaluator;
    try {
      const key = c.parameters ? JSON.stringify(c.parameters) : "";
      evaluator = evaluators.get(key) ?? createEvaluator(policy, { parameters: c.parameters ?? {} });
      evaluators.set(key, evaluator);
    } catch (e) {
      return fail([`parameters: ${e instanceof Error ? e.message : String(e)}`]);
    }
    const issues = evaluator.validate(c.request);
    if (issues.length) return fail(issues.map((i) => `request ${i.path} ${i.message}`));
    try {
      const decision = evaluator.evaluate(c.request, caseContext(evaluator, manifest, c, true));
      const problems = compareDecision(decision, c.want);
      return { name: c.name, passed: problems.length === 0, problems, decision };
    } catch (e) {
      return fail([`evaluation failed: ${e instanceof Error ? e.message : String(e)}`]);
    }
  });
}
