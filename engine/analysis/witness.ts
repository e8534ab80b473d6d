/**
 * From a solver model to a proven example. The model's field values become a request, completed with the fields
 * the policies do not read but the schema requires; the request must pass the program's request schema; then the
 * fast evaluator and json-rules-engine both decide it, and both must agree with what the solver claimed. Only then
 * is the example shown. A disagreement is a bug in the encoding: it is returned as a failure, never shown.
 */
import type { IntNum, Model, RatNum } from "z3-solver";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { createEvaluator, type Evaluator } from "../index.js";
import { interpret } from "../expr.js";
import { duplicateKey } from "../lib.js";
import { parameterValues } from "../parameters.js";
import { createReferenceEvaluator, type ReferenceEvaluator } from "../reference.js";
import { requestValidator } from "../request.js";
import type { Decision } from "../types.js";
import { isoOfDay } from "./calendar.js";
import type { EncodedPolicy } from "./encode.js";
import type { Field, Space, Val } from "./space.js";
import type { A, B } from "./z3.js";

/** What a decision says, as the diff compares it. */
export interface DecisionSummary {
  readonly outcome: string;
  readonly reasons: readonly string[];
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface Witness {
  readonly request: Record<string, unknown>;
  readonly decisionDate: string;
  /** Earlier accepted requests `duplicateOf(...)` finds, by key (empty when none). */
  readonly accepted: Readonly<Record<string, string>>;
}

export interface ProvenWitness extends Witness {
  /** Per encoded policy, the decision both evaluators gave (equal to the solver's claim). */
  readonly decisions: readonly DecisionSummary[];
}

export class WitnessFailure extends Error {
  constructor(
    message: string,
    readonly witness: Witness,
    /** True when the encoding of the policies was exact, so the failure is a bug in the encoding. */
    readonly bug: boolean,
  ) {
    super(message);
  }
}

const UNKNOWN = Symbol("unknown");

type M = Model<"main">;

export function evalBool(space: Space, m: M, b: B): boolean {
  return space.z.isTrue(m.eval(b, true));
}

export function evalNum(space: Space, m: M, a: A): number | undefined {
  const v = m.eval(a, true);
  if (space.z.isIntVal(v)) return Number((v as IntNum<"main">).value());
  if (space.z.isRealVal(v)) {
    const r = (v as RatNum<"main">).value();
    return Number(r.numerator) / Number(r.denominator);
  }
  return undefined;
}

/** Turns model values into JavaScript values, naming the strings past the universe consistently. */
export class Decoder {
  private readonly others = new Map<number, string>();

  constructor(
    readonly space: Space,
    readonly model: M,
  ) {}

  str(i: number, fields: readonly Field[] = []): string {
    if (i < this.space.universe.length) return this.space.universe[i]!;
    const known = this.others.get(i);
    if (known !== undefined) return known;
    const taken = new Set([...this.space.universe, ...this.others.values()]);
    const candidates = [`other-${i}`, String(10_000_000 + i), `A${100_000_000 + i}`, `x${i}`, ...fields.flatMap((f) => (f.schema.examples ?? []).filter((e): e is string => typeof e === "string"))];
    const fits = (s: string): boolean =>
      !taken.has(s) &&
      fields.every((f) => {
        const sch = f.schema;
        return (sch.minLength === undefined || s.length >= sch.minLength) && (sch.maxLength === undefined || s.length <= sch.maxLength) && (!sch.pattern || new RegExp(sch.pattern, "u").test(s));
      });
    const s = candidates.find(fits) ?? `other-${i}`;
    this.others.set(i, s);
    return s;
  }

  dateTime(v: Val & { k: "dt" }): string {
    const day = evalNum(this.space, this.model, v.day)!;
    const ms = evalNum(this.space, this.model, v.ms)!;
    const off = evalNum(this.space, this.model, v.off)!;
    const two = (n: number): string => String(n).padStart(2, "0");
    const hh = Math.floor(ms / 3_600_000);
    const mm = Math.floor((ms % 3_600_000) / 60_000);
    const ss = Math.floor((ms % 60_000) / 1000);
    const frac = ms % 1000;
    const zone = off === 0 ? "Z" : `${off > 0 ? "+" : "-"}${two(Math.floor(Math.abs(off) / 60))}:${two(Math.abs(off) % 60)}`;
    return `${isoOfDay(day)}T${two(hh)}:${two(mm)}:${two(ss)}${frac ? `.${String(frac).padStart(3, "0")}` : ""}${zone}`;
  }

