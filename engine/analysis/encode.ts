/**
 * A compiled policy as solver terms: derived facts, every json-rules-engine operator and built-in function with the
 * evaluators' exact semantics (engine/lib.ts: missing values, `===`, numeric validators), rule firing, outcome
 * precedence (engine/combine.ts), reasons and attributes (engine/codegen.ts).
 *
 * What cannot be encoded exactly becomes an opaque value; every boolean that depends on one is a fresh, free
 * variable. That over-approximates the policy: an `unsat` answer is still a proof, and a `sat` answer is only
 * believed once its witness has been run through both evaluators (witness.ts). Such spots are listed in `inexact`.
 */
import type { CAnyCondition, CExpr, CompiledPolicy, CTopCondition, OperatorName } from "../../dsl/compiled.js";
import { parameterValues } from "../parameters.js";
import { DAY_MS, dayOfIso, isLeap, weekDay, workdayReach } from "./calendar.js";
import { federalHoliday, federalSpan, FEDERAL_FIRST_START } from "./federal.js";
import { renderCondition, renderExpr } from "./describe.js";
import { MAX_DAY, type Space, type Val } from "./space.js";
import type { IntNum, RatNum } from "z3-solver";
import type { A, B, Z3 } from "./z3.js";

export interface Atom {
  readonly b: B;
  /** The condition in the policy's words, parameters replaced by their values. */
  readonly text: string;
  /** A test of a derived fact (`costlyService`): dropped first when describing a region in words. */
  readonly derived: boolean;
}

/** A slot of a sequence of strings (reason codes, the names `absent()` lists). */
export interface Slot {
  readonly inc: B;
  readonly v: A;
}

export interface EncodedPolicy {
  readonly policy: CompiledPolicy;
  readonly fired: readonly B[];
  /** Rule i fired and its outcome won. */
  readonly decides: readonly B[];
  /** No rule with an outcome fired: `otherwise` decides. */
  readonly otherwise: B;
  /** The outcome as a universe index. */
  readonly outcome: A;
  readonly reasonCodes: readonly Slot[];
  /** The same slots keyed by rule and code (unique per policy), for comparing reasons between versions. */
  readonly reasonKeys: readonly Slot[];
  readonly attributes: ReadonlyMap<string, Val>;
  /** Leaf conditions of each rule, with their text. */
  readonly leaves: readonly (readonly { readonly name: string; readonly b: B }[])[];
  readonly atoms: readonly Atom[];
  /** Where the encoding is not exact (over-approximated by free variables). */
  readonly inexact: readonly string[];
  /**
   * Where floating-point rounding may separate the evaluators from the solver's exact rational arithmetic
   * (`round`, `/`, products of two request values): a witness there that the evaluators contradict is `unknown`.
   */
  readonly rounding: readonly string[];
  outcomeIs(o: string): B;
}

export interface EncodeOptions {
  /**
   * For tests only: encode this operator wrongly (a strict comparison as its inclusive twin and back, `=` as
   * `!=`, membership negated), so that a test can show the witness checks catch a wrong encoding.
   */
  readonly breakOperator?: OperatorName;
}

export function encodePolicy(space: Space, policy: CompiledPolicy, overrides: Readonly<Record<string, unknown>> = {}, opts: EncodeOptions = {}): EncodedPolicy {
  space.preferToday(policy.effective);
  return new Encoder(space, policy, parameterValues(policy, overrides), opts.breakOperator).run();
}

const BROKEN: Partial<Record<OperatorName, OperatorName>> = {
  lessThan: "lessThanInclusive",
  lessThanInclusive: "lessThan",
  greaterThan: "greaterThanInclusive",
  greaterThanInclusive: "greaterThan",
  equal: "notEqual",
  notEqual: "equal",
  in: "notIn",
  notIn: "in",
};

const COMPARE = new Set<string>(["equal", "notEqual", "lessThan", "lessThanInclusive", "greaterThan", "greaterThanInclusive", "in", "notIn", "contains", "containsAny", "present"]);

class Encoder {
  private readonly z: Z3;
  private readonly memo = new Map<string, Val>();
  private readonly inexact = new Set<string>();
  private readonly rounding = new Set<string>();
  private readonly atoms: Atom[] = [];
  private readonly atomTexts = new Set<string>();
  private outcomeVal: Val = { k: "undef" };
  private inAttributes = false;
  private readonly T: B;
  private readonly F: B;

  constructor(
    private readonly space: Space,
    private readonly policy: CompiledPolicy,
    private readonly params: Readonly<Record<string, unknown>>,
    private readonly broken?: OperatorName,
  ) {
    this.z = space.z;
    this.T = this.z.Bool.val(true);
    this.F = this.z.Bool.val(false);
  }

