/**
 * The solver-backed commands (engine/analysis):
 *   precept diff OLD NEW [--json]            OLD and NEW: policy files or PROGRAM@VERSION; exit 0 equivalent,
 *                                            1 different, 2 unknown or error
 *   precept analyze FILE… [--json]           findings as file:line:col: severity: message [code]; exit 1 on warnings
 *   precept eval … --counterfactual          (in main.ts) the nearest requests with another outcome
 */
import { existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { Diagnostic } from "../dsl/diagnostics.js";
import { readAnalysisSettings } from "../engine/analysis/actionable.js";
import { analyzePolicy, type Finding } from "../engine/analysis/analyze.js";
import { counterfactuals, type CounterfactualResult } from "../engine/analysis/counterfactual.js";
import { diffPolicies, type DiffResult, type Example } from "../engine/analysis/diff.js";
import type { DecisionSummary } from "../engine/analysis/witness.js";
import { compileFile, loadPolicyDir, type PolicyFile } from "../engine/policy-files.js";

export class AnalysisUsageError extends Error {}

/** A policy file path, or PROGRAM@VERSION under policies/. */
export function resolvePolicy(target: string): PolicyFile {
  if (existsSync(target)) return compileFile(target);
  const m = /^([a-z0-9-]+)@(.+)$/.exec(target);
  if (!m) throw new AnalysisUsageError(`no such policy file, and not PROGRAM@VERSION: ${target}`);
  const p = loadPolicyDir("policies").find((x) => x.program === m[1] && x.version === m[2]);
  if (!p) throw new AnalysisUsageError(`no policy ${m[1]} version ${m[2]} under policies/`);
  return p;
}

function compiled(p: PolicyFile): CompiledPolicy {
  if (p.compiled) return p.compiled;
  const errors = p.diagnostics.filter((d: Diagnostic) => d.severity === "error");
  throw new AnalysisUsageError(`${p.file} does not compile:\n${errors.map((d) => `  ${d.start.line}:${d.start.column}: ${d.message}`).join("\n")}`);
}

function decisionText(version: string, d: DecisionSummary): string {
  const attrs = Object.keys(d.attributes).length ? ` ${JSON.stringify(d.attributes)}` : "";
  return `${version}: ${d.outcome} [${d.reasons.join(", ")}]${attrs}`;
}

function exampleText(r: DiffResult, e: Example): string[] {
  return [
    `      example (decision date ${e.decisionDate}): ${JSON.stringify(e.request)}`,
    `        ${decisionText(r.old.version, e.old)}`,
    `        ${decisionText(r.new.version, e.new)}`,
  ];
}

export function formatDiff(r: DiffResult): string {
  const out = [`${r.old.program} ${r.old.version} -> ${r.new.version}: ${r.verdict}`];
  for (const t of r.transitions) {
    out.push(`  ${t.from} -> ${t.to}`);
    for (const g of t.regions) out.push(`    where ${g.where}`, ...exampleText(r, g.example));
    if (t.more) out.push("    … and more regions");
  }
  for (const [title, list] of [["reasons differ with the same outcome", r.reasons], ["attributes differ with the same outcome", r.attributes]] as const) {
    if (!list.length) continue;
    out.push(`  ${title}:`);
    for (const c of list) {
      out.push(`    ${c.what === "reasons" ? "" : `attribute ${c.what}, `}outcome ${c.outcome}`);
      for (const g of c.regions) out.push(`      where ${g.where}`, ...exampleText(r, g.example).map((l) => `  ${l}`));
      if (c.more) out.push("      … and more regions");
    }
  }
  for (const u of r.unknown) out.push(`  unknown: ${u}`);
  for (const f of r.failures) out.push(`  ENCODING BUG: ${f.message}`);
  return out.join("\n");
}

export async function diffCmd(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const [a, b, ...rest] = args.filter((x) => !x.startsWith("--"));
  if (!a || !b || rest.length) throw new AnalysisUsageError("usage: precept diff OLD NEW [--json]   (files or PROGRAM@VERSION)");
  const r = await diffPolicies(compiled(resolvePolicy(a)), compiled(resolvePolicy(b)));
  process.stdout.write(json ? `${JSON.stringify(r, null, 2)}\n` : `${formatDiff(r)}\n`);
  if (r.failures.length) return 2;
  return r.verdict === "equivalent" ? 0 : r.verdict === "different" ? 1 : 2;
}

/** The file a finding is in: the analysed file, or the sibling file of the version it inherits the rule from. */
function fileOf(p: PolicyFile, f: Finding): string {
  if (f.version === p.version) return p.file;
  const parent = loadPolicyDir(join(dirname(p.file), "..")).find((x) => x.program === p.program && x.version === f.version);
  return parent?.file ?? p.file;
}

export async function analyzeCmd(args: string[]): Promise<number> {
  const json = args.includes("--json");
  const files = args.filter((x) => !x.startsWith("--"));
  if (!files.length) throw new AnalysisUsageError("usage: precept analyze FILE… [--json]");
  let warnings = 0;
  let bugs = 0;
  const results = [];
  for (const target of files) {
    const p = resolvePolicy(target);
    const sources: Record<string, string> = { [p.version]: p.source };
    for (const s of loadPolicyDir(join(dirname(p.file), "..")).filter((x) => x.program === p.program)) sources[s.version] ??= s.source;
    const r = await analyzePolicy(compiled(p), { sources });
    results.push(r);
    warnings += r.findings.filter((f) => f.severity === "warning").length;
    bugs += r.failures.length;
    if (json) continue;
    for (const f of r.findings) {
      console.log(`${relative(process.cwd(), fileOf(p, f))}:${f.start.line}:${f.start.column}: ${f.severity}: ${f.message} [${f.code}]`);
      if (f.example) console.log(`  example (decision date ${f.example.decisionDate}): ${JSON.stringify(f.example.request)} -> ${f.example.decision.outcome}`);
    }
    for (const x of r.inexact) console.log(`${relative(process.cwd(), p.file)}: note: not encoded exactly (answers that depend on it are checked or unknown): ${x}`);
    for (const x of r.failures) console.log(`${relative(process.cwd(), p.file)}: ENCODING BUG: ${x.message}`);
    const counts = (s: string): number => r.findings.filter((f) => f.severity === s).length;
    console.log(`${relative(process.cwd(), p.file)}: ${counts("warning")} warnings, ${counts("info")} informational (${r.stats.ms} ms)`);
  }
  if (json) process.stdout.write(`${JSON.stringify(results.length === 1 ? results[0] : results, null, 2)}\n`);
  return bugs ? 2 : warnings ? 1 : 0;
}

/** For `precept eval … --counterfactual`: the program's actionable fields from its folder. */
export async function counterfactualFor(p: PolicyFile, request: Record<string, unknown>, decisionDate: string | undefined): Promise<CounterfactualResult> {
  const { actionable } = readAnalysisSettings(dirname(p.file));
  return counterfactuals(compiled(p), request, { actionable, ...(decisionDate ? { decisionDate } : {}) });
}