  /** The value as the evaluators would hold it; undefined when missing; UNKNOWN when not modelled. */
  value(v: Val, fields: readonly Field[] = []): unknown {
    const { space, model: m } = this;
    switch (v.k) {
      case "undef":
        return undefined;
      case "opaque":
        return UNKNOWN;
      default:
        if (!evalBool(space, m, v.def)) return undefined;
    }
    switch (v.k) {
      case "bool":
        return evalBool(space, m, v.v);
      case "num":
        return evalNum(space, m, v.v) ?? UNKNOWN;
      case "str":
        return this.str(evalNum(space, m, v.v)!, fields);
      case "date":
        return isoOfDay(evalNum(space, m, v.v)!);
      case "dt":
        return this.dateTime(v);
      case "list": {
        const out: unknown[] = [];
        for (const it of v.items) if (evalBool(space, m, it.inc)) out.push(this.value(it.v));
        return out.includes(UNKNOWN) ? UNKNOWN : out;
      }
      case "arr":
        return [...v.has].filter(([, b]) => evalBool(space, m, b)).map(([i]) => space.universe[i]!);
    }
  }
}

/** The request the model describes, completed with required fields no policy reads. */
export function witnessOf(space: Space, m: M): Witness {
  const dec = new Decoder(space, m);
  const request: Record<string, unknown> = {};
  // Fields that share a string index must get the same text: decode with all of them in view.
  const byIndex = new Map<number, Field[]>();
  for (const f of space.fields.values()) {
    if (f.val.k === "str" && evalBool(space, m, f.val.def)) {
      const i = evalNum(space, m, f.val.v)!;
      byIndex.set(i, [...(byIndex.get(i) ?? []), f]);
    }
  }
  for (const f of space.fields.values()) {
    const x = f.val.k === "str" ? (evalBool(space, m, f.val.def) ? dec.str(evalNum(space, m, f.val.v)!, byIndex.get(evalNum(space, m, f.val.v)!)) : undefined) : dec.value(f.val, [f]);
    if (x === undefined || x === UNKNOWN) continue;
    const segs = f.path.split(".");
    let o = request;
    for (const s of segs.slice(0, -1)) o = (o[s] ??= {}) as Record<string, unknown>;
    o[segs[segs.length - 1]!] = x;
  }
  complete(request, space.schema as SchemaLike);
  const accepted: Record<string, string> = {};
  return { request, decisionDate: dec.value(space.today) as string, accepted };
}

interface SchemaLike {
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, SchemaLike>;
  required?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  examples?: unknown[];
}

/** Fills required fields the model left out (identifiers such as `tarId`) with a schema-valid sample. */
function complete(o: Record<string, unknown>, s: SchemaLike): void {
  for (const k of s.required ?? []) if (!Object.hasOwn(o, k) && s.properties?.[k]) o[k] = sample(s.properties[k], k);
  for (const [k, v] of Object.entries(o)) {
    const sub = s.properties?.[k];
    if (sub?.type === "object" && v && typeof v === "object" && !Array.isArray(v)) complete(v as Record<string, unknown>, sub);
  }
}

function sample(s: SchemaLike, name: string): unknown {
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case "string":
      if (s.format === "date") return "2000-01-01";
      if (s.format === "date-time") return "2000-01-01T00:00:00Z";
      return typeof s.examples?.[0] === "string" ? s.examples[0] : `${name}-1`.padEnd(s.minLength ?? 0, "x");
    case "number":
    case "integer":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
    case "boolean":
      return false;
    case "array":
      return [];
    case "object": {
      const o: Record<string, unknown> = {};
      complete(o, s);
      return o;
    }
    default:
      return null;
  }
}

/** What the encoding says the policy decides for the model's request. */
export function claimOf(enc: EncodedPolicy, dec: Decoder): { outcome: string; reasons: string[]; attributes: Record<string, unknown> } {
  const { space, model } = dec;
  const outcome = space.universe[evalNum(space, model, enc.outcome)!] ?? "?";
  const reasons = enc.reasonCodes.filter((s) => evalBool(space, model, s.inc)).map((s) => space.universe[evalNum(space, model, s.v)!]!);
  const attributes: Record<string, unknown> = {};
  for (const [k, v] of enc.attributes) {
    const x = dec.value(v);
    if (x !== undefined) attributes[k] = x;
  }
  return { outcome, reasons, attributes };
}