  run(): EncodedPolicy {
    const z = this.z;
    const p = this.policy;
    for (const name of Object.keys(p.facts)) this.fact(name);
    const leaves: { name: string; b: B }[][] = [];
    const fired = p.rules.map((r) => {
      const mine: { name: string; b: B }[] = [];
      leaves.push(mine);
      return this.condition(r.conditions as CTopCondition, mine);
    });
    // Precedence: the first outcome in `outcomes` among the fired rules (combine.ts).
    const byOutcome = p.outcomes.map((o) => z.Or(this.F, ...fired.filter((_f, i) => p.rules[i]!.event.type === o)));
    const otherwise = z.Not(z.Or(this.F, ...byOutcome));
    let outcome: A = z.Int.val(this.space.str(p.otherwise.outcome, true));
    for (let k = p.outcomes.length - 1; k >= 0; k--) outcome = z.If(byOutcome[k]!, z.Int.val(this.space.str(p.outcomes[k]!, true)), outcome) as A;
    const decides = fired.map((f, i) => {
      const t = p.rules[i]!.event.type;
      return p.outcomes.includes(t) ? z.And(f, outcome.eq(this.space.str(t))) : this.F;
    });
    const reasonCodes: Slot[] = p.rules.map((r, i) => ({ inc: decides[i]!, v: z.Int.val(this.space.str(r.event.params.code ?? "", true)) }));
    reasonCodes.push({ inc: otherwise, v: z.Int.val(this.space.str(p.otherwise.code, true)) });
    const key = (rule: string, code: string): A => z.Int.val(this.space.str(`${rule}\u0000${code}`, true));
    const reasonKeys: Slot[] = p.rules.map((r, i) => ({ inc: decides[i]!, v: key(r.name, r.event.params.code ?? "") }));
    reasonKeys.push({ inc: otherwise, v: key("otherwise", p.otherwise.code) });
    // Attributes: `set` of fired rules in file order (a later one overwrites), then `attribute` declarations.
    const attrs = new Map<string, Val>();
    p.rules.forEach((r, i) => {
      for (const [k, v] of Object.entries(r.event.params.set)) {
        const val = typeof v === "object" ? this.fact(v.fact) : this.literal(v);
        attrs.set(k, this.ite(z.And(fired[i]!, this.defined(val)), val, attrs.get(k) ?? { k: "undef" }));
      }
    });
    this.outcomeVal = { k: "str", def: this.T, v: outcome };
    this.inAttributes = true;
    for (const a of p.attributes) {
      const val = this.expr(a.expr);
      const when = a.when ? this.isTrue(this.expr(a.when), `attribute ${a.name}`) : this.T;
      attrs.set(a.name, this.ite(z.And(when, this.defined(val)), val, attrs.get(a.name) ?? { k: "undef" }));
    }
    for (const [k, v] of attrs) if (v.k === "opaque") this.inexact.add(`attribute \`${k}\`: ${v.why}`);
    const space = this.space;
    return {
      policy: p,
      fired,
      decides,
      otherwise,
      outcome,
      reasonCodes,
      reasonKeys,
      attributes: attrs,
      leaves,
      atoms: this.atoms,
      inexact: [...this.inexact],
      rounding: [...this.rounding],
      outcomeIs: (o) => outcome.eq(space.str(o)),
    };
  }

  private atom(b: B, text: string, derived: boolean): void {
    // Conditions of attributes (`when outcome = "deny"`) say nothing about which requests a region holds.
    if (this.inAttributes || this.atomTexts.has(text)) return;
    this.atomTexts.add(text);
    this.atoms.push({ b, text, derived });
  }

  private condition(c: CAnyCondition, leaves: { name: string; b: B }[]): B {
    const z = this.z;
    if ("all" in c) return z.And(this.T, ...c.all.map((x) => this.condition(x, leaves)));
    if ("any" in c) return z.Or(this.F, ...c.any.map((x) => this.condition(x, leaves)));
    if ("not" in c) return z.Not(this.condition(c.not, leaves));
    const lhs = this.fact(c.fact);
    const ref = c.value !== null && typeof c.value === "object" && !Array.isArray(c.value) ? (c.value as { fact: string }).fact : undefined;
    const rhs = ref !== undefined ? this.fact(ref) : this.literal(c.value);
    const b = this.operator(c.operator, lhs, rhs, c.name);
    leaves.push({ name: c.name, b });
    const derived = Object.hasOwn(this.policy.facts, c.fact) && !/[^A-Za-z0-9_]/.test(c.fact);
    this.atom(b, renderCondition(c, this.params, this.policy), derived);
    return b;
  }

