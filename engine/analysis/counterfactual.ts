/**
 * What would change this decision: the nearest requests that get another outcome, changing only the fields the
 * program marks actionable (policies/<program>/program.yaml (`actionable`)). Nearest means fewest changed fields, then the
 * smallest numeric and date changes (z3's optimiser). Every alternative is proven like any witness: the original
 * request with only those fields changed, decided by both evaluators as claimed.
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { createEvaluator } from "../index.js";
import { getPath } from "../lib.js";
import { dayOfIso } from "./calendar.js";
import { encodePolicy } from "./encode.js";
import { pin } from "./pin.js";
import { Space, type Field, type Val } from "./space.js";
import { Decoder, evalBool, prove, summary, WitnessFailure, type DecisionSummary } from "./witness.js";
import { z3, type A, type B, type Z3 } from "./z3.js";

export interface Change {
  readonly field: string;
  /** `null` for a field the request does not give (or that the alternative leaves out). */
  readonly from: unknown;
  readonly to: unknown;
}

export interface Alternative {
  readonly outcome: string;
  readonly changes: readonly Change[];
  readonly decision: DecisionSummary;
}

export interface CounterfactualResult {
  readonly decision: DecisionSummary;
  readonly actionable: readonly string[];
  readonly alternatives: readonly Alternative[];
  /** Outcomes no change of the actionable fields reaches (proved), and questions left open. */
  readonly unreachable: readonly string[];
  readonly unknown: readonly string[];
  readonly stats: { readonly ms: number };
}

export interface CounterfactualOptions {
  readonly actionable: readonly string[];
  readonly decisionDate?: string;
  /** Alternatives per other outcome (default 2). */
  readonly perOutcome?: number;
  readonly maxChanges?: number;
  readonly timeoutMs?: number;
}

function distance(z: Z3, v: Val, value: unknown): A | undefined {
  const abs = (x: A): A => z.If(x.ge(0), x, x.neg()) as A;
  if (v.k === "num" && typeof value === "number") return abs(v.v.sub(z.Real.val(value)));
  if (v.k === "date" && typeof value === "string" && dayOfIso(value) !== undefined) return z.ToReal(abs(v.v.sub(dayOfIso(value)!)));
  return undefined;
}

function strings(x: unknown, out: string[]): void {
  if (typeof x === "string") out.push(x);
  else if (Array.isArray(x)) x.forEach((y) => strings(y, out));
  else if (x && typeof x === "object") Object.values(x).forEach((y) => strings(y, out));
}

function setPath(o: Record<string, unknown>, path: string, value: unknown): void {
  const segs = path.split(".");
  let cur = o;
  for (const s of segs.slice(0, -1)) {
    if (!cur[s] || typeof cur[s] !== "object") cur[s] = {};
    cur = cur[s] as Record<string, unknown>;
  }
  const last = segs[segs.length - 1]!;
  if (value === undefined) delete cur[last];
  else cur[last] = value;
}

export async function counterfactuals(policy: CompiledPolicy, request: Record<string, unknown>, opts: CounterfactualOptions): Promise<CounterfactualResult> {
  const t0 = performance.now();
  const z = await z3();
  const decisionDate = opts.decisionDate ?? new Date().toISOString().slice(0, 10);
  const current = summary(createEvaluator(policy).evaluate(request, { decisionDate }));
  const space = new Space(z, policy.requestSchema);
  const seen: string[] = [];
  strings(request, seen);
  for (const s of seen) space.str(s);
  const enc = encodePolicy(space, policy);
  const unknown: string[] = [];
  const isActionable = (p: string): boolean => opts.actionable.some((a) => p === a || p.startsWith(`${a}.`));
  const pins: B[] = [space.today.k === "date" ? space.today.v.eq(dayOfIso(decisionDate) ?? 0) : z.Bool.val(true)];
  for (const d of space.duplicates().values()) if (d.k === "str") pins.push(z.Not(d.def));
  const free: { f: Field; changed: B; from: unknown; dist?: A }[] = [];
  for (const f of space.fields.values()) {
    const from = getPath(request, f.path.split("."));
    const p = pin(z, space, f, from);
    if (isActionable(f.path) && f.val.k !== "opaque") {
      const changed = z.Bool.const(`changed:${f.path}`);
      if (p) pins.push(z.Implies(z.Not(changed), p));
      else unknown.push(`\`${f.path}\`: its value cannot be modelled, so changes to it are not looked for`);
      // A change adds or corrects information; taking a given value away is not something a requester does.
      if (from !== undefined && "def" in f.val) pins.push(f.val.def);
      const dist = distance(z, f.val, from);
      if (p) free.push({ f, changed, from, ...(dist ? { dist } : {}) });
    } else if (p) pins.push(p);
    else unknown.push(`\`${f.path}\` is not modelled exactly: alternatives are only shown once both evaluators confirm them`);
  }
  const targets = [...new Set([...policy.outcomes, policy.otherwise.outcome])].filter((o) => o !== current.outcome);
  const alternatives: Alternative[] = [];
  const unreachable: string[] = [];
  const maxChanges = Math.min(opts.maxChanges ?? free.length, free.length);
  const per = opts.perOutcome ?? 2;
  for (const target of targets) {
    const blocked: B[] = [];
    let found = 0;
    while (found < per) {
      // Lexicographic: fewest changed fields first, then the smallest numeric and date changes.
      const opt = new z.Optimize();
      opt.set("timeout", opts.timeoutMs ?? 10_000);
      opt.add(...space.axioms, ...space.lazy, ...space.finalize(), ...pins, enc.outcomeIs(target), ...blocked);
      const flags = free.map((x) => z.If(x.changed, 1, 0) as A);
      opt.add(z.Sum(z.Int.val(0), ...flags).le(maxChanges));
      // Readable values: whole cents for changed amounts.
      for (const x of free) if (x.f.val.k === "num") opt.add(z.IsInt((x.f.val as { v: A }).v.mul(100)));
      opt.minimize(z.Sum(z.Int.val(0), ...flags));
      const dists = free.filter((x) => x.dist).map((x) => x.dist!);
      if (dists.length) opt.minimize(z.Sum(z.Real.val(0), ...dists));
      const r = await opt.check();
      if (r === "unknown") {
        unknown.push(`${target}: the solver gave up`);
        break;
      }
      if (r === "unsat") {
        if (!found) unreachable.push(target);
        break;
      }
      const model = opt.model();
      const dec = new Decoder(space, model);
      const changedHere = free.filter((x) => evalBool(space, model, x.changed));
      const altered = structuredClone(request);
      const changes: Change[] = [];
      for (const x of changedHere) {
        const to = dec.value(x.f.val, [x.f]);
        if (JSON.stringify(to) === JSON.stringify(x.from)) continue;
        setPath(altered, x.f.path, to);
        changes.push({ field: x.f.path, from: x.from ?? null, to: to ?? null });
      }
      blocked.push(z.Not(z.And(z.Bool.val(true), ...changedHere.map((x) => x.changed))));
      try {
        const w = await prove(space, model, [enc], [], { request: altered, decisionDate, accepted: {} });
        alternatives.push({ outcome: target, changes, decision: w.decisions[0]! });
        found++;
      } catch (e) {
        if (!(e instanceof WitnessFailure)) throw e;
        unknown.push(`${target}: an alternative could not be confirmed (${e.message})`);
      }
    }
  }
  alternatives.sort((a, b) => a.changes.length - b.changes.length);
  return { decision: current, actionable: opts.actionable, alternatives, unreachable, unknown, stats: { ms: Math.round(performance.now() - t0) } };
}
