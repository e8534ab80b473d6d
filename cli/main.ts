/**
 * `precept`: check, compile, evaluate and test policy files from the shell.
 *   precept check FILE…                   diagnostics as file:line:col: severity: message (exit 1 on errors)
 *   precept compile FILE                  the compiled policy as JSON on stdout
 *   precept eval PROGRAM@VERSION REQUEST  the decision (with explanation) as JSON; --reference uses json-rules-engine,
 *                                         --date=YYYY-MM-DD fixes the decision date
 *   precept test [FILE|DIR…] [--coverage] runs the policies' test cases; ends with `N passed, N failed`
 *   precept diff OLD NEW, precept analyze FILE, eval --counterfactual: the solver-backed commands (cli/analysis.ts)
 *   precept fmt FILE|DIR… [--check]       lays the DSL out the one canonical way (dsl/format.ts), in place; with
 *                                         --check, changes nothing and exits 1 if a file is not formatted
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import type { Diagnostic } from "../dsl/diagnostics.js";
import { formatPolicy } from "../dsl/format.js";
import { createEvaluator } from "../engine/index.js";
import { createReferenceEvaluator } from "../engine/reference.js";
import { compileFile, loadPolicyDir, type PolicyFile } from "../engine/policy-files.js";
import { coverageGaps, readTestCases, runTestCases, testsFileFor } from "../engine/policy-tests.js";
import { derivedManifest } from "../engine/program-manifest.js";
import { AnalysisUsageError, analyzeCmd, counterfactualFor, diffCmd, resolvePolicy } from "./analysis.js";
import { simulateCmd } from "./simulate.js";

function formatDiagnostic(file: string, d: Diagnostic): string {
  return `${file}:${d.start.line}:${d.start.column}: ${d.severity}: ${d.message}${d.help ? ` (${d.help})` : ""}`;
}

/** Files named, or every `.policy` file under the folders named. */
function policyFiles(args: string[]): PolicyFile[] {
  const out: PolicyFile[] = [];
  for (const a of args.length ? args : ["policies"]) {
    if (!existsSync(a)) throw new UsageError(`no such file or folder: ${a}`);
    if (statSync(a).isDirectory()) {
      const programs = loadPolicyDir(a);
      // A single program's folder is also accepted.
      out.push(...(programs.length ? programs : loadPolicyDir(join(a, ".."))).filter((p) => p.file.startsWith(a.replace(/\/$/, ""))));
    } else out.push(compileFile(a));
  }
  return out;
}

class UsageError extends Error {}

function check(args: string[]): number {
  let errors = 0;
  let warnings = 0;
  const reported = new Set<string>();
  for (const p of policyFiles(args)) {
    for (const d of p.diagnostics) {
      console.log(formatDiagnostic(relative(process.cwd(), p.file), d));
      if (d.severity === "error") errors++;
      else warnings++;
    }
    // A program.yaml's problems are said once, not once per version beside it.
    for (const m of p.manifestProblems) {
      const line = `${relative(process.cwd(), m.file)}:${m.line}:${m.column}: error: ${m.message}`;
      if (reported.has(line)) continue;
      reported.add(line);
      console.log(line);
      errors++;
    }
  }
  console.log(`${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`);
  return errors > 0 ? 1 : 0;
}

function compileCmd(args: string[]): number {
  if (args.length !== 1) throw new UsageError("usage: precept compile FILE");
  const p = compileFile(args[0]!);
  for (const d of p.diagnostics) console.error(formatDiagnostic(args[0]!, d));
  if (!p.compiled) return 1;
  process.stdout.write(`${JSON.stringify(p.compiled, null, 2)}\n`);
  return 0;
}

