/**
 * (Node only) Policy test cases: `<version>.tests.yaml` beside each policy, each a request and the decision it must
 * get. Shared by `precept test` and the vitest suites; also measures which rules and conditions no case exercised.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { acceptedKey, createEvaluator, type Evaluator } from "./index.js";
import type { Decision, EvalContext } from "./types.js";

export interface PolicyTestCase {
  readonly name: string;
  readonly decisionDate?: string;
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

export function testsFileFor(policyFile: string): string {
  return policyFile.replace(/\.policy$/, ".tests.yaml");
}

export function readTestCases(file: string): PolicyTestCase[] {
  if (!existsSync(file)) return [];
  const data = parseYaml(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(data)) throw new Error(`${file}: expected a list of test cases`);
  return data as PolicyTestCase[];
}

/** The context of one case: its decision date and the accepted requests of its history. */
export function caseContext(evaluator: Evaluator, c: PolicyTestCase, explain = false): EvalContext {
  const accepted = new Map<string, string>();
  const idField = ((evaluator.policy.requestSchema as { required?: string[] }).required ?? [])[0];
  const base: EvalContext = {
    ...(c.decisionDate ? { decisionDate: String(c.decisionDate) } : {}),
    findAccepted: (key) => accepted.get(key),
  };
  (c.history ?? []).forEach((h, i) => {
    const d = evaluator.evaluate(h, base);
    const key = acceptedKey(evaluator.policy, h, d);
    const id = idField ? (h as Record<string, unknown>)[idField] : undefined;
    if (key && !accepted.has(key)) accepted.set(key, typeof id === "string" ? id : `history[${i}]`);
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
    if (JSON.stringify(got) !== JSON.stringify(v)) problems.push(`attribute ${k}: want ${JSON.stringify(v)}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`);
  }
  return problems;
}

export function runTestCases(policy: CompiledPolicy, cases: readonly PolicyTestCase[]): CaseResult[] {
  const evaluator = createEvaluator(policy);
  return cases.map((c) => {
    const issues = evaluator.validate(c.request);
    if (issues.length) return { name: c.name, passed: false, problems: issues.map((i) => `request ${i.path} ${i.message}`) };
    const decision = evaluator.evaluate(c.request, caseContext(evaluator, c, true));
    const problems = compareDecision(decision, c.want);
    return { name: c.name, passed: problems.length === 0, problems, decision };
  });
}

/** What no test case exercised: rules that never fired, conditions never seen true or never seen false. */
export function coverageGaps(policy: CompiledPolicy, results: readonly CaseResult[]): string[] {
  const fired = new Set<string>();
  const seen = new Map<string, { t: boolean; f: boolean }>();
  for (const r of results) {
    for (const rule of r.decision?.explanation ?? []) {
      if (rule.fired) fired.add(rule.rule);
      for (const c of rule.conditions) {
        const key = `${rule.rule}\u0000${c.condition}`;
        const s = seen.get(key) ?? { t: false, f: false };
        if (c.result) s.t = true;
        else s.f = true;
        seen.set(key, s);
      }
    }
  }
  const gaps: string[] = [];
  for (const rule of policy.rules) {
    if (!fired.has(rule.name)) gaps.push(`rule ${rule.name} (line ${rule.event.params.line}): never fired`);
  }
  for (const [key, s] of seen) {
    const [rule, cond] = key.split("\u0000");
    if (!s.t) gaps.push(`rule ${rule}: condition \`${cond}\` never true`);
    else if (!s.f) gaps.push(`rule ${rule}: condition \`${cond}\` never false`);
  }
  return gaps;
}