  private fact(name: string): Val {
    const known = this.memo.get(name);
    if (known) return known;
    let v: Val;
    if (Object.hasOwn(this.policy.facts, name)) v = this.expr(this.policy.facts[name]!.expr);
    else if (Object.hasOwn(this.params, name)) v = this.literal(this.params[name]);
    else v = this.space.field(name).val;
    this.memo.set(name, v);
    return v;
  }

  private literal(x: unknown): Val {
    const z = this.z;
    if (x === undefined) return { k: "undef" };
    if (typeof x === "number") return Number.isFinite(x) ? { k: "num", def: this.T, v: z.Real.val(x) } : { k: "opaque", why: "a non-finite number" };
    if (typeof x === "string") return this.space.strVal(x);
    if (typeof x === "boolean") return { k: "bool", def: this.T, v: z.Bool.val(x) };
    if (Array.isArray(x)) return { k: "list", def: this.T, items: x.map((i) => ({ inc: this.T, v: this.literal(i) })) };
    return { k: "opaque", why: `the literal ${JSON.stringify(x)}` };
  }

  private table(name: string): Val {
    const v = this.policy.tables[name]!.values;
    return this.literal(Array.isArray(v) ? v : Object.keys(v));
  }

  /** `=== true`, as `and`/`or`/`not` and rule conditions test it. */
  private isTrue(v: Val, where: string): B {
    if (v.k === "bool") return this.z.And(v.def, v.v);
    if (v.k === "opaque") return this.free(where, v.why);
    return this.F;
  }

  private free(where: string, why: string): B {
    this.inexact.add(`${where}: ${why}`);
    return this.z.Bool.const(this.space.fresh("inexact"));
  }

  /** `!== undefined`. */
  private defined(v: Val): B {
    if (v.k === "undef") return this.F;
    if (v.k === "opaque") return this.free("a value", v.why);
    return v.def;
  }

  /** lib.ts isPresent: not undefined, not null, not "". */
  private present(v: Val): B {
    if (v.k === "undef") return this.F;
    if (v.k === "opaque") return this.free("`is present`", v.why);
    if (v.k === "str") return this.z.And(v.def, v.v.neq(0));
    return v.def;
  }

  /** `===`: same type and value, or both undefined. */
  private eq(a: Val, b: Val, where: string): B {
    const z = this.z;
    if (a.k === "opaque" || b.k === "opaque") return this.free(where, a.k === "opaque" ? a.why : (b as { why: string }).why);
    if (a.k === "undef" && b.k === "undef") return this.T;
    if (a.k === "undef") return z.Not((b as { def: B }).def);
    if (b.k === "undef") return z.Not(a.def);
    if (a.k === "date" && b.k === "str" && b.lit !== undefined) return this.eq(a, this.asDate(b), where);
    if (b.k === "date" && a.k === "str" && a.lit !== undefined) return this.eq(this.asDate(a), b, where);
    if ((a.k === "date" && b.k === "str") || (a.k === "str" && b.k === "date") || (a.k === "dt" && b.k === "str") || (a.k === "str" && b.k === "dt")) {
      return this.free(where, "a date compared with a text value");
    }
    if (a.k !== b.k) return z.And(z.Not(a.def), z.Not(b.def));
    const both = z.And(a.def, b.def);
    const none = z.And(z.Not(a.def), z.Not(b.def));
    let same: B;
    switch (a.k) {
      case "bool":
        same = a.v.eq((b as typeof a).v);
        break;
      case "num":
      case "str":
      case "date":
        same = a.v.eq((b as { v: A }).v);
        break;
      case "dt": {
        const o = b as typeof a;
        same = z.And(a.day.eq(o.day), a.ms.eq(o.ms), a.off.eq(o.off));
        break;
      }
      default:
        // Lists are objects: `===` is identity, which the policy cannot rely on.
        return this.free(where, "`=` between lists");
    }
    return z.Or(none, z.And(both, same));
  }

  /** A string literal that is a date, as a date; any other string literal never equals or orders with a date. */
  private asDate(s: Val & { k: "str" }): Val {
    const d = s.lit === undefined ? undefined : dayOfIso(s.lit);
    if (d === undefined) return { k: "opaque", why: `\`${s.lit}\` is not a date` };
    return { k: "date", def: this.T, v: this.z.Int.val(d) };
  }

