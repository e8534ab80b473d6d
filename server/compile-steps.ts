/**
 * The compile steps the routes share, both on the compile pool (compile-pool.ts): compiling a source, where a hit
 * size limit (`limit/…`) answers 422 `policy-limit` with its located diagnostic; and, before a version is stored,
 * checking that its compiled form can be evaluated (publish-checks.ts), else 422 `policy-unevaluable`.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { Diagnostic } from "../dsl/index.js";
import type { PolicyTestCase } from "../engine/test-cases.js";
import { compilePoolFor } from "./compile-pool.js";
import { AppError } from "./errors.js";
import type { Services } from "./services.js";

const isLimit = (d: Diagnostic): boolean => d.severity === "error" && d.code.startsWith("limit/");

/** Diagnostics an answer carries: 10,000 lets in the wrong order made 10,000 errors, a 3 MB answer. */
export const MAX_DIAGNOSTICS = 200;

/** The first MAX_DIAGNOSTICS, then one note saying how many more there are. */
function capped(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  if (diagnostics.length <= MAX_DIAGNOSTICS) return [...diagnostics];
  const kept = diagnostics.slice(0, MAX_DIAGNOSTICS);
  const last = kept[kept.length - 1]!;
  const more = diagnostics.length - MAX_DIAGNOSTICS;
  const errors = diagnostics.slice(MAX_DIAGNOSTICS).filter((d) => d.severity === "error").length;
  const note: Diagnostic = {
    code: "limit/diagnostics",
    severity: "warning",
    message: `${more} more diagnostics (${errors} of them errors) are not shown`,
    help: "fix the ones shown first, or run `precept check` for the full list",
    start: last.end,
    end: last.end,
  };
  return [...kept, note];
}

function refuseLimits(diagnostics: readonly Diagnostic[]): void {
  const limited = diagnostics.filter(isLimit);
  if (limited.length > 0) {
    throw new AppError("policy-limit", `the policy exceeds a size limit: ${limited[0]!.message}`, { diagnostics: capped(diagnostics) });
  }
}

export async function compileSource(s: Services, source: string): Promise<{ compiled?: CompiledPolicy; diagnostics: Diagnostic[] }> {
  const { compiled, diagnostics } = await compilePoolFor(s).compile(source, s.host);
  refuseLimits(diagnostics);
  return { ...(compiled ? { compiled } : {}), diagnostics: capped(diagnostics) };
}

/** For answering a draft compile: the compiled policy stays JSON text from the worker to the response. */
export async function compileSourceToText(s: Services, source: string): Promise<{ compiledJson?: string; program?: string; diagnostics: Diagnostic[] }> {
  const r = await compilePoolFor(s).compileToText(source, s.host);
  refuseLimits(r.diagnostics);
  return { ...r, diagnostics: capped(r.diagnostics) };
}

export async function assertEvaluable(s: Services, compiled: CompiledPolicy, cases: readonly PolicyTestCase[]): Promise<void> {
  const problems = await compilePoolFor(s).check(compiled, s.manifests.of(compiled), cases);
  if (problems.length === 0) return;
  const at = { line: 1, column: 1, offset: 0 };
  const diagnostics: Diagnostic[] = problems.slice(0, 20).map((p) => ({
    code: "policy/unevaluable",
    severity: "error",
    message: `the compiled policy cannot evaluate ${p.request}: ${p.message}`,
    start: at,
    end: at,
  }));
  throw new AppError("policy-unevaluable", "the policy compiles but cannot be evaluated, so it is not published", { diagnostics, problems: problems.slice(0, 20) });
}
