/**
 * Evaluation. `createEvaluator` loads a compiled policy once and returns the fast synchronous evaluator the server,
 * batches and simulations use. The json-rules-engine reference is in reference.ts, kept out of this module so the
 * browser bundle does not carry it.
 */
import type { CExpr, CompiledPolicy } from "../dsl/compiled.js";
import { generateEvaluator } from "./codegen.js";
import { interpret } from "./expr.js";
import { duplicateKey, todayUtc } from "./lib.js";
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

const duplicateCalls = new WeakMap<CompiledPolicy, { args: CExpr[] } | null>();
const defaultParams = new WeakMap<CompiledPolicy, Record<string, unknown>>();

/** The policy's `duplicateOf(...)` call (the first, if several), found once per policy. */
function duplicateCall(policy: CompiledPolicy): { args: CExpr[] } | undefined {
  let found = duplicateCalls.get(policy);
  if (found === undefined) {
    found = null;
    const walk = (e: unknown): void => {
      if (found || !e || typeof e !== "object") return;
      const o = e as Record<string, unknown>;
      if (o["call"] === "duplicateOf") found = o as unknown as { args: CExpr[] };
      else for (const v of Object.values(o)) walk(v);
    };
    walk(policy.facts);
    walk(policy.attributes);
    duplicateCalls.set(policy, found);
  }
  return found ?? undefined;
}

/** Does the policy look for duplicates (`duplicateOf(...)`), so that hosts must remember accepted requests? */
export function detectsDuplicates(policy: CompiledPolicy): boolean {
  return duplicateCall(policy) !== undefined;
}

/** The request fields `duplicateOf(...)` keys on, when every argument is a plain field; undefined otherwise. */
export function duplicateKeyFields(policy: CompiledPolicy): string[] | undefined {
  const call = duplicateCall(policy);
  if (!call) return undefined;
  const fields = call.args.map((a) => ("field" in a ? a.field : undefined));
  return fields.every((f): f is string => typeof f === "string") ? fields : undefined;
}

/**
 * The key `duplicateOf(...)` looks up for this request (and under which an accepted one is remembered); undefined
 * when the policy does not look for duplicates or a key value is missing.
 */
export function duplicateKeyOf(policy: CompiledPolicy, request: unknown): string | undefined {
  const call = duplicateCall(policy);
  if (!call) return undefined;
  // Called per request by hosts that remember accepted requests: the parameter values are computed once.
  let params = defaultParams.get(policy);
  if (!params) defaultParams.set(policy, (params = parameterValues(policy)));
  const env = { policy, params, request, fn: { today: todayUtc() }, memo: new Map() };
  const values = call.args.map((a) => interpret(a, env));
  return values.every((v) => v !== undefined && v !== null && v !== "") ? duplicateKey(values) : undefined;
}

/**
 * The key under which a request accepted by this policy is remembered: undefined unless the decision's outcome is
 * one of `accept` (the program manifest's accepting outcomes). Hosts remember the request's id (the manifest's
 * `requestId`) under this key, and return it from `EvalContext.findAccepted`.
 */
export function acceptedKey(policy: CompiledPolicy, request: unknown, decision: Pick<Decision, "outcome">, accept: readonly string[]): string | undefined {
  if (!accept.includes(decision.outcome)) return undefined;
  return duplicateKeyOf(policy, request);
}
export { resolveVersion, type VersionDates } from "./versions.js";
export type { Decision, EvalContext, Reason, RuleTrace } from "./types.js";
export type { RequestIssue } from "./request.js";
export { parameterValues } from "./parameters.js";
