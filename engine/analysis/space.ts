/**
 * The solver's picture of a request: one variable (or a few) per request field, typed and bounded by the program's
 * request schema, a presence boolean per field, and the free inputs `today()` and `duplicateOf(...)`. Shared by the
 * policies compared in one query, so both read the same request.
 *
 * Values (`Val`) mirror what the evaluators see: `def` is "the field is given" (`!== undefined`); strings are indices
 * into a universe of the strings the policies and the schema name (index 0 is ""), any index past the universe
 * being some other string; dates are day numbers; date-times keep the date and time as written and the zone offset.
 */
import { dayNumber, dayOfIso, isLeap, newYearDay, validDate, weekDay } from "./calendar.js";
import type { A, B, Z3 } from "./z3.js";

export type Val =
  | { readonly k: "bool"; readonly def: B; readonly v: B }
  | { readonly k: "num"; readonly def: B; readonly v: A }
  | { readonly k: "str"; readonly def: B; readonly v: A; readonly lit?: string }
  | { readonly k: "date"; readonly def: B; readonly v: A }
  | { readonly k: "dt"; readonly def: B; readonly day: A; readonly ms: A; readonly off: A }
  /** A list with a fixed number of slots, each included or not: literal lists, tables, `absent(...)`. */
  | { readonly k: "list"; readonly def: B; readonly items: readonly { readonly inc: B; readonly v: Val }[] }
  /** A request array of enumerated, unique items: one membership boolean per possible item. */
  | { readonly k: "arr"; readonly def: B; readonly has: ReadonlyMap<number, B> }
  | { readonly k: "undef" }
  /** Not encodable exactly: whatever depends on it is over-approximated by free variables. */
  | { readonly k: "opaque"; readonly why: string };

interface SchemaNode {
  readonly type?: string | string[];
  readonly format?: string;
  readonly enum?: readonly unknown[];
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly uniqueItems?: boolean;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly examples?: readonly unknown[];
}

export interface YearOf {
  readonly y: A;
  readonly doy: A;
  readonly wd: A;
  readonly leap: A;
}

export interface Field {
  readonly path: string;
  readonly schema: SchemaNode;
  readonly val: Val;
}

const MIN_DAY = dayOfIso("0100-01-01")!;
export const MAX_DAY = dayOfIso("9999-12-31")!;
const NICE_FROM = dayOfIso("1900-01-01")!;
const NICE_TO = dayOfIso("2100-12-31")!;

export class Space {
  readonly universe: string[] = [""];
  private readonly uidx = new Map<string, number>([["", 0]]);
  /** Always asserted: schema bounds and definitions of auxiliary variables. */
  readonly axioms: B[] = [];
  /**
   * Definitions asserted only where a question needs them (session.ts): the year of a day, which the federal
   * calendar reads. Without them the year is free, which only widens what the solver may claim (an `unsat` stays
   * a proof); every model is completed with them before it becomes a witness.
   */
  readonly lazy: B[] = [];
  /** Tried first, dropped if they make a query unsatisfiable: whole cents, dates in 1900..2100, UTC date-times. */
  readonly nice: B[] = [];
  readonly fields = new Map<string, Field>();
  private readonly objects = new Map<string, B>();
  private readonly dups = new Map<string, Val>();
  readonly today!: Val & { k: "date" };
  private n = 0;
  private readonly ymdByDay = new Map<number, readonly [A, A, A]>();

  constructor(
    readonly z: Z3,
    readonly schema: object,
  ) {
    (this as { today: Val }).today = { k: "date", def: z.Bool.val(true), v: this.dateVars("today").day };
  }

  fresh(prefix: string): string {
    return `${prefix}!${this.n++}`;
  }

  /** Names rather than values (field paths of `absent()`, outcomes, reason codes): witnesses avoid them. */
  private readonly names = new Set<number>();

  str(s: string, name = false): number {
    let i = this.uidx.get(s);
    if (i === undefined) {
      i = this.universe.length;
      this.universe.push(s);
      this.uidx.set(s, i);
      if (name) this.names.add(i);
    } else if (!name) this.names.delete(i);
    return i;
  }

  /** Readable witnesses: `today()` while the version is in force (from its effective date, five years). */
  preferToday(effective: string): void {
    const d = dayOfIso(effective);
    if (d === undefined || this.today.k !== "date") return;
    const i = this.todayNice === undefined ? -1 : this.nice.indexOf(this.todayNice);
    if (this.todayFrom !== undefined && this.todayFrom >= d) return;
    this.todayFrom = d;
    this.todayNice = this.z.And(this.today.v.ge(d), this.today.v.le(d + 5 * 365));
    if (i >= 0) this.nice[i] = this.todayNice;
    else this.nice.push(this.todayNice);
  }

