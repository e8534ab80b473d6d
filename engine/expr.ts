/**
 * The reference interpreter of compiled expressions: a plain tree walk, written for clarity. The generated
 * evaluator (codegen.ts) must agree with it; the differential test checks that it does.
 */
import type { CExpr, CompiledPolicy } from "../dsl/compiled.js";
import { absent, arithmetic, functions, getPath, operators, type FnContext } from "./lib.js";

export interface Env {
  readonly policy: CompiledPolicy;
  readonly params: Readonly<Record<string, unknown>>;
  readonly request: unknown;
  readonly fn: FnContext;
  readonly outcome?: string;
  /** Memo of derived facts already computed for this request. */
  readonly memo: Map<string, unknown>;
}

export function tableValues(policy: CompiledPolicy, name: string): unknown[] {
  const v = policy.tables[name]!.values;
  return Array.isArray(v) ? [...v] : Object.keys(v);
}

/** The derived facts each derived fact reads, per policy (found once, without recursion). */
const dependencies = new WeakMap<CompiledPolicy, Map<string, string[]>>();

function factDependencies(policy: CompiledPolicy): Map<string, string[]> {
  let deps = dependencies.get(policy);
  if (deps) return deps;
  deps = new Map();
  for (const [name, def] of Object.entries(policy.facts)) {
    const found: string[] = [];
    const stack: unknown[] = [def.expr];
    while (stack.length) {
      const o = stack.pop();
      if (!o || typeof o !== "object") continue;
      const fact = (o as { fact?: unknown }).fact;
      if (typeof fact === "string" && Object.hasOwn(policy.facts, fact)) found.push(fact);
      for (const v of Object.values(o)) if (v && typeof v === "object") stack.push(v);
    }
    deps.set(name, found);
  }
  dependencies.set(policy, deps);
  return deps;
}

function computeFact(env: Env, name: string): unknown {
  const def = Object.hasOwn(env.policy.facts, name) ? env.policy.facts[name] : undefined;
  if (def) return interpret(def.expr, env);
  if (Object.hasOwn(env.params, name)) return env.params[name];
  return getPath(env.request, name.split("."));
}

/**
 * A fact's value, memoised per request. The derived facts it depends on are computed first, depth first with an
 * explicit stack, so a chain of a thousand lets never nests a thousand interpreter calls.
 */
export function factValue(env: Env, name: string): unknown {
  if (env.memo.has(name)) return env.memo.get(name);
  const deps = factDependencies(env.policy);
  const stack: { name: string; expanded: boolean }[] = [{ name, expanded: false }];
  // A cycle cannot come from the compiler (lets use only lets above them); if one did, it ends here, not in a loop.
  const open = new Set<string>();
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (env.memo.has(top.name)) {
      stack.pop();
      continue;
    }
    if (!top.expanded) {
      top.expanded = true;
      open.add(top.name);
      for (const d of deps.get(top.name) ?? []) if (!env.memo.has(d) && !open.has(d)) stack.push({ name: d, expanded: false });
      continue;
    }
    stack.pop();
    env.memo.set(top.name, computeFact(env, top.name));
  }
  return env.memo.get(name);
}

export function interpret(e: CExpr, env: Env): unknown {
  if ("lit" in e) return e.lit;
  if ("field" in e) return getPath(env.request, e.field.split("."));
  if ("fact" in e) return factValue(env, e.fact);
  if ("param" in e) return env.params[e.param];
  if ("table" in e) return tableValues(env.policy, e.table);
  if ("outcome" in e) return env.outcome;
  if ("absent" in e) return absent(env.request, e.absent, e.absent.map((p) => p.split(".")));
  if ("lookup" in e) {
    const values = env.policy.tables[e.lookup]!.values as Record<string, unknown>;
    const key = interpret(e.key, env);
    return typeof key === "string" && Object.hasOwn(values, key) ? values[key] : undefined;
  }
  if ("call" in e) {
    const args = e.args.map((a) => interpret(a, env));
    return functions[e.call]!(env.fn, ...args);
  }
  const [a, b] = e.args;
  switch (e.op) {
    case "and":
      return interpret(a!, env) === true && interpret(b!, env) === true;
    case "or":
      return interpret(a!, env) === true || interpret(b!, env) === true;
    case "not":
      return interpret(a!, env) !== true;
    case "neg":
      return arithmetic.neg(interpret(a!, env));
    case "+":
    case "-":
    case "*":
    case "/":
      return arithmetic[e.op](interpret(a!, env), interpret(b!, env));
    default:
      return operators[e.op](interpret(a!, env), interpret(b!, env));
  }
}
