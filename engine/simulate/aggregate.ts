/**
 * The figures a simulation keeps, and nothing else: counts, sums and per-week tallies that a worker builds over its
 * slice of the request set and the coordinator merges. No decision is kept beyond the slice that produced it;
 * changed requests go to a file as they are found (see worker.ts), only the first page stays in memory.
 * Every map is a null-prototype object keyed by outcome, rule, week or level names.
 */
export type Counter = Record<string, number>;

export interface SideTally {
  counts: Counter;
  /** Sum of the profile's cost field per outcome. */
  cost: Counter;
  /** Per outcome, per amount attribute: the sum. */
  amounts: Record<string, Counter>;
  rulesFired: Counter;
  reasonCodes: Counter;
  /** Per priority level (as text), per outcome: count and obligation. */
  levels: Record<string, Record<string, { n: number; amount: number }>>;
}

export interface WeekTally {
  /** Requests dated in the week. */
  n: number;
  baselineReviews: number;
  candidateReviews: number;
}

/** Fund control, per day: obligations of accepted requests and, per priority level, the demand (see fund-control.ts). */
export interface FundDay {
  baselineObligations: number;
  candidateObligations: number;
  baselineDemand: Counter;
  candidateDemand: Counter;
}

/** Per federal fiscal year (October to September): outcome counts per side and the dates seen. */
export interface YearTally {
  n: number;
  minDate: string;
  maxDate: string;
  baseline: Counter;
  candidate: Counter;
}

export interface ChangedRecord {
  /** 0-based position of the request in the set. */
  readonly index: number;
  readonly id?: string;
  readonly date?: string;
  readonly baseline: { readonly outcome: string; readonly reasons: readonly string[]; readonly fired: readonly string[] };
  readonly candidate: { readonly outcome: string; readonly reasons: readonly string[]; readonly fired: readonly string[] };
  /** Rules that fired on one side only. */
  readonly rules: { readonly onlyBaseline: readonly string[]; readonly onlyCandidate: readonly string[] };
  readonly request?: unknown;
}

export interface InvalidSample {
  readonly index: number;
  readonly id?: string;
  readonly issues: readonly { path: string; message: string }[];
}

export interface Tally {
  /** Requests read (valid or not). */
  read: number;
  /** Requests evaluated on both sides. */
  evaluated: number;
  invalid: number;
  invalidSamples: InvalidSample[];
  baseline: SideTally;
  candidate: SideTally;
  transitions: Counter;
  changed: number;
  /** Same outcome on both sides, but a different set of reason codes. */
  sameOutcomeOtherReasons: number;
  weeks: Record<string, WeekTally>;
  years: Record<string, YearTally>;
  /** Only for programs with fund control (a profile with a priority attribute). */
  fundDays: Record<string, FundDay>;
  undated: number;
  minDate?: string;
  maxDate?: string;
  /** The first changed requests of this slice (up to the page size), in set order. */
  firstChanged: ChangedRecord[];
}

const dict = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

export function emptyWeek(): WeekTally {
  return { n: 0, baselineReviews: 0, candidateReviews: 0 };
}

export function emptyFundDay(): FundDay {
  return { baselineObligations: 0, candidateObligations: 0, baselineDemand: dict(), candidateDemand: dict() };
}

export function emptySide(): SideTally {
  return { counts: dict(), cost: dict(), amounts: dict(), rulesFired: dict(), reasonCodes: dict(), levels: dict() };
}

export function emptyTally(): Tally {
  return {
    read: 0,
    evaluated: 0,
    invalid: 0,
    invalidSamples: [],
    baseline: emptySide(),
    candidate: emptySide(),
    transitions: dict(),
    changed: 0,
    sameOutcomeOtherReasons: 0,
    weeks: dict(),
    years: dict(),
    fundDays: dict(),
    undated: 0,
    firstChanged: [],
  };
}

export function bump(c: Counter, key: string, by = 1): void {
  c[key] = (c[key] ?? 0) + by;
}

function mergeCounter(into: Counter, from: Counter): void {
  for (const k of Object.keys(from)) bump(into, k, from[k]!);
}

function mergeSide(into: SideTally, from: SideTally): void {
  mergeCounter(into.counts, from.counts);
  mergeCounter(into.cost, from.cost);
  mergeCounter(into.rulesFired, from.rulesFired);
  mergeCounter(into.reasonCodes, from.reasonCodes);
  for (const o of Object.keys(from.amounts)) mergeCounter((into.amounts[o] ??= dict()), from.amounts[o]!);
  for (const l of Object.keys(from.levels)) {
    const dst = (into.levels[l] ??= dict());
    for (const o of Object.keys(from.levels[l]!)) {
      const s = from.levels[l]![o]!;
      const d = (dst[o] ??= { n: 0, amount: 0 });
      d.n += s.n;
      d.amount += s.amount;
    }
  }
}

/** Merges `from` into `into`. Slices must be merged in set order for `firstChanged` and samples to stay ordered. */
export function mergeTally(into: Tally, from: Tally, keepChanged: number, keepInvalid = 20): void {
  into.read += from.read;
  into.evaluated += from.evaluated;
  into.invalid += from.invalid;
  for (const s of from.invalidSamples) if (into.invalidSamples.length < keepInvalid) into.invalidSamples.push(s);
  mergeSide(into.baseline, from.baseline);
  mergeSide(into.candidate, from.candidate);
  mergeCounter(into.transitions, from.transitions);
  into.changed += from.changed;
  into.sameOutcomeOtherReasons += from.sameOutcomeOtherReasons;
  for (const w of Object.keys(from.weeks)) {
    const s = from.weeks[w]!;
    const d = (into.weeks[w] ??= emptyWeek());
    d.n += s.n;
    d.baselineReviews += s.baselineReviews;
    d.candidateReviews += s.candidateReviews;
  }
  for (const y of Object.keys(from.years)) {
    const s = from.years[y]!;
    const d = into.years[y];
    if (!d) {
      into.years[y] = { n: s.n, minDate: s.minDate, maxDate: s.maxDate, baseline: { ...s.baseline }, candidate: { ...s.candidate } };
      continue;
    }
    d.n += s.n;
    if (s.minDate < d.minDate) d.minDate = s.minDate;
    if (s.maxDate > d.maxDate) d.maxDate = s.maxDate;
    mergeCounter(d.baseline, s.baseline);
    mergeCounter(d.candidate, s.candidate);
  }
  for (const day of Object.keys(from.fundDays)) {
    const s = from.fundDays[day]!;
    const d = (into.fundDays[day] ??= emptyFundDay());
    d.baselineObligations += s.baselineObligations;
    d.candidateObligations += s.candidateObligations;
    mergeCounter(d.baselineDemand, s.baselineDemand);
    mergeCounter(d.candidateDemand, s.candidateDemand);
  }
  into.undated += from.undated;
  if (from.minDate && (!into.minDate || from.minDate < into.minDate)) into.minDate = from.minDate;
  if (from.maxDate && (!into.maxDate || from.maxDate > into.maxDate)) into.maxDate = from.maxDate;
  for (const c of from.firstChanged) if (into.firstChanged.length < keepChanged) into.firstChanged.push(c);
}
