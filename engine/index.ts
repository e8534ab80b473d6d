/**
 * Evaluation. `createEvaluator` loads a compiled policy once and returns the fast synchronous evaluator the server,
 * batches and simulations use. The json-rules-engine reference is in reference.ts, kept out of this module so the
 * browser bundle does not carry it.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { generateEvaluator } from "./codegen.js";
import { todayUtc } from "./lib.js";
import { parameterValues } from "./parameters.js";
import { requestValidator, type RequestIssue } from "./request.js";
import type { Decision, EvalContext } from "./types.js";

export type { EvaluatorOptions } from "./parameters.js";
import type { EvaluatorOptions } from "./parameters.js";

export interface Evaluator {
  readonly program: string;
  readonly version: string;
  readonly hash: string;
  readonly policy: CompiledPolicy;
  /** Schema violations of a request, as JSON pointers; empty when valid. */
  validate(request: unknown): RequestIssue[];
  /** Synchronous; never throws on a request that validates. */
  evaluate(request: unknown, ctx?: EvalContext): Decision;
}

export function createEvaluator(policy: CompiledPolicy, opts: EvaluatorOptions = {}): Evaluator {
  const params = parameterValues(policy, opts.parameters);
  const { run, explain } = generateEvaluator(policy, params);
  const validate = requestValidator(policy.requestSchema);
  return {
    program: policy.program,
    version: policy.version,
    hash: policy.hash,
    policy,
    validate,
    evaluate(request, ctx = {}) {
      const fn = { today: ctx.decisionDate ?? todayUtc(), ...(ctx.findAccepted ? { findAccepted: ctx.findAccepted } : {}) };
      const r = (ctx.explain ? explain : run)(request, fn);
      const decision: Decision = {
        program: policy.program,
        version: policy.version,
        outcome: r.combined.outcome,
        reasons: r.combined.reasons,
        attributes: r.attributes,
        fired: r.fired.map((i) => policy.rules[i]!.name),
      };
      return r.trace ? { ...decision, explanation: r.trace } : decision;
    },
  };
}

// Duplicate keys and the accepted claims hosts remember: engine/duplicates.ts.
export { detectsDuplicates } from "./duplicates.js";
export { resolveVersion, type VersionDates } from "./versions.js";
export type { Decision, EvalContext, Reason, RuleTrace } from "./types.js";
export type { RequestIssue } from "./request.js";
export { parameterValues } from "./parameters.js";
