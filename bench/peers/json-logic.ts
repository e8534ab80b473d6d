/**
 * The compiled policy as two JSON Logic documents for `json-logic-js`. JSON Logic has no variables, so the work is
 * in two applications, as a JSON Logic author would split it:
 *   rules     `{"merge": [{"if": [condition, [ruleId], []]}, …]}` over the request: the fired rule ids, file order;
 *   decision  over `{ fired }`: `[outcome, reason rule ids, reason codes, …one value per attribute]` — the first
 *             outcome in precedence order with a fired rule (`some`), its rules (`filter`), their codes (`map`),
 *             and for each attribute the value of the last fired rule that sets it (`reduce`), null if none.
 * A derived fact is written out where it is used (`elderlyOrDisabled` twice).
 *
 * A translator rather than hand-written documents for the reasons given in zen.ts: the two documents are 2,875
 * lines of nested JSON pretty-printed, this file about 110. JSON Logic has no dates, so `hours` and `years` are added with
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

export interface JsonLogicDocs {
  /** Over the request: the ids of the fired rules, in file order. */
  rules: Logic;
  /** Over `{ fired }`: `[outcome, reasonRules, reasonCodes, ...attributeValues]`. */
  decision: Logic;
  /** The attribute names, in the order of the decision's values after the first three. */
  attributes: string[];
}

export function toJsonLogic(policy: CompiledPolicy): JsonLogicDocs {
  const attributes = attributeNames(policy, PEER);
  for (const r of policy.rules) {
    if (Object.values(r.event.params.set).some((v) => typeof v === "object")) throw new NotTranslated(PEER, "an attribute set from a fact");
  }
  const rules = { merge: policy.rules.map((r) => ({ if: [logic(conditionExpr(policy, r.conditions), policy), [r.name], []] })) };

  const fired = { var: "fired" };
  const idsOf = (outcome: string): string[] => policy.rules.filter((r) => r.event.type === outcome).map((r) => r.name);
  const anyOf = (outcome: string): Logic => ({ some: [fired, { in: [{ var: "" }, idsOf(outcome)] }] });
  const byPrecedence = (then: (outcome: string) => Logic, otherwise: Logic): Logic => ({
    if: [...policy.outcomes.flatMap((o) => [anyOf(o), then(o)]), otherwise],
  });
  const o = policy.otherwise;
  const reasons = byPrecedence((out) => ({ filter: [fired, { in: [{ var: "" }, idsOf(out)] }] }), ["otherwise"]);
  const codeOf = { if: [...policy.rules.filter((r) => r.event.type !== "attributes").flatMap((r) => [{ "===": [{ var: "" }, r.name] }, r.event.params.code ?? ""]), o.code] };
  const attribute = (name: string): Logic => {
    const setters = policy.rules.filter((r) => Object.hasOwn(r.event.params.set, name));
    const step = { if: [...setters.flatMap((r) => [{ "===": [{ var: "current" }, r.name] }, r.event.params.set[name]]), { var: "accumulator" }] };
    return { reduce: [fired, step, null] };
  };
  const decision = [byPrecedence((out) => out, o.outcome), reasons, { map: [reasons, codeOf] }, ...attributes.map(attribute)];
  return { rules, decision, attributes };
}

export function firedRules(docs: Pick<JsonLogicDocs, "rules">, request: unknown): string[] {
  return jsonLogic.apply(docs.rules as never, request as never) as unknown as string[];
}

/** Both applications: the decision as `[outcome, reasonRules, reasonCodes, ...attributeValues]` and the fired ids. */
export function applyJsonLogic(docs: JsonLogicDocs, request: unknown): { fired: string[]; decision: unknown[] } {
  const fired = firedRules(docs, request);
  return { fired, decision: jsonLogic.apply(docs.decision as never, { fired } as never) as unknown as unknown[] };
}
