/**
 * What the peer translators share: the policy's parameters and tables inlined as literals (neither peer has a
 * notion of a versioned parameter, so the document carries the values in force), and the one error they throw
 * for a construct the benchmark policy does not use and the translators do not cover.
 */
import type { CAnyCondition, CCondition, CExpr, CompiledPolicy } from "../../dsl/compiled.js";
import { tableValues } from "../../engine/expr.js";

export class NotTranslated extends Error {
  constructor(peer: string, what: string) {
    super(`${peer}: ${what} is not translated (the peer benchmark covers the constructs of bench/referral-policy.ts)`);
  }
}

/** A condition's value: a literal, or `{ fact }` naming a parameter (inlined) or another fact. */
export function conditionValue(policy: CompiledPolicy, c: CCondition): CExpr {
  const v = c.value as { fact?: string } | unknown;
  if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as { fact?: unknown }).fact === "string") {
    const name = (v as { fact: string }).fact;
    if (Object.hasOwn(policy.parameters, name)) return { lit: policy.parameters[name]!.value };
    return { fact: name };
  }
  return { lit: v };
}

/** A fact named by a condition: a derived fact, a parameter (inlined) or a request field. */
export function factRef(policy: CompiledPolicy, name: string): CExpr {
  if (Object.hasOwn(policy.facts, name)) return { fact: name };
  if (Object.hasOwn(policy.parameters, name)) return { lit: policy.parameters[name]!.value };
  return { field: name };
}

/** A leaf condition as a compiled expression, so each translator only has to know expressions. */
export function leafExpr(policy: CompiledPolicy, c: CCondition): CExpr {
  return { op: c.operator, args: [factRef(policy, c.fact), conditionValue(policy, c)] };
}

/** A rule's condition tree as one compiled expression (`all` → and, `any` → or). */
export function conditionExpr(policy: CompiledPolicy, c: CAnyCondition): CExpr {
  if ("all" in c) return c.all.map((x) => conditionExpr(policy, x)).reduce((a, b) => ({ op: "and", args: [a, b] }));
  if ("any" in c) return c.any.map((x) => conditionExpr(policy, x)).reduce((a, b) => ({ op: "or", args: [a, b] }));
  if ("not" in c) return { op: "not", args: [conditionExpr(policy, c.not)] };
  return leafExpr(policy, c);
}

/** A parameter or table reference, as the literal value in force. */
export function literalOf(policy: CompiledPolicy, e: CExpr): unknown {
  if ("param" in e) return policy.parameters[e.param]!.value;
  if ("table" in e) return tableValues(policy, e.table);
  return (e as { lit: unknown }).lit;
}

/** The attribute names any rule sets, in first-seen order, and refuses what neither peer document carries. */
export function attributeNames(policy: CompiledPolicy, peer: string): string[] {
  if (policy.attributes.length) throw new NotTranslated(peer, "a computed attribute (`attribute … =`)");
  const names: string[] = [];
  for (const r of policy.rules) for (const k of Object.keys(r.event.params.set)) if (!names.includes(k)) names.push(k);
  return names;
}
