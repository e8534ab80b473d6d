/**
 * The simulation report, built from the merged tally: what docs/simulation.md lists (total, counts per side, transitions,
 * reviews per week, cost per outcome, changed requests, rules that never fired) plus shares, a review summary, the
 * fund control (programs whose manifest names a priority attribute), and what was left out (invalid requests).
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { ChangedRecord, Counter, InvalidSample, SideTally, Tally } from "./aggregate.js";
import { fundControl, type FundControlParams, type FundControlReport } from "./fund-control.js";
import { addDays, daysBetween, weekOf } from "./history/calendar.js";
import type { ProgramProfile } from "./profile.js";

export interface SideReport {
  readonly version: string;
  readonly title: string;
  readonly hash: string;
  /** True when the side is an unpublished draft source. */
  readonly draft: boolean;
  /** Parameter overrides applied to this side. */
  readonly params: Readonly<Record<string, unknown>>;
  readonly counts: Counter;
  /** Share of the evaluated requests, per outcome (0..1, 4 decimals). */
  readonly shares: Counter;
  /** Sum of the cost field per outcome. */
  readonly cost: Counter;
  readonly amounts?: Readonly<Record<string, Counter>>;
  readonly reviews: number;
  readonly rulesFired: Counter;
  readonly rulesNeverFired: readonly string[];
  readonly reasonCodes: Counter;
  /** Per priority level, per outcome: requests and obligations (programs with priorities). */
  readonly byPriority?: SideTally["levels"];
}

export interface SimulationReport {
  readonly program: string;
  readonly requestSet?: { readonly id: string; readonly name: string; readonly count: number; readonly from?: string; readonly to?: string; readonly invented?: boolean };
  /** Requests evaluated on both sides. */
  readonly total: number;
  readonly read: number;
  readonly invalid: { readonly count: number; readonly samples: readonly InvalidSample[] };
  readonly from?: string;
  readonly to?: string;
  readonly undated: number;
  readonly baseline: SideReport;
  readonly candidate: SideReport;
  /** "baseline->candidate" outcome pairs, unchanged pairs included. */
  readonly transitions: Counter;
  readonly costField?: string;
  /** Per side, per outcome: the summed cost (also inside each side). */
  readonly cost: { readonly baseline: Counter; readonly candidate: Counter };
  /** Outcomes counted as manual review. */
  readonly reviewOutcomes: readonly string[];
  /** Week (its Monday) → reviews on each side, and the requests dated in the week. */
  readonly reviewsPerWeek: Readonly<Record<string, { readonly baseline: number; readonly candidate: number; readonly requests: number }>>;
  readonly reviews: {
    /** Calendar weeks in reviewsPerWeek; perWeek divides by the set's span in days ÷ 7. */
    readonly weeks: number;
    readonly baseline: { readonly total: number; readonly perWeek: number; readonly peak?: { readonly week: string; readonly n: number } };
    readonly candidate: { readonly total: number; readonly perWeek: number; readonly peak?: { readonly week: string; readonly n: number } };
    readonly change: number;
    /** (candidate − baseline) ÷ baseline, or null when the baseline has none. */
    readonly changeShare: number | null;
  };
  /** Per federal fiscal year: requests, outcome counts per side, and reviews per week over the days seen. */
  readonly byFiscalYear: Readonly<Record<string, {
    readonly requests: number;
    readonly from: string;
    readonly to: string;
    readonly baseline: { readonly counts: Counter; readonly reviewsPerWeek: number };
    readonly candidate: { readonly counts: Counter; readonly reviewsPerWeek: number };
  }>>;
  readonly changed: {
    readonly total: number;
    readonly sameOutcomeDifferentReasons: number;
    readonly pageSize: number;
    readonly first: readonly ChangedRecord[];
  };
  readonly rulesNeverFired: { readonly baseline: readonly string[]; readonly candidate: readonly string[] };
  readonly fundControl?: FundControlReport;
  readonly timing?: { readonly seconds: number; readonly threads: number; readonly slices: number; readonly requestsPerSecond: number };
}

export interface SideInfo {
  readonly policy: CompiledPolicy;
  readonly params: Readonly<Record<string, unknown>>;
  readonly draft: boolean;
}

const round = (x: number, d = 2): number => {
  const f = 10 ** d;
  return Math.round(x * f) / f;
};

function roundCounter(c: Counter, d = 2): Counter {
  const out: Counter = {};
  for (const k of Object.keys(c).sort()) out[k] = round(c[k]!, d);
  return out;
}

function sortedCounter(c: Counter): Counter {
  const out: Counter = {};
  for (const k of Object.keys(c).sort()) out[k] = c[k]!;
  return out;
}