  /** The numeric json-rules-engine operators: `numeric(a) && a OP b`. */
  private compare(op: OperatorName, a: Val, b: Val, where: string): B {
    const z = this.z;
    if (a.k === "opaque" || b.k === "opaque") return this.free(where, a.k === "opaque" ? a.why : (b as { why: string }).why);
    if (a.k === "undef" || b.k === "undef") return this.F;
    if (a.k === "date" && b.k === "str") return this.compare(op, a, this.asDate(b), where);
    if (a.k === "str" && b.k === "date") return this.compare(op, this.asDate(a), b, where);
    const rel = (x: A, y: A): B =>
      op === "lessThan" ? x.lt(y) : op === "lessThanInclusive" ? x.le(y) : op === "greaterThan" ? x.gt(y) : x.ge(y);
    // Numbers compare as numbers; canonical dates (YYYY-MM-DD) as strings, which is their order.
    if ((a.k === "num" && b.k === "num") || (a.k === "date" && b.k === "date")) return z.And(a.def, b.def, rel(a.v, b.v));
    if (a.k === "bool") return this.F; // numberValidator rejects booleans
    if (a.k === "list" || a.k === "arr") return this.free(where, "ordering a list");
    return this.free(where, `ordering ${a.k === "dt" ? "date-times as text" : "a text value"}`);
  }

  private operator(op: OperatorName, a: Val, b: Val, where: string): B {
    if (op !== this.broken) return this.exactOperator(op, a, b, where);
    const twin = BROKEN[op];
    return twin ? this.exactOperator(twin, a, b, where) : this.z.Not(this.exactOperator(op, a, b, where));
  }

  private exactOperator(op: OperatorName, a: Val, b: Val, where: string): B {
    const z = this.z;
    switch (op) {
      case "equal":
        return this.eq(a, b, where);
      case "notEqual":
        return z.Not(this.eq(a, b, where));
      case "lessThan":
      case "lessThanInclusive":
      case "greaterThan":
      case "greaterThanInclusive":
        return this.compare(op, a, b, where);
      case "in":
      case "notIn": {
        // Array.isArray(b) && b.indexOf(a) > -1 (=== -1 for notIn)
        if (b.k === "opaque") return this.free(where, b.why);
        if (b.k === "list") {
          const found = z.Or(this.F, ...b.items.map((it) => z.And(it.inc, this.eq(a, it.v, where))));
          return op === "in" ? found : z.Not(found);
        }
        if (b.k === "arr") {
          const found = this.member(b, a, where);
          return z.And(b.def, op === "in" ? found : z.Not(found));
        }
        return this.F;
      }
      case "contains":
        if (a.k === "opaque") return this.free(where, a.why);
        if (a.k === "arr") return z.And(a.def, this.member(a, b, where));
        if (a.k === "list") return z.Or(this.F, ...a.items.map((it) => z.And(it.inc, this.eq(it.v, b, where))));
        return this.F;
      case "containsAny": {
        if (a.k === "opaque" || b.k === "opaque") return this.free(where, a.k === "opaque" ? a.why : (b as { why: string }).why);
        if (b.k !== "list") return b.k === "arr" ? this.free(where, "`contains any` of a request list") : this.F;
        if (a.k === "arr") return z.And(a.def, z.Or(this.F, ...b.items.map((it) => z.And(it.inc, this.member(a, it.v, where)))));
        if (a.k === "list") return z.Or(this.F, ...a.items.flatMap((x) => b.items.map((y) => z.And(x.inc, y.inc, this.eq(x.v, y.v, where)))));
        return this.F;
      }
      case "present": {
        // isPresent(a) === b
        const p = this.present(a);
        if (b.k === "bool") return z.And(b.def, p.eq(b.v));
        return this.F;
      }
    }
  }

  /** `arr.indexOf(x) > -1` for a request array of enumerated items. */
  private member(arr: Val & { k: "arr" }, x: Val, where: string): B {
    const z = this.z;
    if (x.k === "opaque") return this.free(where, x.why);
    if (x.k !== "str") return this.F;
    if (x.lit !== undefined) {
      const i = this.space.str(x.lit);
      return z.And(x.def, arr.has.get(i) ?? this.F);
    }
    return z.And(x.def, z.Or(this.F, ...[...arr.has].map(([i, b]) => z.And(x.v.eq(i), b))));
  }

