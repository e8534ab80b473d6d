/**
 * The verified difference between two versions: every outcome transition (`pend -> approve`) the solver can reach,
 * each as regions in words with a proven example; then reason codes and attributes that differ under the same
 * outcome. `equivalent` is a proof (no request is decided differently); `different` always comes with examples
 * both evaluators confirmed; anything else is `unknown`, with why.
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { encodePolicy, type EncodedPolicy, type Slot } from "./encode.js";
import { Session, regionText } from "./session.js";
import { Space, type Val } from "./space.js";
import { prove, WitnessFailure, type DecisionSummary, type Witness } from "./witness.js";
import { z3, type A, type B, type Z3 } from "./z3.js";

export interface Example {
  readonly request: Record<string, unknown>;
  readonly decisionDate: string;
  readonly accepted?: Readonly<Record<string, string>>;
  readonly old: DecisionSummary;
  readonly new: DecisionSummary;
}

export interface Region {
  /** The region in words: a conjunction of the policies' conditions. */
  readonly where: string;
  readonly example: Example;
}

export interface Transition {
  readonly from: string;
  readonly to: string;
  readonly regions: readonly Region[];
  /** More regions exist than were listed. */
  readonly more?: boolean;
}

export interface SameOutcomeChange {
  readonly outcome: string;
  /** `reasons`, or the attribute's name. */
  readonly what: string;
  readonly regions: readonly Region[];
  readonly more?: boolean;
}

export interface DiffResult {
  readonly verdict: "equivalent" | "different" | "unknown";
  readonly old: { readonly program: string; readonly version: string; readonly hash: string };
  readonly new: { readonly program: string; readonly version: string; readonly hash: string };
  readonly transitions: readonly Transition[];
  readonly reasons: readonly SameOutcomeChange[];
  readonly attributes: readonly SameOutcomeChange[];
  /** Why parts of the answer are unknown (time limits, witnesses that could not be confirmed). */
  readonly unknown: readonly string[];
  /** Where the encoding over-approximates (a proof still holds; examples there are checked or dropped). */
  readonly inexact: readonly string[];
  /** Witnesses the solver produced that the evaluators contradicted although the encoding was exact: bugs. */
  readonly failures: readonly { readonly message: string; readonly witness: Witness }[];
  readonly stats: { readonly ms: number; readonly solverCalls: number };
}

export interface DiffOptions {
  /** Regions listed per transition (default 8). */
  readonly regionsPerTransition?: number;
  readonly timeoutMs?: number;
  readonly oldParameters?: Readonly<Record<string, unknown>>;
  readonly newParameters?: Readonly<Record<string, unknown>>;
}

/** `a` and `b` hold the same sequence (positions compared one by one after the included slots are packed). */
export function sameSequence(z: Z3, a: readonly Slot[], b: readonly Slot[]): B {
  const key = (s: Slot): string => s.v.toString();
  const unique = (s: readonly Slot[]): boolean => s.every((x) => z.isIntVal(x.v)) && new Set(s.map(key)).size === s.length;
  if (unique(a) && unique(b)) {
    // Each value at most once on each side: the same values included, and no two of them in a different order.
    const inA = new Map(a.map((x, i) => [key(x), { inc: x.inc, i }]));
    const inB = new Map(b.map((x, i) => [key(x), { inc: x.inc, i }]));
    const F = z.Bool.val(false);
    const parts: B[] = [];
    for (const k of new Set([...inA.keys(), ...inB.keys()])) parts.push((inA.get(k)?.inc ?? F).eq(inB.get(k)?.inc ?? F));
    const both = [...inA.keys()].filter((k) => inB.has(k));
    for (const x of both) {
      for (const y of both) {
        if (inA.get(x)!.i < inA.get(y)!.i && inB.get(x)!.i > inB.get(y)!.i) parts.push(z.Not(z.And(inA.get(x)!.inc, inA.get(y)!.inc)));
      }
    }
    return z.And(z.Bool.val(true), ...parts);
  }
  const packed = (s: readonly Slot[]): { len: A; at: A[] } => {
    const one = (x: B): A => z.If(x, 1, 0) as A;
    const prefix: A[] = [];
    let acc: A = z.Int.val(0);
    for (const it of s) {
      prefix.push(acc);
      acc = acc.add(one(it.inc));
    }
    const at: A[] = [];
    for (let k = 0; k < s.length; k++) {
      let e: A = z.Int.val(-1);
      for (let i = s.length - 1; i >= k; i--) e = z.If(z.And(s[i]!.inc, prefix[i]!.eq(k)), s[i]!.v, e) as A;
      at.push(e);
    }
    return { len: acc, at };
  };
  const pa = packed(a);
  const pb = packed(b);
  const n = Math.min(a.length, b.length);
  const pos: B[] = [];
  for (let k = 0; k < n; k++) pos.push(z.Implies(pa.len.gt(k), pa.at[k]!.eq(pb.at[k]!)));
  return z.And(pa.len.eq(pb.len), ...pos);
}

