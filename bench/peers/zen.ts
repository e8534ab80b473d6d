/**
 * The compiled policy as a GoRules JDM decision graph for `@gorules/zen-engine`:
 *
 *   request → expression node "facts" (the derived facts, pass-through) → decision table "rules" (hit policy
 *   collect, one row per rule in file order) → expression node "decision" (precedence, reasons, attributes) → response
 *
 * Why a translator rather than a hand-written graph: the bench policy is 48 rules generated from data; the graph
 * is a 48-row table of 18 input and 6 output columns plus two expression nodes, 1,545 lines of JSON pretty-printed,
 * and this file (about 210 lines with comments) is smaller than what it writes. It also follows the policy when
 * bench/referral-policy.ts changes, and the meaning of every condition is read from one place (the compiled
 * policy) instead of being re-derived by hand for each peer. `PEERS_WRITE=DIR npm run bench:peers` writes it out.
 *
 * Written the way a JDM author would: a condition comparing a request field with a literal becomes a unary cell in
 * that field's column (`"cat-0"`, `true`, `"a", "b"`); everything else goes to one expression column. ZEN stops
 * a comparison of null with a number with an error (and then skips the row), so numeric comparisons are guarded
 * with `type(x) == "number"`, which is also what Precept's operators do (a missing number compares false, also
 * under `not`). Dates use ZEN's own `date()` (epoch seconds) and `d()` (calendar parts).
 */
import type { CExpr, CompiledPolicy, CTopCondition, CAnyCondition, CCondition } from "../../dsl/compiled.js";
import { attributeNames, conditionExpr, factRef, conditionValue, literalOf, NotTranslated } from "./shared.js";

const PEER = "zen";
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Where the facts node puts the derived facts; checked not to clash with a top-level request field. */
const DERIVED = "derived";

export interface JdmGraph {
  contentType: string;
  nodes: Record<string, unknown>[];
  edges: Record<string, unknown>[];
}

const lit = (v: unknown): string => {
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(lit).join(", ")}]`;
  throw new NotTranslated(PEER, `the literal ${JSON.stringify(v)}`);
};

function path(p: string): string {
  if (!p.split(".").every((s) => IDENT.test(s))) throw new NotTranslated(PEER, `the field name \`${p}\``);
  return p;
}

const guardNumber = (x: string, cmp: string): string => `type(${x}) == "number" and ${x} ${cmp}`;
const COMPARE = { lessThan: "<", lessThanInclusive: "<=", greaterThan: ">", greaterThanInclusive: ">=" } as const;

/**
 * ZEN expression of a compiled expression; `facts` maps a derived fact's name to its ZEN reference. In the facts
 * node, `hoist` gives a computed operand of a guarded comparison its own key, so the guard does not compute it twice.
 */
function expr(e: CExpr, facts: Map<string, string>, policy: CompiledPolicy, hoist?: (value: string) => string): string {
  const sub = (x: CExpr): string => expr(x, facts, policy, hoist);
  if ("lit" in e || "param" in e || "table" in e) return lit(literalOf(policy, e));
  if ("field" in e) return path(e.field);
  if ("fact" in e) {
    const ref = facts.get(e.fact);
    if (ref !== undefined) return ref;
    return sub(factRef(policy, e.fact));
  }
  if ("call" in e) {
    const [a, b] = e.args.map(sub) as [string, string];
    const strings = `type(${a}) == "string" and type(${b}) == "string"`;
    // hours(a, b): (b − a) in hours; years(a, b): whole years from a to b (birthday not yet reached → one less).
    if (e.call === "hours") return `(${strings} ? (date(${b}) - date(${a})) / 3600 : null)`;
    if (e.call === "years") {
      const [A, B] = [`d(${a})`, `d(${b})`];
      return `(${strings} ? ${B}.year() - ${A}.year() - (${B}.month() < ${A}.month() or (${B}.month() == ${A}.month() and ${B}.day() < ${A}.day()) ? 1 : 0) : null)`;
    }
    throw new NotTranslated(PEER, `the function ${e.call}()`);
  }
  if (!("op" in e)) throw new NotTranslated(PEER, `the expression ${JSON.stringify(e)}`);
  const [a, b] = e.args.map(sub);
  switch (e.op) {
    case "and": return `(${a} and ${b})`;
    case "or": return `(${a} or ${b})`;
    case "not": return `(not ${a})`;
    case "equal": return `(${a} == ${b})`;
    case "notEqual": return `(${a} != ${b})`;
    case "lessThan": case "lessThanInclusive": case "greaterThan": case "greaterThanInclusive":
      return `(${guardNumber(hoist && !/^[\w.$]+$/.test(a!) ? hoist(a!) : a!, `${COMPARE[e.op]} ${b}`)})`;
    case "in": return `(type(${b}) == "array" and ${a} in ${b})`;
    case "contains": return `(type(${a}) == "array" and contains(${a}, ${b}))`;
    case "present": return `((${a} != null and ${a} != "") == ${b})`;
    default: throw new NotTranslated(PEER, `the operator ${e.op}`);
  }
}

