/**
 * The fast evaluator: the compiled policy's json-rules-engine JSON and derived facts turned into one synchronous
 * JavaScript function per version (and a second one that also records the explanation). Request fields are read
 * once; no promises, no JSONPath, no clones. The deciding function indexes rules by their guards and computes
 * derived facts and conditions only when needed (`fastSource`); the explaining one computes every fact and every
 * leaf condition once (`source`), since the explanation shows them all.
 *
 * INVARIANT: every string from the policy reaches the generated source through JSON.stringify, and every name
 * becomes a numbered local, so a policy cannot inject code.
 */
import type { CAnyCondition, CCondition, CExpr, CompiledPolicy, CTopCondition } from "../dsl/compiled.js";
import { combine, ruleRanks, type Combined } from "./combine.js";
import { absent, arithmetic, functions, operators, type FnContext } from "./lib.js";
import type { RuleTrace } from "./types.js";

export interface FastResult {
  readonly combined: Combined;
  readonly fired: number[];
  readonly attributes: Record<string, unknown>;
  readonly trace?: RuleTrace[];
}

export type FastFn = (request: unknown, fn: FnContext) => FastResult;

const lib = { op: operators, ar: arithmetic, fn: functions, absent };

/**
 * Above this many locals the function keeps its values in one array and runs in chunks: V8 gives every local a
 * register in the function's stack frame, and 50,000 rules (200,000 locals) made a frame larger than the stack, so
 * every evaluation was a RangeError (issue 11, failure 11). Below it the generated code is unchanged.
 */
export const SLOT_MODE_LOCALS = 10_000;
/** Statements per chunk function in slot mode. */
const CHUNK = 1000;
/** A derived fact whose code is at most this long is computed lazily, its code repeated at each use. */
const LAZY_FACT_CHARS = 600;
/** A field becomes an index group when it guards at least this many rules. */
const MIN_GROUP = 4;
/** Longest membership list whose values each get a case (the rule's code is repeated in each). */
const MAX_GUARD_LIST = 64;
const COMPARISONS: Partial<Record<string, string>> = { lessThan: "<", lessThanInclusive: "<=", greaterThan: ">", greaterThanInclusive: ">=" };
/** A plain local or slot: safe to read twice. */
const SIMPLE = /^(?:[a-z]\d+|V\[\d+\])$/;

/** Insertion sort: `fired` is short and nearly in order (only grouped rules come early), so no comparator calls. */
const SORT_FIRED = "function sortFired(a) { for (let i = 1; i < a.length; i++) { const x = a[i]; let j = i - 1; while (j >= 0 && a[j] > x) { a[j + 1] = a[j]; j--; } a[j + 1] = x; } }";

type Primitive = string | number | boolean | null;

const isPrimitive = (v: unknown): v is Primitive => v === null || typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && !Number.isNaN(v));

/**
 * The values a leaf lets through when it can guard an index group: `= literal` or `in [literals]`. A Map lookup
 * agrees with `===` and `indexOf` on these (NaN, the one value where they differ, is excluded).
 */
function guardValues(c: CCondition): Primitive[] | undefined {
  if (c.operator === "equal") return isPrimitive(c.value) ? [c.value] : undefined;
  if (c.operator === "in" && Array.isArray(c.value) && c.value.length <= MAX_GUARD_LIST && c.value.every(isPrimitive)) return c.value as Primitive[];
  return undefined;
}

export function generateEvaluator(
  policy: CompiledPolicy,
  params: Readonly<Record<string, unknown>>,
  opts: { readonly slots?: boolean } = {},
): { run: FastFn; explain: FastFn; source: string } {
  const g = new Generator(policy, params);
  // Each variant goes to slot mode on its own count: the fast one declares far fewer locals (no local per leaf).
  const build = (explain: boolean): string => {
    g.slots = opts.slots === true;
    const src = explain ? g.source(true) : g.fastSource();
    if (g.slots || g.localCount <= SLOT_MODE_LOCALS) return src;
    g.slots = true;
    return explain ? g.source(true) : g.fastSource();
  };
  const fast = build(false);
  const slow = build(true);
  const ranks = ruleRanks(policy);
  const comb = (fired: number[]): Combined => combine(policy, ranks, fired);
  const make = (src: string): FastFn => new Function("L", "K", "combine", `"use strict";\n${src}`)(lib, g.constants, comb) as FastFn;
  return { run: make(fast), explain: make(slow), source: fast };
}

