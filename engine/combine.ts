/**
 * How the rules that fired become one decision: the outcome listed first in the policy's `outcomes` among the fired
 * rules wins (`otherwise` if none names one); its rules, in file order, are the reasons. Shared by both evaluators,
 * and independent of the order in which json-rules-engine reports events.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { Reason } from "./types.js";

export interface Combined {
  readonly outcome: string;
  readonly reasons: Reason[];
}

/** Per policy: the precedence rank of each rule's outcome (Infinity for rules that only set attributes). */
export function ruleRanks(policy: CompiledPolicy): Int32Array {
  const ranks = new Int32Array(policy.rules.length);
  policy.rules.forEach((r, i) => {
    const k = policy.outcomes.indexOf(r.event.type);
    ranks[i] = k < 0 ? 0x7fffffff : k;
  });
  return ranks;
}

/** `fired` holds rule indices in ascending (file) order. */
export function combine(policy: CompiledPolicy, ranks: Int32Array, fired: readonly number[]): Combined {
  let best = 0x7fffffff;
  for (const i of fired) if (ranks[i]! < best) best = ranks[i]!;
  if (best === 0x7fffffff) {
    const o = policy.otherwise;
    return { outcome: o.outcome, reasons: [{ rule: "otherwise", code: o.code, text: o.text, citation: o.citation }] };
  }
  const reasons: Reason[] = [];
  for (const i of fired) {
    if (ranks[i] !== best) continue;
    const p = policy.rules[i]!.event.params;
    reasons.push({ rule: p.rule, code: p.code ?? "", text: p.text ?? "", citation: p.citation ?? "" });
  }
  return { outcome: policy.outcomes[best]!, reasons };
}