  /** If-then-else on values; mismatched shapes are opaque. */
  private ite(c: B, a: Val, b: Val): Val {
    const z = this.z;
    if (a.k === "undef" && b.k === "undef") return a;
    if (a.k === "opaque") return a;
    if (b.k === "opaque") return b;
    if (a.k === "undef") return { ...b, def: z.And(z.Not(c), (b as { def: B }).def) } as Val;
    if (b.k === "undef") return { ...a, def: z.And(c, a.def) } as Val;
    if (a.k !== b.k) return { k: "opaque", why: `a value that is a ${a.k} or a ${b.k}` };
    const def = z.If(c, a.def, b.def) as B;
    switch (a.k) {
      case "bool":
        return { k: "bool", def, v: z.If(c, a.v, (b as typeof a).v) as B };
      case "num":
      case "date":
        return { k: a.k, def, v: z.If(c, a.v, (b as { v: A }).v) as A };
      case "str":
        return { k: "str", def, v: z.If(c, a.v, (b as typeof a).v) as A };
      case "dt": {
        const o = b as typeof a;
        return { k: "dt", def, day: z.If(c, a.day, o.day) as A, ms: z.If(c, a.ms, o.ms) as A, off: z.If(c, a.off, o.off) as A };
      }
      case "list": {
        const o = b as typeof a;
        // Different lengths: one branch's slots then the other's, each included only on its side.
        if (o.items.length !== a.items.length) {
          return { k: "list", def, items: [...a.items.map((it) => ({ inc: z.And(c, it.inc), v: it.v })), ...o.items.map((it) => ({ inc: z.And(z.Not(c), it.inc), v: it.v }))] };
        }
        const items = a.items.map((it, i) => ({ inc: z.If(c, it.inc, o.items[i]!.inc) as B, v: this.ite(c, it.v, o.items[i]!.v) }));
        if (items.some((it) => it.v.k === "opaque")) return { k: "opaque", why: "lists of different shapes" };
        return { k: "list", def, items };
      }
      default:
        return { k: "opaque", why: "a request list as a value" };
    }
  }

  private num(v: Val): (Val & { k: "num" }) | undefined {
    return v.k === "num" ? v : undefined;
  }

  expr(e: CExpr): Val {
    const z = this.z;
    if ("lit" in e) return this.literal(e.lit);
    if ("field" in e) return this.space.field(e.field).val;
    if ("fact" in e) return this.fact(e.fact);
    if ("param" in e) return this.literal(this.params[e.param]);
    if ("table" in e) return this.table(e.table);
    if ("outcome" in e) return this.outcomeVal;
    if ("absent" in e) {
      return {
        k: "list",
        def: this.T,
        items: e.absent.map((p) => ({ inc: z.Not(this.present(this.space.field(p).val)), v: { k: "str", def: this.T, v: z.Int.val(this.space.str(p, true)), lit: p } as Val })),
      };
    }
    if ("lookup" in e) return this.lookup(e.lookup, this.expr(e.key));
    if ("call" in e) return this.call(e.call, e.args.map((a) => this.expr(a)), e);
    const args = e.args.map((a) => this.expr(a));
    const [a, b] = args as [Val, Val];
    const where = `\`${renderExpr(e, this.params, this.policy)}\``;
    switch (e.op) {
      case "and":
        return { k: "bool", def: this.T, v: z.And(this.isTrue(a, where), this.isTrue(b, where)) };
      case "or":
        return { k: "bool", def: this.T, v: z.Or(this.isTrue(a, where), this.isTrue(b, where)) };
      case "not":
        return { k: "bool", def: this.T, v: z.Not(this.isTrue(a, where)) };
      case "neg":
        return this.arith("neg", a, a);
      case "+":
      case "-":
      case "*":
      case "/":
        return this.arith(e.op, a, b);
      default: {
        const r = this.operator(e.op, a, b, where);
        if (COMPARE.has(e.op)) this.atom(r, renderExpr(e, this.params, this.policy), false);
        return { k: "bool", def: this.T, v: r };
      }
    }
  }

  private arith(op: "+" | "-" | "*" | "/" | "neg", a: Val, b: Val): Val {
    const z = this.z;
    if (a.k === "opaque") return a;
    if (b.k === "opaque") return b;
    const x = this.num(a);
    const y = this.num(b);
    // lib.ts arithmetic: numbers only (request numbers are finite), anything else gives undefined
    if (!x || !y) return { k: "undef" };
    switch (op) {
      case "neg":
        return { k: "num", def: x.def, v: x.v.neg() };
      case "+":
        this.rounding.add("addition");
        return { k: "num", def: z.And(x.def, y.def), v: x.v.add(y.v) };
      case "-":
        this.rounding.add("subtraction");
        return { k: "num", def: z.And(x.def, y.def), v: x.v.sub(y.v) };
      case "*":
        this.rounding.add("multiplication");
        return { k: "num", def: z.And(x.def, y.def), v: x.v.mul(y.v) };
      case "/":
        this.rounding.add("division");
        return { k: "num", def: z.And(x.def, y.def, y.v.neq(0)), v: x.v.div(y.v) };
    }
  }

