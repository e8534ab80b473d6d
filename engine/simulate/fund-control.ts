/**
 * CHS fund control (IHS Circular 91-07, seed 003, Attachment B; docs/domain.md §3): for each fiscal quarter the request
 * set covers, the Total Funds Available, the weekly spending rate, and week by week what each side of a simulation
 * would obligate and the projected balance; the week each side runs out, and the highest medical priority level
 * the funds would cover.
 *
 *   Total Funds Available = carry-over from the previous quarter (0 in Q1 unless given)
 *                         + advice-of-allowance amounts + CHEF reimbursements as received + positive adjustments
 *                         − contracts payable in the quarter − known costs (e.g. obstetric and newborn care)
 *                         − negative adjustments − valid obligations not yet entered.
 *   Weekly spending rate  = Total Funds Available ÷ weeks in the quarter (13).
 *
 * Obligations: a purchase order obligates the request's estimated cost less what alternate resources already paid
 * (2-3.8H), in the week the referral or notification came in (commitment register, 2-3.13C). Catastrophic (CHEF)
 * cases are obligated in full as they occur: "the Service Unit shall not adjust the CHS available balance until the
 * advice of allowance ... indicating reimbursement from the CHEF is received" (Attachment B), which is what the
 * `chefReimbursements` figures are.
 * Carry-over: each quarter after the first starts with the previous quarter's projected ending balance *of that
 * side* (which may be negative: an overspent quarter eats into the next).
 * Highest priority covered: the requests a side does not deny (purchase order or deferral) form the demand at each
 * medical priority level; funds cover level L when the demand of levels 1…L fits in the quarter's Total Funds
 * Available. That is the `fundedLevel` the Service Unit could afford.
 */
import type { FundDay } from "./aggregate.js";
import { addDays, daysBetween, fiscalQuarter } from "./history/calendar.js";

type PerQuarter = number | readonly number[];

export interface FundControlParams {
  /** Carry-over into the first quarter (Attachment B: 0 in Q1). */
  readonly carryOver?: number;
  readonly allowance: PerQuarter;
  readonly chefReimbursements?: PerQuarter;
  readonly positiveAdjustments?: PerQuarter;
  readonly contractsPayable?: PerQuarter;
  readonly knownCosts?: PerQuarter;
  readonly negativeAdjustments?: PerQuarter;
  readonly unenteredObligations?: PerQuarter;
  /** The period whose quarters are reported (default: the set's first to last request date). */
  readonly from?: string;
  readonly to?: string;
  /** Quarters to report, as "FY2009 Q1" …; default: every quarter from `from` to `to`. */
  readonly quarters?: readonly string[];
  /** Weeks per quarter (Attachment B divides by "the number of weeks in the Quarter"). */
  readonly weeksPerQuarter?: number;
}

export interface FundWeek {
  readonly week: number;
  readonly start: string;
  readonly obligations: number;
  readonly cumulative: number;
  /** Total Funds Available − cumulative obligations. */
  readonly projectedBalance: number;
  /** Total Funds Available − weekly rate × weeks elapsed: the balance on the consistent-spending plan (§3). */
  readonly plannedBalance: number;
}

export interface FundSide {
  readonly carryOver: number;
  readonly totalFundsAvailable: number;
  readonly weeklySpendingRate: number;
  readonly obligations: number;
  readonly endBalance: number;
  /** First week whose projected balance is below zero, or null. */
  readonly runsOut: { readonly week: number; readonly start: string } | null;
  /** Demand (obligation) per priority level of the requests the side does not deny. */
  readonly demandByLevel: Readonly<Record<string, number>>;
  /** Highest level L whose cumulative demand (levels 1…L) fits the funds; 0 when not even level 1 fits. */
  readonly highestPriorityCovered: number;
  readonly weeks: readonly FundWeek[];
}

export interface FundQuarter {
  readonly quarter: string;
  readonly start: string;
  readonly end: string;
  readonly weeks: number;
  readonly funds: {
    readonly allowance: number;
    readonly chefReimbursements: number;
    readonly positiveAdjustments: number;
    readonly contractsPayable: number;
    readonly knownCosts: number;
    readonly negativeAdjustments: number;
    readonly unenteredObligations: number;
  };
  readonly baseline: FundSide;
  readonly candidate: FundSide;
}

export interface FundControlReport {
  readonly method: string;
  readonly params: FundControlParams;
  readonly quarters: readonly FundQuarter[];
  readonly summary: {
    readonly baseline: { readonly runsOut: string | null; readonly highestPriorityCovered: number; readonly obligations: number };
    readonly candidate: { readonly runsOut: string | null; readonly highestPriorityCovered: number; readonly obligations: number };
  };
}

function at(v: PerQuarter | undefined, i: number): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  return v[i] ?? v[v.length - 1] ?? 0;
}

function quarterName(fy: number, q: number): string {
  return `FY${fy} Q${q}`;
}