/** `===`-style equality of two attribute values (both missing counts as equal); undefined when not encodable. */
export function sameValue(z: Z3, a: Val, b: Val): B | undefined {
  if (a.k === "opaque" || b.k === "opaque") return undefined;
  if (a.k === "undef" && b.k === "undef") return z.Bool.val(true);
  if (a.k === "undef") return z.Not(b.k === "undef" ? z.Bool.val(false) : b.def);
  if (b.k === "undef") return z.Not(a.def);
  const none = z.And(z.Not(a.def), z.Not(b.def));
  if (a.k !== b.k) return none;
  const both = z.And(a.def, b.def);
  switch (a.k) {
    case "bool":
      return z.Or(none, z.And(both, a.v.eq((b as typeof a).v)));
    case "num":
    case "str":
    case "date":
      return z.Or(none, z.And(both, a.v.eq((b as { v: A }).v)));
    case "dt": {
      const o = b as typeof a;
      return z.Or(none, z.And(both, a.day.eq(o.day), a.ms.eq(o.ms), a.off.eq(o.off)));
    }
    case "list": {
      const o = b as typeof a;
      const slots = (l: typeof a): Slot[] | undefined => (l.items.every((it) => it.v.k === "str") ? l.items.map((it) => ({ inc: z.And(it.inc, (it.v as { def: B }).def), v: (it.v as { v: A }).v })) : undefined);
      const sa = slots(a);
      const sb = slots(o);
      if (!sa || !sb) return undefined;
      return z.Or(none, z.And(both, sameSequence(z, sa, sb)));
    }
    default:
      return undefined;
  }
}