/** A unary cell (`$` is the column's value) for a field-vs-literal condition, or undefined if it needs an expression. */
function unaryCell(c: CCondition, value: CExpr): string | undefined {
  if (!("lit" in value)) return undefined;
  const v = value.lit;
  const scalar = typeof v === "string" || typeof v === "boolean" || typeof v === "number";
  switch (c.operator) {
    case "equal": return scalar ? lit(v) : undefined;
    case "in": return Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === "string" || typeof x === "number") ? v.map(lit).join(", ") : undefined;
    case "notEqual": return scalar ? `$ != ${lit(v)}` : undefined;
    case "lessThan": case "lessThanInclusive": case "greaterThan": case "greaterThanInclusive":
      return typeof v === "number" ? guardNumber("$", `${COMPARE[c.operator]} ${v}`) : undefined;
    case "contains": return scalar ? `type($) == "array" and contains($, ${lit(v)})` : undefined;
    case "present": return v === false ? `$ == null or $ == ""` : v === true ? `$ != null and $ != ""` : undefined;
    default: return undefined;
  }
}

/** Derived facts in dependency order (a fact's expression may name facts defined after it in the file). */
function factOrder(policy: CompiledPolicy): string[] {
  const order: string[] = [];
  const visit = (name: string, seen: Set<string>): void => {
    if (order.includes(name) || !Object.hasOwn(policy.facts, name)) return;
    if (seen.has(name)) throw new NotTranslated(PEER, `the cyclic fact ${name}`);
    seen.add(name);
    const walk = (e: unknown): void => {
      if (!e || typeof e !== "object") return;
      if (typeof (e as { fact?: unknown }).fact === "string") visit((e as { fact: string }).fact, seen);
      for (const v of Object.values(e)) if (typeof v === "object") walk(v);
    };
    walk(policy.facts[name]!.expr);
    order.push(name);
  };
  for (const name of Object.keys(policy.facts)) visit(name, new Set());
  return order;
}

