/**
 * One solver over one space: queries with readable-first witnesses, and regions in words (the smallest set of a
 * witness's conditions that still implies what was asked, from an unsat core then shrunk one condition at a time).
 */
import type { Model } from "z3-solver";
import { literalText } from "./describe.js";
import type { Atom } from "./encode.js";
import type { Space } from "./space.js";
import { evalBool } from "./witness.js";
import type { B } from "./z3.js";

export type Found = { readonly status: "sat"; readonly model: Model<"main"> } | { readonly status: "unsat" } | { readonly status: "unknown"; readonly why: string };

export interface RegionLiteral {
  readonly text: string;
  readonly positive: boolean;
  readonly b: B;
}

export class Session {
  readonly solver;
  /** Solver calls made, for the bench. */
  calls = 0;
  /** Shrink unsat cores one literal at a time (z3's own core minimisation is on either way). */
  shrink = false;
  /**
   * Questions about values that read the lazy definitions (an attribute's date): a model found without them is
   * completed and must still answer the question; if it does not, the question is asked again with them.
   */
  lazy = false;

  constructor(
    readonly space: Space,
    timeoutMs = 10_000,
  ) {
    const z = space.z;
    this.solver = new z.Solver();
    this.solver.set("timeout", timeoutMs);
    this.solver.set("core.minimize", true);
    this.solver.add(...space.axioms, ...space.finalize());
  }

  /**
   * A model of `extra`, preferring whole cents, dates in 1900..2100 and UTC date-times (`nice`; a second call
   * without them when they do not fit). Without `nice`, one call: for questions whose answer is expected unsat.
   */
  async find(extra: readonly B[], nice = true): Promise<Found> {
    const s = this.solver;
    s.push();
    try {
      s.add(...extra);
      if (this.lazy && this.space.lazy.length) {
        const first = await this.findWithout(extra, nice);
        if (first) return first;
        s.add(...this.space.lazy);
      }
      if (nice) {
        s.push();
        s.add(...this.space.nice);
        this.calls++;
        const r = await s.check();
        if (r === "sat") return await this.complete(s.model());
        s.pop();
      }
      this.calls++;
      const r = await s.check();
      if (r === "sat") return await this.complete(s.model());
      if (r === "unsat") return { status: "unsat" };
      return { status: "unknown", why: s.reasonUnknown?.() ?? "the solver gave up (time limit)" };
    } finally {
      while (s.numScopes() > 0) s.pop();
    }
  }

  /** The staged answer of a lazy question: unsat or a completed model that still answers it; undefined: ask again. */
  private async findWithout(extra: readonly B[], nice: boolean): Promise<Found | undefined> {
    const s = this.solver;
    s.push();
    if (nice) s.add(...this.space.nice);
    this.calls++;
    let r = await s.check();
    let model = r === "sat" ? s.model() : undefined;
    s.pop();
    if (r !== "sat" && nice) {
      this.calls++;
      r = await s.check();
      model = r === "sat" ? s.model() : undefined;
    }
    if (r === "unsat") return { status: "unsat" };
    if (!model) return undefined;
    const done = await this.complete(model, true);
    if (done.status === "sat" && extra.every((b) => evalBool(this.space, done.model, b))) return done;
    return undefined;
  }

  /**
   * A model of a query asked without the lazy definitions, completed with them: every other constant fixed to its
   * value, the lazy ones (a day's year) solved for; always satisfiable, since they define a value for any input.
   */
  private async complete(model: Model<"main">, always = false): Promise<Found> {
    if ((this.lazy && !always) || !this.space.lazy.length) return { status: "sat", model };
    const s = this.solver;
    s.push();
    try {
      for (const d of model.decls()) {
        if (d.arity() !== 0 || d.name().toString().startsWith("year!")) continue;
        const c = d.call();
        s.add(c.eq(model.eval(c, true) as never));
      }
      s.add(...this.space.lazy);
      this.calls++;
      const r = await s.check();
      if (r === "sat") return { status: "sat", model: s.model() };
      return { status: "unknown", why: r === "unsat" ? "the year of a day could not be completed" : (s.reasonUnknown?.() ?? "the solver gave up (time limit)") };
    } finally {
      s.pop();
    }
  }

  /**
   * The witness's conditions that imply `target`: a conjunction of atoms (or their negations) as short as the
   * solver finds, derived facts dropped first. Undefined when the atoms do not determine `target`.
   */
  async region(model: Model<"main">, atoms: readonly Atom[], target: B): Promise<RegionLiteral[] | undefined> {
    const z = this.space.z;
    const s = this.solver;
    const lits = atoms.map((a) => {
      const positive = evalBool(this.space, model, a.b);
      return { text: literalText(a.text, positive), positive, b: positive ? a.b : z.Not(a.b), derived: a.derived };
    });
    s.push();
    try {
      // Without the lazy definitions: an implication proved with the year free holds for the true year too.
      s.add(z.Not(target));
      const track = lits.map((_l, i) => z.Bool.const(this.space.fresh(`lit${i}`)));
      lits.forEach((l, i) => s.add(z.Implies(track[i]!, l.b)));
      // Conditions on request fields first: a region in derived facts (`costlyService`) says less.
      const plain = track.filter((_t, i) => !lits[i]!.derived);
      this.calls++;
      let r = plain.length < track.length ? await s.check(...plain) : "sat";
      if (r !== "unsat") {
        this.calls++;
        r = await s.check(...track);
      }
      if (r !== "unsat") return undefined;
      const names = new Map(track.map((t, i) => [t.toString(), i]));
      let keep = [...s.unsatCore()].map((c) => names.get(c.toString())).filter((i): i is number => i !== undefined);
      // Shrink: try dropping each literal, derived facts first, then the rest in reverse order.
      const order = [...keep].sort((a, b) => Number(lits[b]!.derived) - Number(lits[a]!.derived) || b - a);
      for (const i of order) {
        if (keep.length <= 1 || !this.shrink) break;
        const trial = keep.filter((k) => k !== i);
        this.calls++;
        if ((await s.check(...trial.map((k) => track[k]!))) === "unsat") keep = trial;
      }
      return keep.sort((a, b) => a - b).map((i) => ({ text: lits[i]!.text, positive: lits[i]!.positive, b: lits[i]!.b }));
    } finally {
      s.pop();
    }
  }
}

export function regionText(lits: readonly RegionLiteral[] | undefined): string {
  if (!lits) return "this request (its conditions do not determine the difference alone)";
  if (!lits.length) return "every request";
  return lits.map((l) => l.text).join(" and ");
}
