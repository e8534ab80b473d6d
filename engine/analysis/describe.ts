/**
 * Conditions and regions in the policy's own words: compiled expressions printed back in DSL syntax, with
 * parameters replaced by their values so that two versions with different thresholds read differently.
 */
import type { CCondition, CExpr, CompiledPolicy } from "../../dsl/compiled.js";

const SYMBOL: Record<string, string> = {
  equal: "=",
  notEqual: "!=",
  lessThan: "<",
  lessThanInclusive: "<=",
  greaterThan: ">",
  greaterThanInclusive: ">=",
  in: "in",
  notIn: "not in",
  contains: "contains",
  containsAny: "contains any",
  "+": "+",
  "-": "-",
  "*": "*",
  "/": "/",
  and: "and",
  or: "or",
};

function value(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : Array.isArray(v) ? `[${v.map(value).join(", ")}]` : String(v);
}

/** A fact id as the DSL reads: a parameter by its value, a table by its name, anything else by its name. */
function factName(name: string, params: Readonly<Record<string, unknown>>, policy: CompiledPolicy): string {
  if (!Object.hasOwn(policy.facts, name) && Object.hasOwn(params, name)) return value(params[name]);
  return name;
}

export function renderExpr(e: CExpr, params: Readonly<Record<string, unknown>>, policy: CompiledPolicy): string {
  const r = (x: CExpr): string => {
    const s = renderExpr(x, params, policy);
    return "op" in x && x.op !== "neg" && x.op !== "not" ? `(${s})` : s;
  };
  if ("lit" in e) return value(e.lit);
  if ("field" in e) return e.field;
  if ("fact" in e) return factName(e.fact, params, policy);
  if ("param" in e) return value(params[e.param]);
  if ("table" in e) return e.table;
  if ("outcome" in e) return "outcome";
  if ("absent" in e) return `absent(${e.absent.join(", ")})`;
  if ("lookup" in e) return `${e.lookup}[${renderExpr(e.key, params, policy)}]`;
  if ("call" in e) return `${e.call}(${e.args.map((a) => renderExpr(a, params, policy)).join(", ")})`;
  const [a, b] = e.args;
  if (e.op === "not") return `not ${r(a!)}`;
  if (e.op === "neg") return `-${r(a!)}`;
  if (e.op === "present") return `${r(a!)} ${"lit" in b! && b.lit === false ? "is missing" : "is present"}`;
  return `${r(a!)} ${SYMBOL[e.op] ?? e.op} ${r(b!)}`;
}

export function renderCondition(c: CCondition, params: Readonly<Record<string, unknown>>, policy: CompiledPolicy): string {
  const lhs = factName(c.fact, params, policy);
  const ref = c.value !== null && typeof c.value === "object" && !Array.isArray(c.value) ? (c.value as { fact: string }).fact : undefined;
  const rhs = ref !== undefined ? factName(ref, params, policy) : value(c.value);
  if (c.operator === "present") return `${lhs} ${c.value === false ? "is missing" : "is present"}`;
  if (c.operator === "equal" && c.value === true && Object.hasOwn(policy.facts, c.fact)) return lhs;
  // A table compiled to its values reads better by its name, when the condition's own text names it.
  const named = /^(.*) (not in|in|contains any) ([A-Za-z][A-Za-z0-9_]*)$/.exec(c.name);
  if (named && Array.isArray(c.value) && Object.hasOwn(policy.tables, named[3]!)) return `${lhs} ${SYMBOL[c.operator]} ${named[3]}`;
  return `${lhs} ${SYMBOL[c.operator] ?? c.operator} ${rhs}`;
}

/** A literal of a region: the atom, or its negation in words (only where the words mean exactly the negation). */
export function literalText(text: string, positive: boolean): string {
  if (positive) return text;
  if (/ and | or /.test(text)) return `not (${text})`;
  const pres = /^(.*) is (present|missing)$/.exec(text);
  if (pres) return `${pres[1]} is ${pres[2] === "present" ? "missing" : "present"}`;
  // `!(a === b)` is `a !== b`; `!(x in LIST)` is `x not in LIST` for a list or table
  const eq = /^(\S+) = (.+)$/.exec(text);
  if (eq) return `${eq[1]} != ${eq[2]}`;
  const ne = /^(\S+) != (.+)$/.exec(text);
  if (ne) return `${ne[1]} = ${ne[2]}`;
  const inm = /^(\S+) in (\S+)$/.exec(text);
  if (inm) return `${inm[1]} not in ${inm[2]}`;
  return /\s/.test(text) ? `not (${text})` : `not ${text}`;
}
