/**
 * What a draft changes compared with a published version, in plain words: rules added, removed and changed (and
 * the parameters, tables, derived facts, attributes and default outcome behind them). Compares compiled policies,
 * so a version that `extends` another is compared as the whole policy it makes, inherited rules included.
 */
import type { CAnyCondition, CompiledPolicy, CRule } from "../dsl/compiled.js";

export interface Change {
  readonly kind: "added" | "removed" | "changed";
  readonly what: "rule" | "parameter" | "table" | "derived fact" | "attribute" | "default outcome" | "outcomes";
  readonly name: string;
  /** One sentence, or a few joined by "; ". */
  readonly text: string;
  /** The line in the draft, when the draft's own file holds it. */
  readonly line?: number;
}

const q = (s: unknown): string => `“${String(s)}”`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A rule's condition as its source text (each leaf condition's `name` is its source). */
export function conditionText(c: CAnyCondition, top = true): string {
  if ("all" in c) {
    if (c.all.length === 0) return "always";
    const t = c.all.map((x) => conditionText(x, false)).join(" and ");
    return top || c.all.length === 1 ? t : `(${t})`;
  }
  if ("any" in c) {
    const t = c.any.map((x) => conditionText(x, false)).join(" or ");
    return top || c.any.length === 1 ? t : `(${t})`;
  }
  if ("not" in c) return `not ${conditionText(c.not, false)}`;
  return c.name;
}

/** The values a rule compares against (table contents and parameters are inlined by the compiler). */
function conditionValues(c: CAnyCondition): unknown[] {
  if ("all" in c) return c.all.flatMap(conditionValues);
  if ("any" in c) return c.any.flatMap(conditionValues);
  if ("not" in c) return conditionValues(c.not);
  return [c.value];
}

function ruleSentence(r: CRule): string {
  const p = r.event.params;
  const when = conditionText(r.conditions);
  const outcome = r.event.type === "attributes" ? "sets attributes only" : `the outcome is ${r.event.type}`;
  return `${when === "always" ? "always" : `when ${when}`}, ${outcome}${p.code ? ` (code ${p.code})` : ""}`;
}

const ownLine = (r: { event: { params: { line: number; from?: string } } }): { line?: number } =>
  r.event.params.from === undefined ? { line: r.event.params.line } : {};

function compareRules(base: CompiledPolicy, draft: CompiledPolicy): Change[] {
  const out: Change[] = [];
  const before = new Map(base.rules.map((r) => [r.name, r]));
  const after = new Map(draft.rules.map((r) => [r.name, r]));
  for (const r of draft.rules) {
    const old = before.get(r.name);
    if (!old) {
      out.push({ kind: "added", what: "rule", name: r.name, text: `new rule: ${ruleSentence(r)}`, ...ownLine(r) });
      continue;
    }
    const parts: string[] = [];
    const [a, b] = [old.event.params, r.event.params];
    const condA = conditionText(old.conditions);
    const condB = conditionText(r.conditions);
    if (condA !== condB) parts.push(`condition was “${condA}”, now “${condB}”`);
    else if (!same(conditionValues(old.conditions), conditionValues(r.conditions))) parts.push("the same condition compares different values (a table or parameter it uses changed)");
    if (old.event.type !== r.event.type) parts.push(`outcome was ${old.event.type}, now ${r.event.type}`);
    if (a.code !== b.code) parts.push(`code was ${a.code ?? "none"}, now ${b.code ?? "none"}`);
    if (a.text !== b.text) parts.push(`reason now reads ${q(b.text ?? "")}`);
    if (a.citation !== b.citation) parts.push(`citation now ${q(b.citation ?? "")}`);
    if (!same(a.set, b.set)) parts.push("sets different attributes");
    if (parts.length) out.push({ kind: "changed", what: "rule", name: r.name, text: parts.join("; "), ...ownLine(r) });
  }
  for (const r of base.rules) {
    if (!after.has(r.name)) out.push({ kind: "removed", what: "rule", name: r.name, text: `no longer applies (it said: ${ruleSentence(r)})` });
  }
  return out;
}

function compareNamed<T>(what: Change["what"], a: Readonly<Record<string, T>>, b: Readonly<Record<string, T>>, show: (v: T) => string, keep: (name: string) => boolean = () => true): Change[] {
  const out: Change[] = [];
  for (const [name, v] of Object.entries(b)) {
    if (!keep(name)) continue;
    if (!Object.hasOwn(a, name)) out.push({ kind: "added", what, name, text: `new ${what}: ${show(v)}` });
    else if (!same(a[name], v)) out.push({ kind: "changed", what, name, text: `was ${show(a[name]!)}, now ${show(v)}` });
  }
  for (const [name, v] of Object.entries(a)) {
    if (keep(name) && !Object.hasOwn(b, name)) out.push({ kind: "removed", what, name, text: `removed (was ${show(v)})` });
  }
  return out;
}

const valuesText = (t: { values: unknown }): string => {
  const v = t.values;
  if (Array.isArray(v)) return v.length <= 8 ? v.join(", ") : `${v.slice(0, 8).join(", ")} … (${v.length} values)`;
  const e = Object.entries(v as object);
  return e.length <= 6 ? e.map(([k, x]) => `${k} → ${String(x)}`).join(", ") : `${e.length} entries`;
};

/** Every difference between a published version and the draft, rules first. */
export function compareCompiled(base: CompiledPolicy, draft: CompiledPolicy): Change[] {
  const out = compareRules(base, draft);
  if (!same(base.outcomes, draft.outcomes)) {
    out.push({ kind: "changed", what: "outcomes", name: "outcomes", text: `precedence was ${base.outcomes.join(" > ")}, now ${draft.outcomes.join(" > ")}` });
  }
  const o1 = base.otherwise;
  const o2 = draft.otherwise;
  if (o1.outcome !== o2.outcome || o1.code !== o2.code || o1.text !== o2.text) {
    const what = o1.outcome !== o2.outcome ? `was ${o1.outcome}, now ${o2.outcome}` : o1.code !== o2.code ? `code was ${o1.code}, now ${o2.code}` : `reason now reads ${q(o2.text)}`;
    out.push({ kind: "changed", what: "default outcome", name: "otherwise", text: what, ...(o2.from === undefined ? { line: o2.line } : {}) });
  }
  out.push(...compareNamed("parameter", base.parameters, draft.parameters, (p) => JSON.stringify(p.value)));
  out.push(...compareNamed("table", base.tables, draft.tables, valuesText));
  const isLet = (name: string): boolean => /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
  out.push(...compareNamed("derived fact", base.facts, draft.facts, () => "a derived fact", isLet).map((c) => (c.kind === "changed" ? { ...c, text: "its definition changed" } : c)));
  const attrs = (p: CompiledPolicy) => Object.fromEntries(p.attributes.map((a) => [a.name, a]));
  out.push(...compareNamed("attribute", attrs(base), attrs(draft), () => "a computed attribute").map((c) => (c.kind === "changed" ? { ...c, text: "its computation changed" } : c)));
  return out;
}