class Generator {
  /** Values too big or too structured to inline: table lists, lookup maps, absent() paths. */
  readonly constants: unknown[] = [];
  private readonly constIndex = new Map<string, number>();
  private readonly inputs = new Map<string, string>();
  private readonly objects = new Map<string, string>();
  private readonly facts = new Map<string, string>();
  private lines: string[] = [];
  /** Slot mode: locals are `V[k]` of one array, statements run in chunk functions (see SLOT_MODE_LOCALS). */
  slots = false;
  /** Locals the last `source` call declared. */
  localCount = 0;
  /** Chunk functions of the last `fastSource` call in slot mode. */
  private chunks: string[] = [];

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly params: Readonly<Record<string, unknown>>,
  ) {}

  /** A new local: a numbered name, or a slot of V. */
  private local(prefix: string, n: number): string {
    return this.slots ? `V[${this.localCount++}]` : (this.localCount++, `${prefix}${n}`);
  }

  /** Declares a local with its value. */
  private define(name: string, code: string): string {
    return this.slots ? `${name} = ${code};` : `const ${name} = ${code};`;
  }

  private constant(key: string, make: () => unknown): string {
    let i = this.constIndex.get(key);
    if (i === undefined) {
      i = this.constants.length;
      this.constants.push(make());
      this.constIndex.set(key, i);
    }
    return `K[${i}]`;
  }

  private table(name: string): string {
    return this.constant(`table:${name}`, () => {
      const v = this.policy.tables[name]!.values;
      return Object.freeze(Array.isArray(v) ? [...v] : Object.keys(v));
    });
  }

  /**
   * The object at a dotted prefix of request fields (`""` is the request), read once into a local: the value when
   * it is a plain (non-array) object reached through own properties, else undefined. Fields under the same object
   * share its checks.
   */
  private object(prefix: string): string {
    let v = this.objects.get(prefix);
    if (v) return v;
    const at = prefix.lastIndexOf(".");
    const parent = prefix === "" ? undefined : this.object(at < 0 ? "" : prefix.slice(0, at));
    v = this.local("p", this.objects.size);
    this.objects.set(prefix, v);
    const read = parent === undefined ? "req" : this.own(parent, prefix.slice(at + 1));
    this.lines.push(`${this.slots ? "" : `let ${v}; `}{ const o = ${read}; ${v} = o !== null && typeof o === "object" && !Array.isArray(o) ? o : undefined; }`);
    return v;
  }

  /** An own property of an object local (undefined when the local is). */
  private own(obj: string, key: string): string {
    const k = JSON.stringify(key);
    return `(${obj} !== undefined && Object.hasOwn(${obj}, ${k}) ? ${obj}[${k}] : undefined)`;
  }

  /** A request field read once into a local, own properties only. */
  private input(path: string): string {
    let v = this.inputs.get(path);
    if (v) return v;
    const at = path.lastIndexOf(".");
    const parent = this.object(at < 0 ? "" : path.slice(0, at));
    v = this.local("i", this.inputs.size);
    this.inputs.set(path, v);
    this.lines.push(this.define(v, this.own(parent, path.slice(at + 1))));
    return v;
  }

  /** A json-rules-engine fact id: a field, a derived fact, or a parameter. */
  private fact(name: string): string {
    const local = this.facts.get(name);
    if (local) return local;
    if (Object.hasOwn(this.params, name)) return this.literal(this.params[name]);
    return this.input(name);
  }

  private literal(v: unknown): string {
    if (v === undefined) return "undefined";
    if (Array.isArray(v)) return this.constant(`lit:${JSON.stringify(v)}`, () => Object.freeze([...v]));
    return JSON.stringify(v);
  }

  expr(e: CExpr): string {
    if ("lit" in e) return this.literal(e.lit);
    if ("field" in e) return this.input(e.field);
    if ("fact" in e) return this.fact(e.fact);
    if ("param" in e) return this.literal(this.params[e.param]);
    if ("table" in e) return this.table(e.table);
    if ("outcome" in e) return "outcome";
    if ("absent" in e) {
      const paths = this.constant(`absent:${JSON.stringify(e.absent)}`, () => e.absent);
      const split = this.constant(`absent-split:${JSON.stringify(e.absent)}`, () => e.absent.map((p) => p.split(".")));
      return `L.absent(req, ${paths}, ${split})`;
    }
    if ("lookup" in e) {
      const map = this.constant(`map:${e.lookup}`, () => Object.freeze(Object.assign(Object.create(null), this.policy.tables[e.lookup]!.values)));
      return `((k) => typeof k === "string" && Object.hasOwn(${map}, k) ? ${map}[k] : undefined)(${this.expr(e.key)})`;
    }
    if ("call" in e) return `L.fn[${JSON.stringify(e.call)}](F${e.args.map((a) => `, ${this.expr(a)}`).join("")})`;
    const [a, b] = e.args.map((x) => this.expr(x));
    switch (e.op) {
      case "and":
        return `(${a} === true && ${b} === true)`;
      case "or":
        return `(${a} === true || ${b} === true)`;
      case "not":
        return `(${a} !== true)`;
      case "neg":
        return `L.ar.neg(${a})`;
      case "+":
      case "-":
      case "*":
      case "/":
        return `L.ar[${JSON.stringify(e.op)}](${a}, ${b})`;
      case "equal":
        return `(${a} === ${b})`;
      case "notEqual":
        return `(${a} !== ${b})`;
      default:
        return `L.op.${e.op}(${a}, ${b})`;
    }
  }

  /**
   * Source of the explaining `function (req, F)`: every derived fact and every leaf condition computed, each into a
   * local of its own, so the explanation shows every condition of every rule with the values it saw.
   */
  source(explain: boolean): string {
    this.lines = [];
    this.inputs.clear();
    this.objects.clear();
    this.facts.clear();
    this.localCount = 0;
    const body: string[] = [];
    // Derived facts, in declaration order (a fact only uses the ones before it).
    let n = 0;
    for (const [name, def] of Object.entries(this.policy.facts)) {
      const code = this.expr(def.expr);
      const local = this.local("f", n++);
      this.lines.push(this.define(local, code));
      this.facts.set(name, local);
    }
    // Leaf conditions, then each rule's boolean over them.
    let leaf = 0;
    const traces: string[] = [];
    this.policy.rules.forEach((rule, r) => {
      const conds: string[] = [];
      const walk = (c: CAnyCondition, negated = false): string => {
        if ("all" in c) return c.all.length ? `(${c.all.map((x) => walk(x, negated)).join(" && ")})` : "true";
        if ("any" in c) return c.any.length ? `(${c.any.map((x) => walk(x, negated)).join(" || ")})` : "false";
        if ("not" in c) return `!${walk(c.not, !negated)}`;
        const lhs = this.fact(c.fact);
        const ref = c.value !== null && typeof c.value === "object" && !Array.isArray(c.value) ? (c.value as { fact: string }).fact : undefined;
        const rhs = ref !== undefined ? this.fact(ref) : this.literal(c.value);
        const local = this.local("c", leaf++);
        const test = c.operator === "equal" ? `${lhs} === ${rhs}` : c.operator === "notEqual" ? `${lhs} !== ${rhs}` : `L.op.${c.operator}(${lhs}, ${rhs})`;
        this.lines.push(this.define(local, test));
        // A missing value shows as null, so the explanation says "seen: nothing" instead of dropping the key.
        const values = [`[${JSON.stringify(c.fact)}]: ${lhs} ?? null`, ...(ref !== undefined ? [`[${JSON.stringify(ref)}]: ${rhs} ?? null`] : [])];
        conds.push(`{ condition: ${JSON.stringify(c.name)}, result: ${local},${negated ? " negated: true," : ""} values: { ${values.join(", ")} } }`);
        return local;
      };
      const cond = walk(rule.conditions as CTopCondition);
      const rl = this.local("r", r);
      this.lines.push(this.define(rl, cond));
      const set = Object.entries(rule.event.params.set);
      const sets = set.map(([k, v]) => {
        const val = typeof v === "object" ? this.fact(v.fact) : this.literal(v);
        return `{ const v = ${val}; if (v !== undefined) attrs[${JSON.stringify(k)}] = v; }`;
      });
      body.push(`if (${rl}) { fired.push(${r});${sets.length ? ` ${sets.join(" ")}` : ""} }`);
      if (explain) {
        const outcome = rule.event.type === "attributes" ? "" : `, outcome: ${JSON.stringify(rule.event.type)}`;
        const from = rule.event.params.from === undefined ? "" : `, from: ${JSON.stringify(rule.event.params.from)}`;
        traces.push(`{ rule: ${JSON.stringify(rule.name)}, fired: ${rl}${outcome}, line: ${rule.event.params.line}${from}, conditions: [${conds.join(", ")}] }`);
      }
    });
    const attrs = this.policy.attributes.map((a) => {
      const value = `{ const v = ${this.expr(a.expr)}; if (v !== undefined) attrs[${JSON.stringify(a.name)}] = v; }`;
      return a.when ? `if (${this.expr(a.when)} === true) ${value}` : value;
    });
    if (this.slots) return this.chunked(body, attrs, explain ? traces : undefined);
    return [
      "return function evaluate(req, F) {",
      ...this.lines,
      "const fired = [];",
      "const attrs = {};",
      ...body,
      "const combined = combine(fired);",
      "const outcome = combined.outcome;",
      ...attrs,
      explain ? `return { combined, fired, attributes: attrs, trace: [${traces.join(",\n")}] };` : "return { combined, fired, attributes: attrs };",
      "};",
    ].join("\n");
  }

  /**
   * Source of the deciding `function (req, F)` (no explanation). Request fields are read up front (they are few and
   * cheap); everything else is computed only when a rule needs it:
   * - a derived fact is a local holding the sentinel U until a condition first reads it, then its value (facts are
   *   pure, so computing one later, or not at all, cannot change a decision);
   * - a rule's conditions are one JavaScript boolean expression, so `&&` and `||` stop at the first leaf that settles
   *   it (operators never throw, so skipping a sibling json-rules-engine evaluates cannot change the result);
   * - rules guarded by an equality or membership on the same request field sit behind one Map lookup of that field
   *   and a switch on the result, so a request runs only the rules whose guard its value meets (see `groups`).
   * Rules then fire out of file order, so `fired` is sorted back before combining; rules that set attributes are
   * never grouped, so attributes are still written in file order.
   */
  fastSource(): string {
    this.lines = [];
    this.inputs.clear();
    this.objects.clear();
    this.facts.clear();
    this.chunks = [];
    this.localCount = 0;
    let n = 0;
    for (const [name, def] of Object.entries(this.policy.facts)) {
      const code = this.expr(def.expr);
      const local = this.local("f", n++);
      if (code.length <= LAZY_FACT_CHARS) {
        this.lines.push(this.slots ? `${local} = U;` : `let ${local} = U;`);
        this.facts.set(name, `(${local} !== U ? ${local} : (${local} = ${code}))`);
      } else {
        // Too big to repeat at every use: computed up front, as the explaining variant does.
        this.lines.push(this.define(local, code));
        this.facts.set(name, local);
      }
    }
    const { groups, grouped } = this.groups();
    const ruleStmt = (r: number, drop?: CCondition): string => {
      const rule = this.policy.rules[r]!;
      const set = Object.entries(rule.event.params.set).map(([k, v]) => {
        const val = typeof v === "object" ? this.fact(v.fact) : this.literal(v);
        return `{ const v = ${val}; if (v !== undefined) attrs[${JSON.stringify(k)}] = v; }`;
      });
      return `if (${this.condition(rule.conditions as CTopCondition, drop)}) { fired.push(${r});${set.length ? ` ${set.join(" ")}` : ""} }`;
    };
    const params = "req, F, V, fired, attrs";
    const rules: string[] = [];
    for (const g of groups) {
      const key = this.input(g.field);
      const index = this.constant(`group:${this.constants.length}`, () => new Map(g.cases.map((c, k) => [c.value, k])));
      const cases = g.cases.map((c, k) => `case ${k}: {\n${this.block(c.rules.map((m) => ruleStmt(m.rule, m.guard)), params).join("\n")}\nbreak; }`);
      rules.push(`switch (${index}.get(${key})) {\n${cases.join("\n")}\n}`);
    }
    this.policy.rules.forEach((_rule, r) => {
      if (!grouped.has(r)) rules.push(ruleStmt(r));
    });
    const attrs = this.policy.attributes.map((a) => {
      const value = `{ const v = ${this.expr(a.expr)}; if (v !== undefined) attrs[${JSON.stringify(a.name)}] = v; }`;
      return a.when ? `if (${this.expr(a.when)} === true) ${value}` : value;
    });
    const preamble = [...this.lines];
    const head = ["const U = {};", SORT_FIRED, "return function evaluate(req, F) {"];
    const decide = [...(groups.length ? ["if (fired.length > 1) sortFired(fired);"] : []), "const combined = combine(fired);", "const outcome = combined.outcome;"];
    if (!this.slots) {
      return [...head, ...preamble, "const fired = [];", "const attrs = {};", ...rules, ...decide, ...attrs, "return { combined, fired, attributes: attrs };", "};"].join("\n");
    }
    const before = this.block([...preamble, ...rules], params);
    const after = this.block(attrs, `${params}, outcome`);
    return [
      ...head,
      `const V = new Array(${this.localCount});`,
      "const fired = [];",
      "const attrs = {};",
      ...before,
      ...decide,
      ...after,
      "return { combined, fired, attributes: attrs };",
      "};",
      ...this.chunks,
    ].join("\n");
  }

  /** Slot mode: statements past CHUNK become calls of chunk functions (declared after the `return`, hoisted). */
  private block(stmts: string[], params: string): string[] {
    if (!this.slots || stmts.length <= CHUNK) return stmts;
    const calls: string[] = [];
    for (let i = 0; i < stmts.length; i += CHUNK) {
      const name = `s${this.chunks.length}`;
      this.chunks.push(`function ${name}(${params}) {\n${stmts.slice(i, i + CHUNK).join("\n")}\n}`);
      calls.push(`${name}(${params});`);
    }
    return calls;
  }

  /** A rule's conditions as one short-circuiting boolean expression; `drop` is a guard its switch case already met. */
  private condition(c: CAnyCondition, drop?: CCondition): string {
    if (c === drop) return "true";
    if ("all" in c) {
      const parts = c.all.filter((x) => x !== drop).map((x) => this.condition(x));
      return parts.length ? `(${parts.join(" && ")})` : "true";
    }
    if ("any" in c) return c.any.length ? `(${c.any.map((x) => this.condition(x)).join(" || ")})` : "false";
    if ("not" in c) return `!${this.condition(c.not)}`;
    const lhs = this.fact(c.fact);
    const ref = c.value !== null && typeof c.value === "object" && !Array.isArray(c.value) ? (c.value as { fact: string }).fact : undefined;
    const rhs = ref !== undefined ? this.fact(ref) : this.literal(c.value);
    if (c.operator === "equal") return `(${lhs} === ${rhs})`;
    if (c.operator === "notEqual") return `(${lhs} !== ${rhs})`;
    // json-rules-engine's numeric comparisons on a number are the plain comparison (NaN compares false either way);
    // only other types need its validator. Inlined when the left side is a plain local, read twice for free.
    const cmp = COMPARISONS[c.operator];
    if (cmp && SIMPLE.test(lhs)) return `(typeof ${lhs} === "number" ? ${lhs} ${cmp} ${rhs} : L.op.${c.operator}(${lhs}, ${rhs}))`;
    return `L.op.${c.operator}(${lhs}, ${rhs})`;
  }

  /**
   * Index groups, chosen greedily: the request field that guards the most remaining rules (a direct `all` child
   * `field = literal` or `field in [literals]`) becomes a group, then the next, while a field guards MIN_GROUP rules
   * or more. A case per distinct guard value holds, in file order, the rules that value meets (a membership rule is
   * in every case of its list), each without the guard it no longer needs to test. Rules that set attributes stay
   * in file order outside the groups, so their writes keep json-rules-engine's order.
   */
  private groups(): { groups: { field: string; cases: { value: Primitive; rules: { rule: number; guard: CCondition }[] }[] }[]; grouped: Set<number> } {
    const guards = this.policy.rules.map((rule) => {
      const c = rule.conditions as CTopCondition;
      if (Object.keys(rule.event.params.set).length || !("all" in c)) return [];
      return c.all.filter((x): x is CCondition => "fact" in x && this.isInput(x.fact) && guardValues(x) !== undefined);
    });
    const groups: { field: string; cases: { value: Primitive; rules: { rule: number; guard: CCondition }[] }[] }[] = [];
    const grouped = new Set<number>();
    for (;;) {
      const count = new Map<string, number>();
      guards.forEach((gs, r) => {
        if (grouped.has(r)) return;
        for (const f of new Set(gs.map((g) => g.fact))) count.set(f, (count.get(f) ?? 0) + 1);
      });
      let field: string | undefined;
      let best = MIN_GROUP - 1;
      for (const [f, k] of count) if (k > best) [field, best] = [f, k];
      if (field === undefined) break;
      const cases = new Map<Primitive, { value: Primitive; rules: { rule: number; guard: CCondition }[] }>();
      guards.forEach((gs, r) => {
        const guard = grouped.has(r) ? undefined : gs.find((g) => g.fact === field);
        if (!guard) return;
        grouped.add(r);
        for (const value of new Set(guardValues(guard))) {
          let c = cases.get(value);
          if (!c) cases.set(value, (c = { value, rules: [] }));
          c.rules.push({ rule: r, guard });
        }
      });
      groups.push({ field, cases: [...cases.values()] });
    }
    return { groups, grouped };
  }

  /** A fact id that names a request field (not a derived fact, not a parameter). */
  private isInput(name: string): boolean {
    return !Object.hasOwn(this.policy.facts, name) && !Object.hasOwn(this.params, name);
  }

  /**
   * Slot mode: the same statements in order, a thousand per function, with every value in `V`, so no frame holds
   * more than a few locals. The functions are declared after the `return` and hoisted into the outer Function.
   */
  private chunked(body: string[], attrs: string[], traces: string[] | undefined): string {
    const before = [...this.lines, ...body, ...(traces ?? []).map((t) => `trace.push(${t});`)];
    const calls: string[] = [];
    const fns: string[] = [];
    const emit = (stmts: string[], params: string): void => {
      for (let i = 0; i < stmts.length; i += CHUNK) {
        const name = `s${fns.length}`;
        fns.push(`function ${name}(${params}) {\n${stmts.slice(i, i + CHUNK).join("\n")}\n}`);
        calls.push(`${name}(${params});`);
      }
    };
    emit(before, "req, F, V, fired, attrs, trace");
    const mid = calls.length;
    emit(attrs, "req, F, V, fired, attrs, trace, outcome");
    return [
      "return function evaluate(req, F) {",
      `const V = new Array(${this.localCount});`,
      "const fired = [];",
      "const attrs = {};",
      "const trace = [];",
      ...calls.slice(0, mid),
      "const combined = combine(fired);",
      "const outcome = combined.outcome;",
      ...calls.slice(mid),
      traces ? "return { combined, fired, attributes: attrs, trace };" : "return { combined, fired, attributes: attrs };",
      "};",
      ...fns,
    ].join("\n");
  }
}