  private lookup(table: string, key: Val): Val {
    const z = this.z;
    const values = this.policy.tables[table]!.values;
    if (Array.isArray(values)) return { k: "undef" };
    if (key.k === "opaque") return key;
    if (key.k !== "str") return key.k === "date" || key.k === "dt" ? { k: "opaque", why: "a date as a table key" } : { k: "undef" };
    let acc: Val = { k: "undef" };
    for (const [k, v] of Object.entries(values).reverse()) {
      acc = this.ite(z.And(key.def, key.v.eq(this.space.str(k))), this.literal(v), acc);
    }
    return acc;
  }

  /** The day number of a date or date-time value (`dayOf`: the date as written). */
  private day(v: Val): { def: B; v: A } | "undef" | "opaque" {
    if (v.k === "date") return { def: v.def, v: v.v };
    if (v.k === "dt") return { def: v.def, v: v.day };
    if (v.k === "str" && v.lit !== undefined) {
      // dayOf reads the first ten characters; years before 100 alias in Date.UTC, so they are not modelled
      if (v.lit.length < 10) return "undef";
      const d = dayOfIso(v.lit.slice(0, 10));
      if (d !== undefined) return { def: this.T, v: this.z.Int.val(d) };
      return /^00\d\d-/.test(v.lit) ? "opaque" : "undef";
    }
    if (v.k === "opaque" || v.k === "str") return "opaque";
    return "undef";
  }

  private call(fn: string, args: Val[], e: CExpr): Val {
    const z = this.z;
    const where = `\`${renderExpr(e, this.params, this.policy)}\``;
    const opaque = args.find((a) => a.k === "opaque");
    if (opaque && fn !== "coalesce" && fn !== "list") return opaque;
    switch (fn) {
      case "min":
      case "max": {
        let acc: Val = { k: "undef" };
        for (const a of args) {
          if (a.k !== "num") continue; // non-numbers are skipped
          if (acc.k !== "num") {
            acc = a;
            continue;
          }
          const better = fn === "min" ? a.v.lt(acc.v) : a.v.gt(acc.v);
          const take: B = z.And(a.def, z.Or(z.Not(acc.def), better));
          acc = { k: "num", def: z.Or(acc.def, a.def), v: z.If(take, a.v, acc.v) as A };
        }
        return acc;
      }
      case "days": {
        const a = this.day(args[0]!);
        const b = this.day(args[1]!);
        if (a === "opaque" || b === "opaque") return { k: "opaque", why: where };
        if (a === "undef" || b === "undef") return { k: "undef" };
        return { k: "num", def: z.And(a.def, b.def), v: z.ToReal(b.v.sub(a.v)) };
      }
      case "hours": {
        const a = this.millis(args[0]!);
        const b = this.millis(args[1]!);
        if (a === "opaque" || b === "opaque") return { k: "opaque", why: where };
        if (a === "undef" || b === "undef") return { k: "undef" };
        return { k: "num", def: z.And(a.def, b.def), v: z.ToReal(b.v.sub(a.v)).div(3_600_000) };
      }
      case "years": {
        const a = this.asDateVal(args[0]!);
        const b = this.asDateVal(args[1]!);
        if (a === "opaque" || b === "opaque") return { k: "opaque", why: where };
        if (a === "undef" || b === "undef") return { k: "undef" };
        const [ya, ma, da] = this.space.ymd(a);
        const [yb, mb, db] = this.space.ymd(b);
        const before = z.Or(mb.lt(ma), z.And(mb.eq(ma), db.lt(da)));
        return { k: "num", def: z.And(a.def, b.def), v: z.ToReal(yb.sub(ya).sub(z.If(before, 1, 0) as A)) };
      }
      case "addDays": {
        const a = this.day(args[0]!);
        const n = args[1]!;
        if (a === "opaque") return { k: "opaque", why: where };
        if (a === "undef" || n.k !== "num") return { k: "undef" };
        return { k: "date", def: z.And(a.def, n.def), v: a.v.add(this.trunc(n.v)) };
      }
      case "addWorkdays":
        return this.addWorkdays(args, where);
      case "date": {
        const a = this.day(args[0]!);
        if (a === "opaque") return { k: "opaque", why: where };
        if (a === "undef") return { k: "undef" };
        return { k: "date", def: a.def, v: a.v };
      }
      case "today":
        return this.space.today;
      case "count": {
        const l = args[0]!;
        if (l.k === "list") return { k: "num", def: this.T, v: z.ToReal(z.Sum(z.Int.val(0), ...l.items.map((it) => z.If(it.inc, 1, 0) as A))) };
        if (l.k === "arr") return { k: "num", def: this.T, v: z.ToReal(z.If(l.def, z.Sum(z.Int.val(0), ...[...l.has.values()].map((b) => z.If(b, 1, 0) as A)), 0) as A) };
        return { k: "num", def: this.T, v: z.Real.val(0) };
      }
      case "round": {
        const x = args[0]!;
        const d = args[1]!;
        if (x.k !== "num" || d.k !== "num") return { k: "undef" };
        const digits = this.constNumber(d.v);
        if (digits === undefined) return { k: "opaque", why: `${where}: digits must be a constant` };
        const f = 10 ** Math.max(0, Math.min(10, Math.trunc(digits)));
        this.rounding.add("round()");
        // Math.round(v) = floor(v + 0.5)
        return { k: "num", def: z.And(x.def, d.def), v: z.ToReal(z.ToInt(x.v.mul(f).add(z.Real.val("1/2")))).div(f) };
      }
      case "coalesce": {
        let acc: Val = { k: "undef" };
        for (const a of [...args].reverse()) acc = this.ite(this.present(a), a, acc);
        return acc;
      }
      case "list":
        return { k: "list", def: this.T, items: args.map((v) => ({ inc: this.T, v })) };
      case "duplicateOf": {
        const all = z.And(this.T, ...args.map((a) => this.present(a)));
        const found = this.space.duplicate(JSON.stringify((e as { args: unknown }).args));
        return { ...(found as Val & { k: "str" }), def: z.And(all, (found as { def: B }).def) };
      }
      default:
        return { k: "opaque", why: `the function \`${fn}\`` };
    }
  }