function sideReport(t: SideTally, info: SideInfo, evaluated: number, reviewOutcomes: readonly string[], profile: ProgramProfile): SideReport {
  const counts: Counter = {};
  const shares: Counter = {};
  for (const o of info.policy.outcomes) {
    counts[o] = t.counts[o] ?? 0;
    shares[o] = evaluated ? round((t.counts[o] ?? 0) / evaluated, 4) : 0;
  }
  const ruleNames = info.policy.rules.map((r) => r.name);
  const rulesFired: Counter = {};
  for (const r of ruleNames) rulesFired[r] = t.rulesFired[r] ?? 0;
  const amounts: Record<string, Counter> = {};
  for (const o of Object.keys(t.amounts).sort()) amounts[o] = roundCounter(t.amounts[o]!);
  const cost: Counter = {};
  for (const o of info.policy.outcomes) cost[o] = round(t.cost[o] ?? 0);
  return {
    version: info.policy.version,
    title: info.policy.title,
    hash: info.policy.hash,
    draft: info.draft,
    params: info.params,
    counts,
    shares,
    cost,
    ...(profile.amountAttributes.length ? { amounts } : {}),
    reviews: reviewOutcomes.reduce((s, o) => s + (t.counts[o] ?? 0), 0),
    rulesFired,
    rulesNeverFired: ruleNames.filter((r) => !t.rulesFired[r]),
    reasonCodes: sortedCounter(t.reasonCodes),
    ...(profile.priorityAttribute ? { byPriority: t.levels } : {}),
  };
}

export function buildReport(
  tally: Tally,
  ctx: {
    program: string;
    baseline: SideInfo;
    candidate: SideInfo;
    profile: ProgramProfile;
    pageSize: number;
    requestSet?: SimulationReport["requestSet"];
    fundControl?: FundControlParams;
    timing?: SimulationReport["timing"];
  },
): SimulationReport {
  const { profile } = ctx;
  const reviewOutcomes = profile.reviewOutcomes;
  const baseline = sideReport(tally.baseline, ctx.baseline, tally.evaluated, reviewOutcomes, profile);
  const candidate = sideReport(tally.candidate, ctx.candidate, tally.evaluated, reviewOutcomes, profile);
  // Every week from the first to the last, so that a chart has no gaps.
  const reviewsPerWeek: Record<string, { baseline: number; candidate: number; requests: number }> = {};
  if (tally.minDate && tally.maxDate) {
    for (let w = weekOf(tally.minDate); w <= tally.maxDate; w = addDays(w, 7)) {
      const t = tally.weeks[w];
      reviewsPerWeek[w] = { baseline: t?.baselineReviews ?? 0, candidate: t?.candidateReviews ?? 0, requests: t?.n ?? 0 };
    }
  }
  const weeks = Object.keys(reviewsPerWeek);
  // Reviews per week over the span of the set's dates (partial first and last weeks count for what they are).
  const spanWeeks = tally.minDate && tally.maxDate ? (daysBetween(tally.minDate, tally.maxDate) + 1) / 7 : 0;
  const peak = (side: "baseline" | "candidate") => {
    let best: { week: string; n: number } | undefined;
    for (const w of weeks) if (!best || reviewsPerWeek[w]![side] > best.n) best = { week: w, n: reviewsPerWeek[w]![side] };
    return best;
  };
  const bPeak = peak("baseline");
  const cPeak = peak("candidate");
  const transitions: Counter = {};
  for (const k of Object.keys(tally.transitions).sort()) transitions[k] = tally.transitions[k]!;
  return {
    program: ctx.program,
    ...(ctx.requestSet ? { requestSet: ctx.requestSet } : {}),
    total: tally.evaluated,
    read: tally.read,
    invalid: { count: tally.invalid, samples: tally.invalidSamples },
    ...(tally.minDate ? { from: tally.minDate } : {}),
    ...(tally.maxDate ? { to: tally.maxDate } : {}),
    undated: tally.undated,
    baseline,
    candidate,
    transitions,
    ...(profile.costField ? { costField: profile.costField } : {}),
    cost: { baseline: baseline.cost, candidate: candidate.cost },
    reviewOutcomes,
    reviewsPerWeek,
    reviews: {
      weeks: weeks.length,
      baseline: { total: baseline.reviews, perWeek: spanWeeks ? round(baseline.reviews / spanWeeks, 1) : 0, ...(bPeak ? { peak: bPeak } : {}) },
      candidate: { total: candidate.reviews, perWeek: spanWeeks ? round(candidate.reviews / spanWeeks, 1) : 0, ...(cPeak ? { peak: cPeak } : {}) },
      change: candidate.reviews - baseline.reviews,
      changeShare: baseline.reviews ? round((candidate.reviews - baseline.reviews) / baseline.reviews, 4) : null,
    },
    byFiscalYear: Object.fromEntries(
      Object.keys(tally.years).sort().map((fy) => {
        const y = tally.years[fy]!;
        const weeksSeen = (daysBetween(y.minDate, y.maxDate) + 1) / 7;
        const side = (c: Counter) => ({
          counts: sortedCounter(c),
          reviewsPerWeek: round(reviewOutcomes.reduce((s2, o) => s2 + (c[o] ?? 0), 0) / weeksSeen, 1),
        });
        return [fy, { requests: y.n, from: y.minDate, to: y.maxDate, baseline: side(y.baseline), candidate: side(y.candidate) }];
      }),
    ),
    changed: { total: tally.changed, sameOutcomeDifferentReasons: tally.sameOutcomeOtherReasons, pageSize: ctx.pageSize, first: tally.firstChanged },
    rulesNeverFired: { baseline: baseline.rulesNeverFired, candidate: candidate.rulesNeverFired },
    ...(ctx.fundControl && profile.priorityAttribute && tally.minDate && tally.maxDate
      ? { fundControl: fundControl(tally.fundDays, tally.minDate, tally.maxDate, ctx.fundControl) }
      : {}),
    ...(ctx.timing ? { timing: ctx.timing } : {}),
  };
}
