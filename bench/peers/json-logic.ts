/**
 * The compiled policy as one JSON Logic document for `json-logic-js`: `{"merge": [{"if": [condition, [ruleId], []]}, …]}`,
 * which gives the ids of the fired rules in file order. JSON Logic has no variables, so the decision itself
 * (precedence, reasons, attributes) is made from that list by the harness with Precept's own combine(), and a
 * derived fact is written out where it is used (`elderlyOrDisabled` twice, as a JSON Logic author would).
 *
 * A translator rather than a hand-written document for the reasons given in zen.ts: the document is 1,913 lines
 * of nested JSON pretty-printed, the translator under 80. JSON Logic has no dates, so `hours` and `years` are added with
 * `add_operation` (its extension mechanism) as Precept's own library functions. Its comparisons are JavaScript's
 * (`null <= 90` is true), so a numeric comparison is guarded with `!== null`: exact for schema-valid requests,
 * where a number field is a number or absent. Equality is `===` (JSON Logic's `==` is JavaScript's loose one).
 */
import jsonLogic from "json-logic-js";
import type { CExpr, CompiledPolicy } from "../../dsl/compiled.js";
import { functions } from "../../engine/lib.js";
import { attributeNames, conditionExpr, literalOf, NotTranslated } from "./shared.js";

const PEER = "json-logic";
type Logic = unknown;

const COMPARE = { lessThan: "<", lessThanInclusive: "<=", greaterThan: ">", greaterThanInclusive: ">=" } as const;

let registered = false;
/** Precept's date functions as JSON Logic operations (null rather than undefined when an input is missing). */
export function registerOperations(): void {
  if (registered) return;
  registered = true;
  const ctx = { today: "1970-01-01" };
  jsonLogic.add_operation("hours", (a: unknown, b: unknown) => functions["hours"]!(ctx, a, b) ?? null);
  jsonLogic.add_operation("years", (a: unknown, b: unknown) => functions["years"]!(ctx, a, b) ?? null);
}

function logic(e: CExpr, policy: CompiledPolicy): Logic {
  if ("lit" in e || "param" in e || "table" in e) {
    const v = literalOf(policy, e);
    // A bare array is read as a list of expressions, which is what a literal list is anyway.
    return v;
  }
  if ("field" in e) return { var: e.field };
  if ("fact" in e) {
    if (Object.hasOwn(policy.facts, e.fact)) return logic(policy.facts[e.fact]!.expr, policy);
    if (Object.hasOwn(policy.parameters, e.fact)) return policy.parameters[e.fact]!.value;
    return { var: e.fact };
  }
  if ("call" in e) {
    if (e.call !== "hours" && e.call !== "years") throw new NotTranslated(PEER, `the function ${e.call}()`);
    return { [e.call]: e.args.map((a) => logic(a, policy)) };
  }
  if (!("op" in e)) throw new NotTranslated(PEER, `the expression ${JSON.stringify(e)}`);
  const [a, b] = e.args.map((x) => logic(x, policy));
  switch (e.op) {
    case "and": return { and: [a, b] };
    case "or": return { or: [a, b] };
    case "not": return { "!": [a] };
    case "equal": return { "===": [a, b] };
    case "notEqual": return { "!==": [a, b] };
    case "lessThan": case "lessThanInclusive": case "greaterThan": case "greaterThanInclusive":
      return { and: [{ "!==": [a, null] }, { [COMPARE[e.op]]: [a, b] }] };
    case "in": return { in: [a, b] };
    case "contains": return { in: [b, a] };
    case "present": return b === true ? { "!": { in: [a, [null, ""]] } } : { in: [a, [null, ""]] };
    default: throw new NotTranslated(PEER, `the operator ${e.op}`);
  }
}

/** The document: fired rule ids, in file order. */
export function toJsonLogic(policy: CompiledPolicy): Logic {
  attributeNames(policy, PEER);
  for (const r of policy.rules) {
    if (Object.values(r.event.params.set).some((v) => typeof v === "object")) throw new NotTranslated(PEER, "an attribute set from a fact");
  }
  return { merge: policy.rules.map((r) => ({ if: [logic(conditionExpr(policy, r.conditions), policy), [r.name], []] })) };
}

export function applyJsonLogic(doc: Logic, request: unknown): string[] {
  return jsonLogic.apply(doc as never, request as never) as unknown as string[];
}