  private asDateVal(v: Val): (Val & { k: "date" }) | "undef" | "opaque" {
    if (v.k === "date") return v;
    const d = this.day(v);
    if (d === "undef" || d === "opaque") return d;
    return { k: "date", def: d.def, v: d.v };
  }

  /** lib.ts toMillis: a date at midnight UTC, a date-time in its zone. */
  private millis(v: Val): { def: B; v: A } | "undef" | "opaque" {
    if (v.k === "dt") return { def: v.def, v: v.day.mul(DAY_MS).add(v.ms).sub(v.off.mul(60_000)) };
    if (v.k === "date") return { def: v.def, v: v.v.mul(DAY_MS) };
    if (v.k === "opaque" || v.k === "str") return "opaque";
    return "undef";
  }

  private trunc(v: A): A {
    const z = this.z;
    return z.If(v.ge(0), z.ToInt(v), z.ToInt(v.neg()).neg()) as A;
  }

  private constNumber(v: A): number | undefined {
    // Parameters and literals are numerals already; anything else is not a constant here.
    const s = v;
    if (this.z.isIntVal(s)) return Number((s as IntNum<"main">).value());
    if (this.z.isRealVal(s)) {
      const r = (s as RatNum<"main">).value();
      return Number(r.numerator) / Number(r.denominator);
    }
    return undefined;
  }

  /** addWorkdays with a constant count: unrolled, one step to the next working day at a time. */
  private addWorkdays(args: Val[], where: string): Val {
    const z = this.z;
    const a = this.day(args[0]!);
    const n = args[1]!;
    if (a === "opaque") return { k: "opaque", why: where };
    if (a === "undef" || n.k !== "num") return { k: "undef" };
    const count = this.constNumber(n.v);
    if (count === undefined || count > 366) return { k: "opaque", why: `${where}: the number of working days must be a constant of at most 366` };
    if (count < 0) return { k: "undef" };
    const hol = args[2];
    if (hol && hol.k === "str") return this.addCalendarWorkdays(a, n.def, Math.trunc(count), hol, where);
    const holidays: number[] = [];
    if (hol && hol.k === "list") {
      for (const it of hol.items) {
        if (it.v.k === "str" && it.v.lit !== undefined) {
          const d = dayOfIso(it.v.lit);
          if (d !== undefined && it.v.lit.length === 10) holidays.push(d);
        } else if (it.v.k !== "num" && it.v.k !== "bool") return { k: "opaque", why: `${where}: holidays must be constant dates` };
      }
    } else if (hol && hol.k !== "undef" && hol.k !== "num" && hol.k !== "bool") return { k: "opaque", why: `${where}: holidays must be a list of dates` };
    const reach = workdayReach(holidays);
    const working = (x: A): B => {
      const w = weekDay(x);
      return z.And(w.neq(0), w.neq(6), ...holidays.map((h) => x.neq(h)));
    };
    let cur = a.v;
    for (let left = Math.trunc(count); left > 0; left--) {
      let next: A = cur.add(reach);
      for (let k = reach - 1; k >= 1; k--) next = z.If(working(cur.add(k)), cur.add(k), next) as A;
      cur = next;
    }
    return { k: "date", def: z.And(a.def, n.def), v: cur };
  }