export function toJdm(policy: CompiledPolicy): JdmGraph {
  const schemaProps = Object.keys((policy.requestSchema as { properties?: object }).properties ?? {});
  if (schemaProps.includes(DERIVED)) throw new NotTranslated(PEER, `a request field named \`${DERIVED}\``);
  const attrs = attributeNames(policy, PEER);

  // Facts node: each derived fact under derived.fN; inside the node an earlier key is `$.derived.fN`.
  const inNode = new Map<string, string>();
  const inTable = new Map<string, string>();
  const factExprs: { id: string; key: string; value: string }[] = [];
  const hoist = (value: string): string => {
    const k = `${DERIVED}.h${factExprs.length}`;
    factExprs.push({ id: `hoisted-${factExprs.length}`, key: k, value });
    return `$.${k}`;
  };
  factOrder(policy).forEach((name, i) => {
    const value = expr(policy.facts[name]!.expr, inNode, policy, hoist);
    inNode.set(name, `$.${DERIVED}.f${i}`);
    inTable.set(name, `${DERIVED}.f${i}`);
    factExprs.push({ id: `fact-${i}`, key: `${DERIVED}.f${i}`, value });
  });

  // Rules table: columns for the request fields compared with literals, then one expression column.
  const columns: string[] = [];
  const rows = policy.rules.map((rule) => {
    const cells = new Map<string, string>();
    const rest: string[] = [];
    const top: CTopCondition = rule.conditions;
    const leaves: CAnyCondition[] = "all" in top ? [...top.all] : [top];
    for (const c of leaves) {
      const isLeaf = "fact" in c && "operator" in c;
      const field = isLeaf && !Object.hasOwn(policy.facts, c.fact) && !Object.hasOwn(policy.parameters, c.fact) ? c.fact : undefined;
      const cell = field !== undefined ? unaryCell(c as CCondition, conditionValue(policy, c as CCondition)) : undefined;
      // One unary test per cell: a unary cell cannot be parenthesised (`(` opens an interval), so a second
      // condition on the same field goes to the expression column.
      if (field !== undefined && cell !== undefined && !cells.has(field)) {
        if (!columns.includes(field)) columns.push(path(field));
        cells.set(field, cell);
      } else rest.push(expr(conditionExpr(policy, c), inTable, policy));
    }
    const outcome = rule.event.type === "attributes" ? "" : lit(rule.event.type);
    const set = attrs.map((a) => {
      const v = rule.event.params.set[a];
      if (v !== undefined && typeof v === "object") throw new NotTranslated(PEER, "an attribute set from a fact");
      return v === undefined ? "" : lit(v);
    });
    return { rule, cells, rest, outcome, set };
  });
  const colId = (f: string): string => `in:${f}`;
  const inputs = [...columns.map((f) => ({ id: colId(f), name: f, field: f })), { id: "in:expr", name: "condition" }];
  const outputs = [
    { id: "out:rule", name: "rule", field: "rule" },
    { id: "out:outcome", name: "outcome", field: "outcome" },
    { id: "out:code", name: "code", field: "code" },
    ...attrs.map((a) => ({ id: `out:set:${a}`, name: a, field: `set.${path(a)}` })),
  ];
  const tableRows = rows.map(({ rule, cells, rest, outcome, set }) => {
    const row: Record<string, string> = { _id: rule.name };
    for (const f of columns) row[colId(f)] = cells.get(f) ?? "";
    row["in:expr"] = rest.join(" and ");
    row["out:rule"] = lit(rule.name);
    row["out:outcome"] = outcome;
    row["out:code"] = rule.event.params.code === undefined ? "" : lit(rule.event.params.code);
    attrs.forEach((a, i) => (row[`out:set:${a}`] = set[i]!));
    return row;
  });

  // Decision node: the first outcome in precedence order among the fired rules wins; its rules are the reasons;
  // an attribute takes the value of the last fired rule (file order) that sets it.
  const o = policy.otherwise;
  const outcomeExpr = policy.outcomes.reduceRight((acc, out) => `some(rules, #.outcome == ${lit(out)}) ? ${lit(out)} : ${acc}`, lit(o.outcome));
  const anyOutcome = `some(rules, #.outcome != null)`;
  const decision = [
    { id: "d-outcome", key: "outcome", value: outcomeExpr },
    { id: "d-rules", key: "reasonRules", value: `${anyOutcome} ? map(filter(rules, #.outcome == $.outcome), #.rule) : ["otherwise"]` },
    { id: "d-codes", key: "reasonCodes", value: `${anyOutcome} ? map(filter(rules, #.outcome == $.outcome), #.code) : [${lit(o.code)}]` },
    { id: "d-fired", key: "fired", value: "map(rules, #.rule)" },
    ...attrs.map((a) => ({ id: `d-attr-${a}`, key: `attributes.${a}`, value: `v = map(filter(rules, #.set.${a} != null), #.set.${a}); len(v) > 0 ? v[len(v) - 1] : null` })),
  ];

  const nodes = [
    { id: "request", type: "inputNode", name: "request" },
    { id: "facts", type: "expressionNode", name: "facts", content: { passThrough: true, expressions: factExprs } },
    { id: "rules", type: "decisionTableNode", name: "rules", content: { hitPolicy: "collect", outputPath: "rules", inputs, outputs, rules: tableRows } },
    { id: "decision", type: "expressionNode", name: "decision", content: { expressions: decision } },
    { id: "response", type: "outputNode", name: "response" },
  ];
  const chain = ["request", "facts", "rules", "decision", "response"];
  const edges = chain.slice(1).map((t, i) => ({ id: `edge-${i}`, type: "edge", sourceId: chain[i], targetId: t }));
  return { contentType: "application/vnd.gorules.decision", nodes, edges };
}