const fast = new WeakMap<CompiledPolicy, Evaluator>();
const reference = new WeakMap<CompiledPolicy, ReferenceEvaluator>();

export function summary(d: Decision): DecisionSummary {
  return { outcome: d.outcome, reasons: d.reasons.map((r) => r.code), attributes: d.attributes };
}

function same(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return a === b || Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return a === b;
}

function sameAttributes(claim: Record<string, unknown>, got: Readonly<Record<string, unknown>>): string | undefined {
  for (const k of new Set([...Object.keys(claim), ...Object.keys(got)])) {
    if (claim[k] === UNKNOWN) continue;
    if (!same(claim[k], got[k])) return `attribute \`${k}\`: solver ${JSON.stringify(claim[k])}, evaluator ${JSON.stringify(got[k])}`;
  }
  return undefined;
}

/** The keys `duplicateOf(...)` looks up for this request, with the id the model gives each (when found). */
function acceptedFor(space: Space, dec: Decoder, encs: readonly EncodedPolicy[], request: unknown, today: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [argsJson, val] of space.duplicates()) {
    const id = dec.value(val);
    if (typeof id !== "string") continue;
    const args = JSON.parse(argsJson) as Parameters<typeof interpret>[0][];
    for (const enc of encs) {
      const env = { policy: enc.policy, params: parameterValues(enc.policy), request, fn: { today }, memo: new Map() };
      const values = args.map((a) => interpret(a, env));
      if (values.every((v) => v !== undefined && v !== null && v !== "")) out[duplicateKey(values)] = id;
    }
  }
  return out;
}

/**
 * Proves the model's request: schema-valid for every policy, and decided by both evaluators as the solver claims.
 * `overrides` are parameter values per policy (as encoded).
 */
export async function prove(space: Space, model: M, encs: readonly EncodedPolicy[], overrides: readonly Readonly<Record<string, unknown>>[] = [], given?: Witness): Promise<ProvenWitness> {
  const dec = new Decoder(space, model);
  const base = given ?? witnessOf(space, model);
  const accepted = acceptedFor(space, dec, encs, base.request, base.decisionDate);
  const w: Witness = { ...base, accepted };
  const exact = encs.every((e) => e.inexact.length === 0 && e.rounding.length === 0);
  const decisions: DecisionSummary[] = [];
  for (const [i, enc] of encs.entries()) {
    const p = enc.policy;
    const issues = requestValidator(p.requestSchema)(w.request);
    if (issues.length) throw new WitnessFailure(`the example is not a valid ${p.program} request: ${issues.map((x) => `${x.path} ${x.message}`).join("; ")}`, w, exact);
    const params = overrides[i] ?? {};
    const hasParams = Object.keys(params).length > 0;
    let f = hasParams ? undefined : fast.get(p);
    if (!f) {
      f = createEvaluator(p, { parameters: params });
      if (!hasParams) fast.set(p, f);
    }
    let r = hasParams ? undefined : reference.get(p);
    if (!r) {
      r = createReferenceEvaluator(p, { parameters: params });
      if (!hasParams) reference.set(p, r);
    }
    const ctx = { decisionDate: w.decisionDate, findAccepted: (k: string) => accepted[k] };
    const a = summary(f.evaluate(w.request, ctx));
    const b = summary(await r.evaluate(w.request, ctx));
    const claim = claimOf(enc, dec);
    const who = `${p.program} ${p.version}`;
    for (const [name, got] of [["the fast evaluator", a], ["json-rules-engine", b]] as const) {
      if (got.outcome !== claim.outcome) throw new WitnessFailure(`${who}: the solver claims ${claim.outcome}, ${name} decides ${got.outcome}`, w, exact);
      if (got.reasons.join(",") !== claim.reasons.join(",")) throw new WitnessFailure(`${who}: the solver claims reasons [${claim.reasons.join(", ")}], ${name} gives [${got.reasons.join(", ")}]`, w, exact);
      const attr = sameAttributes(claim.attributes, got.attributes);
      if (attr) throw new WitnessFailure(`${who}: ${name} disagrees with the solver on ${attr}`, w, exact);
    }
    decisions.push(a);
  }
  return { ...w, decisions };
}
