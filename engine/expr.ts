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

export function factValue(env: Env, name: string): unknown {
  if (env.memo.has(name)) return env.memo.get(name);
  const def = Object.hasOwn(env.policy.facts, name) ? env.policy.facts[name] : undefined;
  let v: unknown;
  if (def) v = interpret(def.expr, env);
  else if (Object.hasOwn(env.params, name)) v = env.params[name];
  else v = getPath(env.request, name.split("."));
  env.memo.set(name, v);
  return v;
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