  /**
   * addWorkdays over a named built-in calendar (engine/lib.ts `calendars`). `weekdays` is exact. `us-federal` (the
   * holidays of 5 U.S.C. 6103 for every year from 1971) is exact too: each holiday is a rule on the year, the day of
   * the year and the week day (federal.ts), so no list of days is needed.
   */
  private addCalendarWorkdays(a: { def: B; v: A }, nDef: B, count: number, hol: Val & { k: "str" }, where: string): Val {
    if (hol.lit === undefined) return { k: "opaque", why: `${where}: the calendar must be a constant name` };
    if (hol.lit === "weekdays") return this.unrollWorkdays(a, nDef, count, () => this.F, 3);
    if (hol.lit === "us-federal") return this.federalWorkdays(a, nDef, count, where);
    return { k: "undef" };
  }

  /**
   * `count` working days of the federal calendar after `a`: the result is the k-th day after `a` (k up to the
   * longest span the calendar allows, federalSpan) on which the running count of working days reaches `count`.
   * engine/lib.ts gives no date when a day it steps over is before 1971 (the first one is 1971-01-01 from a start
   * of 1970-12-31 or later) or past 9999. Memoized per start and count, so two versions share one term.
   */
  private federalWorkdays(a: { def: B; v: A }, nDef: B, count: number, where: string): Val {
    const z = this.z;
    if (count === 0) return { k: "date", def: z.And(a.def, nDef), v: a.v };
    const span = federalSpan(count);
    if (span > 300) return { k: "opaque", why: `${where}: more working days than the federal calendar is unrolled for` };
    const key = `us-federal:${a.v.id()}:${count}`;
    let done = this.space.memo.get(key) as { r: A; ok: B } | undefined;
    if (!done) {
      const first = FEDERAL_FIRST_START;
      const { y, doy, wd, leap } = this.space.yearOf(a.v, first);
      const len = leap.add(365);
      const nextLeap = span > 59 ? (z.If(isLeap(z, y.add(1)), 1, 0) as A) : z.Int.val(0);
      let c: A = z.Int.val(0);
      const reached: B[] = [];
      for (let k = 1; k <= span; k++) {
        const r7 = k % 7;
        const wdk = z.If(wd.add(r7).ge(7), wd.add(r7 - 7), wd.add(r7)) as A;
        const at = doy.add(k);
        const holiday = z.If(at.lt(len), federalHoliday(z, y, at, wdk, leap), federalHoliday(z, y.add(1), at.sub(len), wdk, nextLeap, span - 1)) as B;
        const work = z.And(wdk.neq(0), wdk.neq(6), z.Not(holiday));
        c = c.add(z.If(work, 1, 0) as A);
        reached.push(k >= count ? z.And(work, c.eq(count)) : this.F);
      }
      let r: A = a.v.add(span + 1);
      for (let k = span; k >= count; k--) r = z.If(reached[k - 1]!, a.v.add(k), r) as A;
      done = { r, ok: z.And(a.v.ge(first), r.le(MAX_DAY)) };
      this.space.memo.set(key, done);
    }
    return { k: "date", def: z.And(a.def, nDef, done.ok), v: done.r };
  }

  /** Steps `count` working days from `a`: weekends and `isOff` days skipped, at most `reach - 1` days a step. */
  private unrollWorkdays(a: { def: B; v: A }, nDef: B, count: number, isOff: (x: A) => B, reach: number): Val {
    const z = this.z;
    const working = (x: A): B => {
      const w = weekDay(x);
      return z.And(w.neq(0), w.neq(6), z.Not(isOff(x)));
    };
    let cur = a.v;
    for (let left = count; left > 0; left--) {
      let next: A = cur.add(reach);
      for (let k = reach - 1; k >= 1; k--) next = z.If(working(cur.add(k)), cur.add(k), next) as A;
      cur = next;
    }
    return { k: "date", def: z.And(a.def, nDef), v: cur };
  }
}