  private finalized: B[] | undefined;
  private todayFrom: number | undefined;
  private todayNice: B | undefined;

  strVal(s: string): Val {
    return { k: "str", def: this.z.Bool.val(true), v: this.z.Int.val(this.str(s)), lit: s };
  }

  /** A date as its day number, bounded to years 100..9999; the year, month and day only when asked (ymd). */
  dateVars(name: string): { day: A } {
    const z = this.z;
    const day = z.Int.const(`${name}.day`);
    this.axioms.push(day.ge(MIN_DAY), day.le(MAX_DAY));
    this.nice.push(day.ge(NICE_FROM), day.le(NICE_TO));
    return { day };
  }

  /** Year/month/day of a day number (fresh variables tied to it by the civil calendar, made once per term). */
  ymd(v: Val & { k: "date" }): readonly [A, A, A] {
    const key = v.v.id();
    const known = this.ymdByDay.get(key);
    if (known) return known;
    const z = this.z;
    const name = this.fresh("date");
    const y = z.Int.const(`${name}.y`);
    const m = z.Int.const(`${name}.m`);
    const d = z.Int.const(`${name}.d`);
    this.axioms.push(validDate(z, y, m, d), dayNumber(z, y, m, d).eq(v.v));
    const t = [y, m, d] as const;
    this.ymdByDay.set(key, t);
    return t;
  }

  /**
   * The year of a day number, its 0-based day of the year, week day and leap (0 or 1): a fresh year variable tied
   * to the day by 1 January of that year and the next, made once per term. Tied only for days in `from`..9999, so
   * that a day outside (a date computed past the bounds) constrains nothing.
   */
  yearOf(day: A, from: number): YearOf {
    const key = `${day.id()}:${from}`;
    const known = this.yearByDay.get(key);
    if (known) return known;
    const z = this.z;
    const y = z.Int.const(`${this.fresh("year")}.y`);
    const leap = z.If(isLeap(z, y), 1, 0) as A;
    const start = newYearDay(y);
    const doy = day.sub(start);
    this.lazy.push(z.Implies(z.And(day.ge(from), day.le(MAX_DAY)), z.And(y.ge(100), y.le(9999), doy.ge(0), doy.lt(leap.add(365)))));
    const t = { y, doy, wd: weekDay(day), leap };
    this.yearByDay.set(key, t);
    return t;
  }

  private readonly yearByDay = new Map<string, YearOf>();
  /** Memo of encoded calendar computations (the same start and count in two versions give one term). */
  readonly memo = new Map<string, unknown>();

  private node(path: string): { node?: SchemaNode; chain: { obj: string; key: string; node: SchemaNode }[] } {
    let cur = this.schema as SchemaNode;
    const chain: { obj: string; key: string; node: SchemaNode }[] = [];
    const segs = path.split(".");
    let obj = "";
    for (const s of segs) {
      const next = cur.properties && Object.hasOwn(cur.properties, s) ? cur.properties[s] : undefined;
      if (!next) return { chain };
      chain.push({ obj, key: s, node: cur });
      obj = obj ? `${obj}.${s}` : s;
      cur = next;
    }
    return { node: cur, chain };
  }

  /** Presence of a nested object (the root is always there). */
  private object(path: string): B {
    if (path === "") return this.z.Bool.val(true);
    let b = this.objects.get(path);
    if (b) return b;
    b = this.z.Bool.const(`${path}?`);
    this.objects.set(path, b);
    const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : "";
    this.axioms.push(this.z.Implies(b, this.object(parent)));
    return b;
  }

  field(path: string): Field {
    const known = this.fields.get(path);
    if (known) return known;
    const { node, chain } = this.node(path);
    const f = node ? this.makeField(path, node, chain) : { path, schema: {}, val: { k: "undef" } as Val };
    this.fields.set(path, f);
    return f;
  }

