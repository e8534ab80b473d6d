/**
 * The reference: the compiled rules run by json-rules-engine itself, with derived facts from the interpreter. Slow
 * (promises, clones), so it serves tests and `precept eval --reference`, never the server's hot path.
 */
import { Engine, type Almanac, type RuleResult } from "json-rules-engine";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { combine, ruleRanks } from "./combine.js";
import { factValue, interpret, type Env } from "./expr.js";
import { operators, todayUtc } from "./lib.js";
import { parameterValues, type EvaluatorOptions } from "./parameters.js";
import type { ConditionTrace, Decision, EvalContext, RuleTrace } from "./types.js";

const ENV = "$env";

export interface ReferenceEvaluator {
  evaluate(request: unknown, ctx?: EvalContext): Promise<Decision>;
}

export function createReferenceEvaluator(policy: CompiledPolicy, opts: EvaluatorOptions = {}): ReferenceEvaluator {
  const params = parameterValues(policy, opts.parameters);
  // One engine per version; runs are serialised below because one Engine is not safe for concurrent runs.
  const engine = new Engine([], { allowUndefinedFacts: true });
  for (const name of policy.operators) engine.addOperator(name, operators[name]);
  const ids = new Set<string>([...Object.keys(policy.facts), ...Object.keys(params), ...policy.inputs]);
  const rulesFacts = (c: unknown): void => {
    if (!c || typeof c !== "object") return;
    const o = c as Record<string, unknown>;
    if (typeof o["fact"] === "string") ids.add(o["fact"]);
    for (const v of Object.values(o)) if (typeof v === "object") rulesFacts(v);
  };
  policy.rules.forEach((r) => rulesFacts(r));
  for (const id of ids) {
    engine.addFact(id, async (_p: unknown, almanac: Almanac) => factValue((await almanac.factValue(ENV)) as Env, id), { cache: true });
  }
  policy.rules.forEach((r, i) => engine.addRule({ ...structuredClone(r), priority: 1, name: String(i) } as never));
  const ranks = ruleRanks(policy);
  let queue: Promise<unknown> = Promise.resolve();

  async function run(request: unknown, ctx: EvalContext): Promise<Decision> {
    const env: Env = {
      policy,
      params,
      request,
      fn: { today: ctx.decisionDate ?? todayUtc(), ...(ctx.findAccepted ? { findAccepted: ctx.findAccepted } : {}) },
      memo: new Map(),
    };
    const { results, failureResults, almanac } = await engine.run({ [ENV]: env });
    const firedResults = new Map<number, RuleResult>();
    for (const r of results) firedResults.set(Number(r.name), r);
    const fired = [...firedResults.keys()].sort((a, b) => a - b);
    const attributes: Record<string, unknown> = {};
    for (const i of fired) {
      // `set` values that name a fact are read from the run's almanac (json-rules-engine's own fact cache).
      for (const [k, v] of Object.entries(policy.rules[i]!.event.params.set)) {
        const value = typeof v === "object" ? await almanac.factValue(v.fact) : v;
        if (value !== undefined) attributes[k] = value;
      }
    }
    const combined = combine(policy, ranks, fired);
    const withOutcome: Env = { ...env, outcome: combined.outcome };
    for (const a of policy.attributes) {
      if (a.when && interpret(a.when, withOutcome) !== true) continue;
      const v = interpret(a.expr, withOutcome);
      if (v !== undefined) attributes[a.name] = v;
    }
    const decision: Decision = {
      program: policy.program,
      version: policy.version,
      outcome: combined.outcome,
      reasons: combined.reasons,
      attributes,
      fired: fired.map((i) => policy.rules[i]!.name),
    };
    if (!ctx.explain) return decision;
    const all = [...results, ...failureResults].sort((a, b) => Number(a.name) - Number(b.name));
    return { ...decision, explanation: all.map((r) => traceOf(policy, r)) };
  }

  return {
    evaluate(request, ctx = {}) {
      const next = queue.then(() => run(request, ctx));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}

function traceOf(policy: CompiledPolicy, r: RuleResult): RuleTrace {
  const rule = policy.rules[Number(r.name)]!;
  const conditions: ConditionTrace[] = [];
  const walk = (c: unknown, negated: boolean): void => {
    const o = c as Record<string, unknown>;
    for (const k of ["all", "any"]) if (Array.isArray(o[k])) (o[k] as unknown[]).forEach((x) => walk(x, negated));
    if (o["not"]) walk(o["not"], !negated);
    if (typeof o["fact"] === "string") {
      const values: Record<string, unknown> = { [o["fact"]]: o["factResult"] ?? null };
      const v = o["value"] as { fact?: string } | undefined;
      if (v && typeof v === "object" && !Array.isArray(v) && v.fact) values[v.fact] = o["valueResult"] ?? null;
      conditions.push({ condition: String(o["name"]), result: o["result"] === true, ...(negated ? { negated: true } : {}), values });
    }
  };
  walk((r as unknown as { conditions: unknown }).conditions, false);
  return {
    rule: rule.name,
    fired: r.result === true,
    ...(rule.event.type === "attributes" ? {} : { outcome: rule.event.type }),
    line: rule.event.params.line,
    ...(rule.event.params.from === undefined ? {} : { from: rule.event.params.from }),
    conditions,
  };
}
