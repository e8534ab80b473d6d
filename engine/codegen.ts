/**
 * The fast evaluator: the compiled policy's json-rules-engine JSON and derived facts turned into one synchronous
 * JavaScript function per version (and a second one that also records the explanation). Request fields are read
 * once, derived facts computed once, every leaf condition once; no promises, no JSONPath, no clones.
 *
 * INVARIANT: every string from the policy reaches the generated source through JSON.stringify, and every name
 * becomes a numbered local, so a policy cannot inject code.
 */
import type { CAnyCondition, CExpr, CompiledPolicy, CTopCondition } from "../dsl/compiled.js";
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

export function generateEvaluator(
  policy: CompiledPolicy,
  params: Readonly<Record<string, unknown>>,
  opts: { readonly slots?: boolean } = {},
): { run: FastFn; explain: FastFn; source: string } {
  const g = new Generator(policy, params);
  g.slots = opts.slots === true;
  let fast = g.source(false);
  let slow = g.source(true);
  if (!g.slots && g.localCount > SLOT_MODE_LOCALS) {
    g.slots = true;
    fast = g.source(false);
    slow = g.source(true);
  }
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
  private readonly facts = new Map<string, string>();
  private lines: string[] = [];
  /** Slot mode: locals are `V[k]` of one array, statements run in chunk functions (see SLOT_MODE_LOCALS). */
  slots = false;
  /** Locals the last `source` call declared. */
  localCount = 0;

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

  /** A request field read once into a local, own properties only. */
  private input(path: string): string {
    let v = this.inputs.get(path);
    if (v) return v;
    v = this.local("i", this.inputs.size);
    this.inputs.set(path, v);
    const segs = path.split(".");
    const steps = segs
      .map((s, k) => {
        const key = JSON.stringify(s);
        const next = k === segs.length - 1 ? `${v} = o[${key}];` : `o = o[${key}];`;
        return `if (o !== null && typeof o === "object" && !Array.isArray(o) && Object.hasOwn(o, ${key})) { ${next}`;
      })
      .join(" ");
    this.lines.push(`${this.slots ? "" : `let ${v}; `}{ let o = req; ${steps} ${"}".repeat(segs.length)} }`);
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

  /** Source of `function (req, F)` returning a FastResult. */
  source(explain: boolean): string {
    this.lines = [];
    this.inputs.clear();
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
