/**
 * Solver figures (z3-solver, engine/analysis), one JSON line each: z3's start-up, the diff of ice-tar 2005.1 and
 * 2010.1, the diff of ihs-chs 2008.1 against a one-threshold change, the analysis of ihs-chs 2008.1, a
 * counterfactual on ihs-chs, and a generated 200-rule policy (analysis and diff). Warm figures are the median of
 * three runs after a first one, with z3 already started. Timings only; nothing here passes or fails.
 */
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { compilePolicy, type PolicyHost } from "../dsl/index.js";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { analyzePolicy } from "../engine/analysis/analyze.js";
import { counterfactuals } from "../engine/analysis/counterfactual.js";
import { diffPolicies } from "../engine/analysis/diff.js";
import { readAnalysisSettings } from "../engine/analysis/actionable.js";
import { z3 } from "../engine/analysis/z3.js";
import { nodePolicyHost } from "../engine/policy-files.js";
import { referralPolicySource } from "./referral-policy.js";

function emit(figure: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench: "analysis", figure, value: Math.round(value), unit, ...extra }));
}

function compile(source: string, host: PolicyHost): CompiledPolicy {
  const { compiled, diagnostics } = compilePolicy(source, host);
  if (!compiled) throw new Error(diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`).join("\n"));
  return compiled;
}

async function timed<T>(figure: string, run: () => Promise<T>, extra: (r: T) => Record<string, unknown> = () => ({})): Promise<void> {
  const t0 = performance.now();
  const first = await run();
  const cold = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  emit(`${figure}-first`, cold, "ms");
  emit(`${figure}-warm-median`, times[1]!, "ms", extra(first));
}

const t0 = performance.now();
await z3();
emit("z3-init", performance.now() - t0, "ms", { z3: "z3-solver 5.2.0" });

const ice = nodePolicyHost("policies/ice-tar");
const ice05 = compile(readFileSync("policies/ice-tar/2005.1.policy", "utf8"), ice);
const ice10 = compile(readFileSync("policies/ice-tar/2010.1.policy", "utf8"), ice);
await timed("diff-ice-tar-2005.1-2010.1", () => diffPolicies(ice05, ice10), (r) => ({ verdict: r.verdict, transitions: r.transitions.map((t) => `${t.from}->${t.to}`), solverCalls: r.stats.solverCalls }));

const chsHost = nodePolicyHost("policies/ihs-chs");
const chsSource = readFileSync("policies/ihs-chs/2008.1.policy", "utf8");
const chs = compile(chsSource, chsHost);
const chs91 = compile(chsSource.replace(/maxTravelMinutes:\n {4}value: 90/, "maxTravelMinutes:\n    value: 91"), chsHost);
await timed("diff-ihs-chs-2008.1-travel-90-to-91", () => diffPolicies(chs, chs91), (r) => ({ verdict: r.verdict, transitions: r.transitions.map((t) => `${t.from}->${t.to}`), solverCalls: r.stats.solverCalls }));
await timed("analyze-ihs-chs-2008.1", () => analyzePolicy(chs), (r) => ({ findings: r.findings.length, solverCalls: r.stats.solverCalls }));

const late = JSON.parse(readFileSync("policies/ihs-chs/examples/late-emergency-notice.json", "utf8")) as Record<string, unknown>;
const { actionable } = readAnalysisSettings("policies/ihs-chs");
await timed("counterfactual-ihs-chs-late-emergency", () => counterfactuals(chs, late, { actionable, decisionDate: "2008-09-17" }), (r) => ({ alternatives: r.alternatives.map((a) => `${a.outcome}: ${a.changes.map((c) => c.field).join(", ")}`) }));

// A generated policy of 200 rules over the ihs-chs schema (bench/referral-policy.ts), and the same with one cap raised.
const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const bigSource = referralPolicySource(200 - 48);
const big = compile(bigSource, host);
const big2 = compile(bigSource.replace('service.category = "cat-100" and service.estimatedCost > 51000', 'service.category = "cat-100" and service.estimatedCost > 51001'), host);
await timed("analyze-200-rules-without-overlaps", () => analyzePolicy(big, { overlaps: false }), (r) => ({ rules: big.rules.length, findings: r.findings.length, solverCalls: r.stats.solverCalls }));
await timed("diff-200-rules-one-cap", () => diffPolicies(big, big2), (r) => ({ verdict: r.verdict, transitions: r.transitions.map((t) => `${t.from}->${t.to}`), solverCalls: r.stats.solverCalls }));
// The overlap search is quadratic in rules with different outcomes: it had not finished after 8 minutes at 200 rules,
// so it runs only when asked (BENCH_ANALYSIS_OVERLAPS=1).
if (process.env["BENCH_ANALYSIS_OVERLAPS"] === "1") {
  const tb = performance.now();
  const withOverlaps = await analyzePolicy(big);
  emit("analyze-200-rules-with-overlaps", performance.now() - tb, "ms", { findings: withOverlaps.findings.length, solverCalls: withOverlaps.stats.solverCalls });
}
process.exit(0);
