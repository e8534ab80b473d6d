/**
 * (Node only) Policy test cases: `<version>.tests.yaml` beside each policy, each a request and the decision it must
 * get. Shared by `precept test` and the vitest suites; also measures which rules and conditions no case exercised.
 */
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { testCaseIssues } from "./test-case-schema.js";
import type { CaseResult, PolicyTestCase } from "./test-cases.js";

export { caseContext, compareDecision, runTestCases, type CaseResult, type PolicyTestCase } from "./test-cases.js";

export function testsFileFor(policyFile: string): string {
  return policyFile.replace(/\.policy$/, ".tests.yaml");
}

export function readTestCases(file: string): PolicyTestCase[] {
  if (!existsSync(file)) return [];
  const data = parseYaml(readFileSync(file, "utf8")) as unknown;
  if (!Array.isArray(data)) throw new Error(`${file}: expected a list of test cases`);
  const issues = testCaseIssues(data);
  if (issues.length > 0) throw new Error(`${file}: ${issues.slice(0, 5).map((i) => `${i.path} ${i.message}`).join("; ")}`);
  return data as PolicyTestCase[];
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