/** The fiscal quarters from `from` to `to` (dates), in order. */
function quartersBetween(from: string, to: string): { name: string; start: string; end: string }[] {
  const out: { name: string; start: string; end: string }[] = [];
  let d = from;
  while (d <= to) {
    const q = fiscalQuarter(d);
    out.push({ name: quarterName(q.fy, q.q), start: q.start, end: q.end });
    d = addDays(q.end, 1);
  }
  return out;
}

function side(
  days: Readonly<Record<string, FundDay>>,
  which: "baseline" | "candidate",
  q: { start: string; end: string },
  nWeeks: number,
  tfa: number,
  carryOver: number,
): FundSide {
  const obligationsByWeek = new Array<number>(nWeeks).fill(0);
  const demand: Record<string, number> = {};
  for (const [day, f] of Object.entries(days)) {
    if (day < q.start || day > q.end) continue;
    // Week k of the quarter holds its days 7k … 7k+6; the 13th week also takes the quarter's last day or two.
    const idx = Math.min(nWeeks - 1, Math.floor(daysBetween(q.start, day) / 7));
    obligationsByWeek[idx]! += which === "baseline" ? f.baselineObligations : f.candidateObligations;
    for (const [lvl, amt] of Object.entries(which === "baseline" ? f.baselineDemand : f.candidateDemand)) demand[lvl] = (demand[lvl] ?? 0) + amt;
  }
  const rate = tfa / nWeeks;
  let cum = 0;
  let runsOut: FundSide["runsOut"] = null;
  const out: FundWeek[] = obligationsByWeek.map((o, i) => {
    cum += o;
    const start = addDays(q.start, i * 7);
    const balance = tfa - cum;
    if (runsOut === null && balance < 0) runsOut = { week: i + 1, start };
    return { week: i + 1, start, obligations: round2(o), cumulative: round2(cum), projectedBalance: round2(balance), plannedBalance: round2(tfa - rate * (i + 1)) };
  });
  const levels = Object.keys(demand).map(Number).filter((l) => Number.isFinite(l)).sort((a, b) => a - b);
  let covered = 0;
  let running = 0;
  for (const l of levels) {
    running += demand[String(l)]!;
    if (running <= tfa) covered = l;
    else break;
  }
  const demandByLevel: Record<string, number> = {};
  for (const l of levels) demandByLevel[String(l)] = round2(demand[String(l)]!);
  return {
    carryOver: round2(carryOver),
    totalFundsAvailable: round2(tfa),
    weeklySpendingRate: round2(rate),
    obligations: round2(cum),
    endBalance: round2(tfa - cum),
    runsOut,
    demandByLevel,
    highestPriorityCovered: covered,
    weeks: out,
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function fundControl(days: Readonly<Record<string, FundDay>>, from: string, to: string, params: FundControlParams): FundControlReport {
  const nWeeks = params.weeksPerQuarter ?? 13;
  let quarters = quartersBetween(params.from ?? from, params.to ?? to);
  if (params.quarters?.length) quarters = quarters.filter((q) => params.quarters!.includes(q.name));
  let carryB = params.carryOver ?? 0;
  let carryC = params.carryOver ?? 0;
  const out: FundQuarter[] = [];
  quarters.forEach((q, i) => {
    const funds = {
      allowance: at(params.allowance, i),
      chefReimbursements: at(params.chefReimbursements, i),
      positiveAdjustments: at(params.positiveAdjustments, i),
      contractsPayable: at(params.contractsPayable, i),
      knownCosts: at(params.knownCosts, i),
      negativeAdjustments: at(params.negativeAdjustments, i),
      unenteredObligations: at(params.unenteredObligations, i),
    };
    const net = funds.allowance + funds.chefReimbursements + funds.positiveAdjustments - funds.contractsPayable - funds.knownCosts - funds.negativeAdjustments - funds.unenteredObligations;
    const b = side(days, "baseline", q, nWeeks, carryB + net, carryB);
    const c = side(days, "candidate", q, nWeeks, carryC + net, carryC);
    carryB = b.endBalance;
    carryC = c.endBalance;
    out.push({ quarter: q.name, start: q.start, end: q.end, weeks: nWeeks, funds, baseline: b, candidate: c });
  });
  const sum = (which: "baseline" | "candidate") => {
    const first = out.find((q) => q[which].runsOut);
    const ro = first?.[which].runsOut;
    return {
      runsOut: first && ro ? `${first.quarter} week ${ro.week} (${ro.start})` : null,
      highestPriorityCovered: out.length ? Math.min(...out.map((q) => q[which].highestPriorityCovered)) : 0,
      obligations: round2(out.reduce((s, q) => s + q[which].obligations, 0)),
    };
  };
  return {
    method: "IHS Circular 91-07 Attachment B: Total Funds Available = carry-over + allowance + CHEF reimbursements + positive adjustments − contracts payable − known costs − negative adjustments − unentered obligations; weekly spending rate = Total Funds Available ÷ weeks in the quarter",
    params,
    quarters: out,
    summary: { baseline: sum("baseline"), candidate: sum("candidate") },
  };
}