async function evalCmd(args: string[]): Promise<number> {
  const reference = args.includes("--reference");
  const dateArg = args.find((a) => a.startsWith("--date="))?.slice("--date=".length);
  const [target, requestFile] = args.filter((a) => !a.startsWith("--"));
  if (!target || !requestFile) throw new UsageError("usage: precept eval PROGRAM@VERSION|FILE.policy REQUEST.json [--reference] [--date=YYYY-MM-DD] [--counterfactual]");
  const p = resolvePolicy(target);
  if (!p.compiled) {
    for (const d of p.diagnostics) console.error(formatDiagnostic(p.file, d));
    return 1;
  }
  const request = JSON.parse(readFileSync(requestFile, "utf8")) as unknown;
  const evaluator = createEvaluator(p.compiled);
  const issues = evaluator.validate(request);
  if (issues.length) {
    for (const i of issues) console.error(`${requestFile}: ${i.path} ${i.message}`);
    return 1;
  }
  const decision = reference
    ? await createReferenceEvaluator(p.compiled).evaluate(request, { explain: true, ...(dateArg ? { decisionDate: dateArg } : {}) })
    : evaluator.evaluate(request, { explain: true, ...(dateArg ? { decisionDate: dateArg } : {}) });
  const counterfactual = args.includes("--counterfactual") ? await counterfactualFor(p, request as Record<string, unknown>, dateArg) : undefined;
  process.stdout.write(`${JSON.stringify(counterfactual ? { ...decision, counterfactual } : decision, null, 2)}\n`);
  return 0;
}

function testCmd(args: string[]): number {
  const coverage = args.includes("--coverage");
  let passed = 0;
  let failed = 0;
  for (const p of policyFiles(args.filter((a) => !a.startsWith("--")))) {
    const name = relative(process.cwd(), p.file);
    if (!p.compiled) {
      for (const d of p.diagnostics.filter((x) => x.severity === "error")) console.log(formatDiagnostic(name, d));
      console.log(`FAIL ${name}: does not compile`);
      failed++;
      continue;
    }
    const cases = readTestCases(testsFileFor(p.file));
    const results = runTestCases(p.compiled, p.manifest ?? derivedManifest(p.compiled), cases);
    for (const r of results) {
      if (r.passed) passed++;
      else {
        failed++;
        console.log(`FAIL ${name}: ${r.name}\n  ${r.problems.join("\n  ")}`);
      }
    }
    console.log(`${name}: ${results.filter((r) => r.passed).length}/${results.length} passed`);
    if (coverage) {
      const gaps = coverageGaps(p.compiled, results);
      console.log(gaps.length ? `  not covered:\n    ${gaps.join("\n    ")}` : "  every rule fired and every condition was seen true and false");
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed > 0 ? 1 : 0;
}

/** `.policy` files named, or under the folders named (recursively). */
function policyPaths(args: string[]): string[] {
  const walk = (p: string): string[] =>
    statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((f) => walk(join(p, f))) : p.endsWith(".policy") ? [p] : [];
  return args.flatMap((a) => {
    if (!existsSync(a)) throw new UsageError(`no such file or folder: ${a}`);
    return statSync(a).isDirectory() ? walk(a) : [a];
  });
}

function fmtCmd(args: string[]): number {
  const check = args.includes("--check");
  const files = policyPaths(args.filter((a) => !a.startsWith("--")));
  if (files.length === 0) throw new UsageError("usage: precept fmt FILE|DIR… [--check]");
  let unformatted = 0;
  let broken = 0;
  for (const file of files) {
    const r = formatPolicy(readFileSync(file, "utf8"));
    if (r.errors.length) {
      broken++;
      for (const d of r.errors) console.error(formatDiagnostic(file, d));
      console.error(`${file}: not formatted (fix the syntax errors first)`);
    } else if (r.changed) {
      unformatted++;
      if (check) console.log(`${file}: not formatted (run precept fmt ${file})`);
      else {
        writeFileSync(file, r.text);
        console.log(`${file}: formatted`);
      }
    }
  }
  const verb = check ? "need formatting" : "formatted";
  console.log(`${files.length} file${files.length === 1 ? "" : "s"}: ${unformatted} ${verb}, ${broken} with syntax errors`);
  return broken > 0 || (check && unformatted > 0) ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...args] = argv;
  switch (cmd) {
    case "check":
      return check(args);
    case "compile":
      return compileCmd(args);
    case "eval":
      return evalCmd(args);
    case "test":
      return testCmd(args);
    case "simulate":
      return simulateCmd(args);
    case "diff":
      return diffCmd(args);
    case "analyze":
      return analyzeCmd(args);
    case "fmt":
      return fmtCmd(args);
    default:
      console.error("usage: precept check FILE… | compile FILE | eval PROGRAM@VERSION REQUEST.json | test [FILE|DIR…] [--coverage] | fmt FILE|DIR… [--check] | diff OLD NEW [--json] | analyze FILE… [--json] | simulate --program P --baseline V --candidate V …");
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof UsageError || err instanceof AnalysisUsageError ? err.message : `precept: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  },
);