  private makeField(path: string, s: SchemaNode, chain: { obj: string; key: string; node: SchemaNode }[]): Field {
    const z = this.z;
    const def = z.Bool.const(`${path}?`);
    const last = chain[chain.length - 1]!;
    const parent = this.object(last.obj);
    this.axioms.push(z.Implies(def, parent));
    if (last.node.required?.includes(last.key)) this.axioms.push(z.Implies(parent, def));
    const type = s.type;
    const only = (c: B): void => void this.axioms.push(z.Implies(def, c));
    if (type === "boolean") return { path, schema: s, val: { k: "bool", def, v: z.Bool.const(path) } };
    if (type === "number" || type === "integer") {
      const v = z.Real.const(path);
      if (type === "integer") only(z.IsInt(v));
      if (s.minimum !== undefined) only(v.ge(z.Real.val(s.minimum)));
      if (s.maximum !== undefined) only(v.le(z.Real.val(s.maximum)));
      if (s.exclusiveMinimum !== undefined) only(v.gt(z.Real.val(s.exclusiveMinimum)));
      if (s.exclusiveMaximum !== undefined) only(v.lt(z.Real.val(s.exclusiveMaximum)));
      this.nice.push(z.IsInt(v.mul(100)), v.le(1e9), v.ge(-1e9));
      return { path, schema: s, val: { k: "num", def, v } };
    }
    if (type === "string" && s.format === "date" && !s.enum) {
      return { path, schema: s, val: { k: "date", def, v: this.dateVars(path).day } };
    }
    if (type === "string" && s.format === "date-time" && !s.enum) {
      const t = this.dateVars(path);
      const ms = z.Int.const(`${path}.ms`);
      const off = z.Int.const(`${path}.off`);
      this.axioms.push(ms.ge(0), ms.lt(86_400_000), off.ge(-1439), off.le(1439));
      this.nice.push(off.eq(0), ms.mod(60_000).eq(0));
      return { path, schema: s, val: { k: "dt", def, day: t.day, ms, off } };
    }
    if (type === "string" && !s.format) {
      const v = z.Int.const(path);
      this.axioms.push(v.ge(0));
      if (s.enum) {
        const ids = s.enum.filter((e): e is string => typeof e === "string").map((e) => this.str(e));
        only(ids.length ? z.Or(...ids.map((i) => v.eq(i))) : z.Bool.val(false));
      }
      return { path, schema: s, val: { k: "str", def, v } };
    }
    if (type === "array" && s.items?.enum && s.uniqueItems) {
      const has = new Map<number, B>();
      for (const e of s.items.enum) if (typeof e === "string") has.set(this.str(e), z.Bool.const(`${path}[${e}]`));
      const count = z.Sum(z.Int.val(0), ...[...has.values()].map((b) => z.If(b, 1, 0) as A));
      if (s.minItems !== undefined) only(count.ge(s.minItems));
      if (s.maxItems !== undefined) only(count.le(s.maxItems));
      return { path, schema: s, val: { k: "arr", def, has } };
    }
    return { path, schema: s, val: { k: "opaque", why: `field \`${path}\` of type ${JSON.stringify(type)}${s.format ? ` (${s.format})` : ""} is not modelled` } };
  }

  /** `duplicateOf(...)`: the id of an earlier accepted request, a free input shared by calls with the same key. */
  duplicate(key: string): Val {
    let v = this.dups.get(key);
    if (!v) {
      const id = this.z.Int.const(`duplicateOf${this.dups.size}`);
      this.axioms.push(id.gt(0));
      v = { k: "str", def: this.z.Bool.const(`duplicateOf${this.dups.size}?`), v: id };
      this.dups.set(key, v);
    }
    return v;
  }

  duplicates(): ReadonlyMap<string, Val> {
    return this.dups;
  }

  /**
   * Constraints that depend on the final universe: a free string field cannot take a known string its schema
   * rejects (length, pattern). Call once every policy of the query is encoded.
   */
  finalize(): B[] {
    if (this.finalized) return this.finalized;
    const out: B[] = [];
    this.finalized = out;
    for (const f of this.fields.values()) {
      if (f.val.k !== "str" || f.schema.enum) continue;
      const re = f.schema.pattern ? new RegExp(f.schema.pattern, "u") : undefined;
      const def = f.val.def;
      this.universe.forEach((s, i) => {
        const ok = (f.schema.minLength === undefined || [...s].length >= f.schema.minLength) && (f.schema.maxLength === undefined || [...s].length <= f.schema.maxLength) && (!re || re.test(s));
        if (!ok) out.push(this.z.Implies(def, (f.val as { v: A }).v.neq(i)));
        else if (this.names.has(i)) this.nice.push(this.z.Implies(def, (f.val as { v: A }).v.neq(i)));
      });
    }
    return out;
  }
}