export async function diffPolicies(oldP: CompiledPolicy, newP: CompiledPolicy, opts: DiffOptions = {}): Promise<DiffResult> {
  const t0 = performance.now();
  const z = await z3();
  const space = new Space(z, newP.requestSchema);
  const encOld = encodePolicy(space, oldP, opts.oldParameters);
  const encNew = encodePolicy(space, newP, opts.newParameters);
  const session = new Session(space, opts.timeoutMs ?? 10_000);
  const encs = [encOld, encNew];
  const overrides = [opts.oldParameters ?? {}, opts.newParameters ?? {}];
  const transitionLimit = opts.regionsPerTransition ?? 8;
  const sameLimit = Math.min(transitionLimit, 4);
  const unknown: string[] = [];
  const failures: { message: string; witness: Witness }[] = [];
  const atoms = mergeAtoms(encOld, encNew);

  /** Regions of `target`, each with a proven example, until none is left or the limit is reached. */
  const regionsOf = async (target: B, label: string, limit = transitionLimit): Promise<{ regions: Region[]; more: boolean }> => {
    const regions: Region[] = [];
    const blocked: B[] = [];
    for (let round = 0; round < limit + 1; round++) {
      // The last round only asks whether more exist: no need for a readable model.
      const found = await session.find([target, ...blocked], round < limit);
      if (found.status === "unsat") return { regions, more: false };
      if (found.status === "unknown") {
        unknown.push(`${label}: ${found.why}`);
        return { regions, more: false };
      }
      if (round === limit) return { regions, more: true };
      const lits = await session.region(found.model, atoms, target);
      // Next round looks outside this region (or, without one, at least for another request).
      blocked.push(lits?.length ? z.Not(z.And(...lits.map((l) => l.b))) : z.Bool.val(false));
      try {
        const w = await prove(space, found.model, encs, overrides);
        regions.push({ where: regionText(lits), example: { request: w.request, decisionDate: w.decisionDate, ...(Object.keys(w.accepted).length ? { accepted: w.accepted } : {}), old: w.decisions[0]!, new: w.decisions[1]! } });
      } catch (e) {
        if (!(e instanceof WitnessFailure)) throw e;
        if (e.bug) failures.push({ message: `${label}: ${e.message}`, witness: e.witness });
        unknown.push(`${label}: an example could not be confirmed (${e.message})`);
      }
      if (!lits?.length) return { regions, more: false };
    }
    return { regions, more: false };
  };

  const transitions: Transition[] = [];
  const fromOutcomes = [...new Set([...oldP.outcomes, oldP.otherwise.outcome])];
  const toOutcomes = [...new Set([...newP.outcomes, newP.otherwise.outcome])];
  for (const from of fromOutcomes) {
    for (const to of toOutcomes) {
      if (from === to) continue;
      const { regions, more } = await regionsOf(z.And(encOld.outcomeIs(from), encNew.outcomeIs(to)), `${from} -> ${to}`);
      if (regions.length) transitions.push({ from, to, regions, ...(more ? { more } : {}) });
    }
  }

  const sameOutcome = encOld.outcome.eq(encNew.outcome);
  const reasons: SameOutcomeChange[] = [];
  // Compared by rule and code: each is unique in a policy, which keeps the comparison linear.
  const reasonsEqual = sameSequence(z, encOld.reasonKeys, encNew.reasonKeys);
  for (const o of fromOutcomes.filter((x) => toOutcomes.includes(x))) {
    const { regions, more } = await regionsOf(z.And(encOld.outcomeIs(o), encNew.outcomeIs(o), z.Not(reasonsEqual)), `${o}: reasons`, sameLimit);
    if (regions.length) reasons.push({ outcome: o, what: "reasons", regions, ...(more ? { more } : {}) });
  }

  const attributes: SameOutcomeChange[] = [];
  // Attribute values may read the year of a day (the federal calendar): from here on its definition is asserted.
  session.lazy = true;
  const names = [...new Set([...encOld.attributes.keys(), ...encNew.attributes.keys()])];
  for (const name of names) {
    const eq = sameValue(z, encOld.attributes.get(name) ?? { k: "undef" }, encNew.attributes.get(name) ?? { k: "undef" });
    if (!eq) {
      unknown.push(`attribute \`${name}\`: its value is not modelled exactly, so it was not compared`);
      continue;
    }
    for (const o of fromOutcomes.filter((x) => toOutcomes.includes(x))) {
      const { regions, more } = await regionsOf(z.And(sameOutcome, encOld.outcomeIs(o), z.Not(eq)), `${o}: attribute ${name}`, sameLimit);
      if (regions.length) attributes.push({ outcome: o, what: name, regions, ...(more ? { more } : {}) });
    }
  }

  const proven = transitions.length + reasons.length + attributes.length > 0;
  const verdict = proven ? "different" : unknown.length ? "unknown" : "equivalent";
  const id = (p: CompiledPolicy): DiffResult["old"] => ({ program: p.program, version: p.version, hash: p.hash });
  return {
    verdict,
    old: id(oldP),
    new: id(newP),
    transitions,
    reasons,
    attributes,
    unknown,
    inexact: [...new Set([...encOld.inexact.map((x) => `${oldP.version}: ${x}`), ...encNew.inexact.map((x) => `${newP.version}: ${x}`)])],
    failures,
    stats: { ms: Math.round(performance.now() - t0), solverCalls: session.calls },
  };
}

/** Both versions' conditions; one text per meaning (a text both share but that differs in meaning gets a tag). */
function mergeAtoms(a: EncodedPolicy, b: EncodedPolicy): EncodedPolicy["atoms"] {
  const out = [...a.atoms];
  const byText = new Map(a.atoms.map((x) => [x.text, x]));
  for (const x of b.atoms) {
    const twin = byText.get(x.text);
    if (!twin) out.push(x);
    else if (!twin.b.eqIdentity(x.b)) {
      const [ta, tb] = a.policy.version === b.policy.version ? ["the old version", "the new version"] : [a.policy.version, b.policy.version];
      out[out.indexOf(twin)] = { ...twin, text: `${twin.text} (under ${ta})` };
      out.push({ ...x, text: `${x.text} (under ${tb})` });
    }
  }
  return out;
}
