/**
 * Synthetic ICE Treatment Authorization Requests, October 2006 – March 2009, calibrated to seed 000
 * (docs/domain.md §1d and §5): 110,538 TARs (about 850 a week) of which, under policy `2005.1`, 8,106 (7.3%) are denied:
 * 4,584 in FY2007, 2,933 in FY2008 and 589 in the first half of FY2009.
 *
 * The policy is static, so the decline has to come from the requests (docs/domain.md, Modelling choices 2), and it comes
 * from the two causes the seed gives:
 *   1. Missing Alien Numbers ("thousands of TARs were denied initially because the facility did not include the
 *      detainee's Alien Number"): a constant rate `aPre` per non-emergency TAR, concentrated at Border Patrol
 *      stations, until the Border Patrol training of October 2008, after which it falls (linearly over
 *      `trainingRampDays`) to `aPost`. TARs missing another mandatory item (date of service or service category)
 *      come with them at `otherIncompleteRatio` × that rate: the training taught complete TARs, not only the number.
 *   2. Physician-authorized TARs ("MCCs no longer review TARs that a physician at the detention center has
 *      authorized"): their share of non-emergency TARs, `p(t)`, follows a logistic adoption curve from
 *      `physician.start`. A facility physician who authorizes a TAR has checked it against the Covered Services
 *      Package, so only TARs *not* authorized by a physician ask for services outside the CSP, with probability
 *      `q`. As physician authorization spreads, not-covered denials fall.
 * Under 2005.1 a non-emergency TAR is denied exactly when it is incomplete or not covered, so the expected denials on
 * a day are NE(d) · [(1 + otherIncompleteRatio) · a(d) + q · (1 − p(d))], NE(d) being its non-emergency TARs.
 *
 * Calibration (solved, not guessed): given `alienShare` (the share of the 8,106 denials due to a missing Alien
 * Number; the seed says only "thousands"), `trainingEffect` (the share of missing numbers the training removed)
 * and the shape of the adoption curve, four unknowns — aPre, aPost, q and the physician share the curve reaches,
 * pEnd — solve four linear equations (FY2007, FY2008 and FY2009-H1 denials, and the Alien Number denials;
 * linear in aPre, aPost, q and q·(pEnd − start)); the curve's midpoint is then moved (bisection) until
 * 1 − aPost/aPre equals `trainingEffect`.
 *
 * Sampling is stratified so that the calibration is met to the TAR, not within sampling noise (±√n ≈ ±60 a year):
 * the day's TAR count, emergency count and denial-prone count are cumulative roundings of their expected values,
 * so every period's total is its expected total rounded. Everything else (which TAR of the day, its facility,
 * category, cost, dates, the cause of a denial) is drawn from the seeded generator.
 */
import { createRng, cumulativeRound, type Rng } from "../../../engine/simulate/history/prng.js";
import { defineGenerator } from "../../../engine/simulate/history/generator.js";
import { DAY_MS, dayMs, isoDay } from "../../../engine/simulate/history/calendar.js";

export interface Period {
  readonly name: string;
  /** First and last day, inclusive. */
  readonly from: string;
  readonly to: string;
  /** Denials under 2005.1 in the period (the seed's figure). */
  readonly denials: number;
}

export interface IceTarParams {
  readonly total: number;
  readonly from: string;
  readonly to: string;
  readonly periods: readonly Period[];
  /** Share of all denials due to a missing Alien Number ("thousands"): the calibration parameter. */
  readonly alienShare: number;
  /** Share of missing Alien Numbers the October 2008 Border Patrol training removed. */
  readonly trainingEffect: number;
  readonly trainingDate: string;
  readonly trainingRampDays: number;
  /** TARs missing the date of service or the service category, per TAR missing the Alien Number. */
  readonly otherIncompleteRatio: number;
  readonly emergencyRate: number;
  /** Physician-authorized share of non-emergency TARs: start value and logistic width in days (the 10–90% span). */
  readonly physician: { readonly start: number; readonly widthDays: number };
  /** Relative TAR volume by weekday, Sunday first. */
  readonly weekdayWeights: readonly number[];
  /** Volume at the end relative to the start, minus one (detention population growth). */
  readonly volumeGrowth: number;
  readonly followUpRate: number;
  readonly urgentRate: number;
}

export const ICE_TAR_DEFAULTS: IceTarParams = {
  total: 110_538,
  from: "2006-10-01",
  to: "2009-03-31",
  periods: [
    { name: "FY2007", from: "2006-10-01", to: "2007-09-30", denials: 4_584 },
    { name: "FY2008", from: "2007-10-01", to: "2008-09-30", denials: 2_933 },
    { name: "FY2009 H1", from: "2008-10-01", to: "2009-03-31", denials: 589 },
  ],
  alienShare: 0.4,
  trainingEffect: 0.85,
  trainingDate: "2008-10-01",
  trainingRampDays: 31,
  otherIncompleteRatio: 0.12,
  emergencyRate: 0.07,
  physician: { start: 0.05, widthDays: 150 },
  weekdayWeights: [0.35, 1, 1, 1, 1, 1, 0.45],
  volumeGrowth: 0.08,
  followUpRate: 0.16,
  urgentRate: 0.2,
};

export interface IceTarCalibration {
  readonly days: number;
  /** Per day: TARs, emergencies, denial-prone (non-emergency) TARs. */
  readonly perDay: { n: number[]; emergencies: number[]; denials: number[] };
  readonly aPre: number;
  readonly aPost: number;
  readonly q: number;
  readonly pEnd: number;
  /** Midpoint of the physician adoption curve (solved). */
  readonly physicianMidpoint: string;
  /** Expected denials per period and in all (equal to the targets). */
  readonly expected: Record<string, number>;
  /** Alien Number rate per non-emergency TAR on day i. */
  a(i: number): number;
  /** Physician-authorized share of non-emergency TARs on day i. */
  p(i: number): number;
}

/** Solves A·x = b (4×4 or so) by Gaussian elimination with partial pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]! / m[c]![c]!;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

export function calibrateIceTar(params: IceTarParams = ICE_TAR_DEFAULTS): IceTarCalibration {
  const p = params;
  const start = dayMs(p.from);
  const days = Math.round((dayMs(p.to) - start) / DAY_MS) + 1;
  const weights: number[] = [];
  for (let i = 0; i < days; i++) {
    const wd = new Date(start + i * DAY_MS).getUTCDay();
    weights.push(p.weekdayWeights[wd]! * (1 + (p.volumeGrowth * i) / Math.max(1, days - 1)));
  }
  const wsum = weights.reduce((x, y) => x + y, 0);
  const n = cumulativeRound(weights.map((w) => (p.total * w) / wsum));
  const emergencies = cumulativeRound(n.map((x) => x * p.emergencyRate));
  const ne = n.map((x, i) => x - emergencies[i]!);
  const trainingDay = Math.round((dayMs(p.trainingDate) - start) / DAY_MS);
  // 1 before the training, falling linearly to 0 over the ramp.
  const ramp = (i: number): number => (i < trainingDay ? 1 : Math.max(0, 1 - (i - trainingDay + 1) / p.trainingRampDays));
  const periodOf = (i: number): number => {
    const d = isoDay(start + i * DAY_MS);
    return p.periods.findIndex((x) => x.from <= d && d <= x.to);
  };
  const periodIdx = Array.from({ length: days }, (_, i) => periodOf(i));
  const f = 1 + p.otherIncompleteRatio;
  const totalDenials = p.periods.reduce((s, x) => s + x.denials, 0);

  const solveFor = (midDay: number) => {
    const k = 4.394 / p.physician.widthDays; // logistic: 10% → 90% over widthDays (2·ln 9 ≈ 4.394)
    const raw = (i: number): number => 1 / (1 + Math.exp(-k * (i - midDay)));
    const r0 = raw(0);
    const r1 = raw(days - 1);
    const s = (i: number): number => (raw(i) - r0) / (r1 - r0);
    // Unknowns x = [aPre, aPost, q, w] with w = q·(pEnd − start); a(i) = aPost + (aPre − aPost)·ramp(i).
    const rows: number[][] = [];
    const rhs: number[] = [];
    for (let k2 = 0; k2 < p.periods.length; k2++) {
      let sumNe = 0, sumRamp = 0, sumS = 0;
      for (let i = 0; i < days; i++) {
        if (periodIdx[i] !== k2) continue;
        sumNe += ne[i]!;
        sumRamp += ne[i]! * ramp(i);
        sumS += ne[i]! * s(i);
      }
      rows.push([f * sumRamp, f * (sumNe - sumRamp), sumNe * (1 - p.physician.start), -sumS]);
      rhs.push(p.periods[k2]!.denials);
    }
    let allRamp = 0, allNe = 0;
    for (let i = 0; i < days; i++) {
      allRamp += ne[i]! * ramp(i);
      allNe += ne[i]!;
    }
    rows.push([allRamp, allNe - allRamp, 0, 0]);
    rhs.push(p.alienShare * totalDenials);
    if (rows.length !== 4) throw new Error("ice-tar calibration needs exactly three periods");
    const [aPre, aPost, q, w] = solve(rows, rhs) as [number, number, number, number];
    return { aPre, aPost, q, pEnd: p.physician.start + w / q, s };
  };

  // Later adoption leaves more denials for FY2009 H1 to the Alien Number, so less training effect. Scan the
  // midpoints for the first bracket of plausible solutions around the wanted effect, then bisect inside it (far
  // from the data the system is ill-conditioned, so a blind bisection over the whole range can wander off).
  const plausible = (x: ReturnType<typeof solveFor>): boolean => x.aPre > 0 && x.aPost >= 0 && x.q > 0 && x.pEnd > p.physician.start && x.pEnd < 0.95;
  const gap = (mid: number): number => {
    const x = solveFor(mid);
    return 1 - x.aPost / x.aPre - p.trainingEffect;
  };
  let lo = -1;
  let hi = -1;
  for (let m = 15; m + 5 < days - 15; m += 5) {
    const a = solveFor(m);
    const b = solveFor(m + 5);
    if (plausible(a) && plausible(b) && Math.sign(gap(m)) !== Math.sign(gap(m + 5))) {
      lo = m;
      hi = m + 5;
      break;
    }
  }
  if (lo >= 0) {
    const upward = gap(lo) > 0;
    for (let it = 0; it < 60; it++) {
      const mid = (lo + hi) / 2;
      if (gap(mid) > 0 === upward) lo = mid;
      else hi = mid;
    }
  }
  const midDay = (lo + hi) / 2;
  const sol = solveFor(midDay);
  const { aPre, aPost, q, pEnd, s } = sol;
  const problems: string[] = [];
  if (!(aPre > 0 && aPost >= 0 && aPost <= aPre)) problems.push(`Alien Number rates ${aPre.toFixed(4)} → ${aPost.toFixed(4)}`);
  if (!(q > 0 && q < 0.5)) problems.push(`not-covered rate ${q.toFixed(4)}`);
  if (!(pEnd > p.physician.start && pEnd < 0.95)) problems.push(`physician share at the end ${pEnd.toFixed(3)}`);
  if (Math.abs(1 - aPost / aPre - p.trainingEffect) > 1e-6) problems.push("no adoption curve gives that training effect");
  if (problems.length) throw new Error(`ice-tar calibration has no plausible solution for these parameters: ${problems.join("; ")}`);

  const a = (i: number): number => aPost + (aPre - aPost) * ramp(i);
  const phys = (i: number): number => p.physician.start + (pEnd - p.physician.start) * s(i);
  const expectedDenials = ne.map((x, i) => x * (f * a(i) + q * (1 - phys(i))));
  const denials = cumulativeRound(expectedDenials);
  const expected: Record<string, number> = {};
  for (let i = 0; i < days; i++) {
    const name = p.periods[periodIdx[i]!]?.name ?? "outside";
    expected[name] = (expected[name] ?? 0) + expectedDenials[i]!;
  }
  expected.total = expectedDenials.reduce((x, y) => x + y, 0);
  return {
    days,
    perDay: { n, emergencies, denials },
    aPre,
    aPost,
    q,
    pEnd,
    physicianMidpoint: isoDay(start + Math.round(midDay) * DAY_MS),
    expected,
    a,
    p: phys,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// What a TAR looks like
// ---------------------------------------------------------------------------------------------------------------

type FacilityType = "SPC" | "CDF" | "IGSA" | "BP";

/**
 * Facilities by type; within a type, volume follows Zipf weights with exponent 0.3 (a few large facilities send
 * more TARs). 288 facilities in all; the 8 busiest send 23.6% of the FY2009 H1 TARs and the 12 busiest 31% (30%
 * over the 30 months). The seed: two groups of four facilities "accounted for 23.4% of TAR submissions in the first
 * 6 months of FY 2009", and the 12 facilities contacted 28.7% (FY2009 H1) and 20.6% (30 months).
 */
const FACILITY_COUNTS: Record<FacilityType, number> = { SPC: 8, CDF: 20, IGSA: 180, BP: 80 };

/** Facility type mix by kind of TAR (share of TARs). Border Patrol stations have no physician on site. */
const TYPE_MIX: Record<string, readonly (readonly [FacilityType, number])[]> = {
  base: [["SPC", 0.22], ["CDF", 0.24], ["IGSA", 0.44], ["BP", 0.1]],
  physician: [["SPC", 0.24], ["CDF", 0.3], ["IGSA", 0.46]],
  alienBefore: [["BP", 0.5], ["IGSA", 0.3], ["CDF", 0.12], ["SPC", 0.08]],
  alienAfter: [["BP", 0.15], ["IGSA", 0.5], ["CDF", 0.2], ["SPC", 0.15]],
  emergency: [["SPC", 0.22], ["CDF", 0.2], ["IGSA", 0.38], ["BP", 0.2]],
};

interface CategorySpec {
  readonly median: number;
  readonly sigma: number;
  readonly codes: readonly string[];
  readonly diagnoses: readonly string[];
}

/** Services inside the CSP (2005.1 `covered` + `caseByCase`): typical CPT/HCPCS and ICD-10 codes, cost medians. */
const COVERED: Record<string, CategorySpec> = {
  "specialist-consult": { median: 320, sigma: 0.45, codes: ["99243", "99244", "99245"], diagnoses: ["M54.5", "R10.9", "I10", "E11.9", "K21.9", "N20.0", "H40.9"] },
  "lab-basic": { median: 140, sigma: 0.5, codes: ["80053", "85025", "80061", "87340", "86803"], diagnoses: ["E11.9", "B18.2", "Z11.4", "D64.9", "E78.5"] },
  "imaging-advanced": { median: 1_150, sigma: 0.5, codes: ["70450", "72148", "74160", "73721", "71250"], diagnoses: ["R51", "M54.5", "R10.9", "S83.209A", "R91.8"] },
  dental: { median: 240, sigma: 0.6, codes: ["D7140", "D2391", "D0220", "D3310"], diagnoses: ["K02.9", "K04.7", "K08.9"] },
  vision: { median: 160, sigma: 0.4, codes: ["92004", "92014", "92015"], diagnoses: ["H52.4", "H52.13", "H40.9"] },
  "xray-chest-tb": { median: 85, sigma: 0.3, codes: ["71010", "71020"], diagnoses: ["Z11.1", "R76.11"] },
  prenatal: { median: 420, sigma: 0.5, codes: ["59425", "59426", "76805", "76815"], diagnoses: ["Z34.90", "O09.90", "Z34.80"] },
  "surgery-scheduled": { median: 6_800, sigma: 0.55, codes: ["47562", "49505", "29881", "66984"], diagnoses: ["K80.20", "K40.90", "S83.209A", "H25.9"] },
  "inpatient-admission": { median: 11_500, sigma: 0.7, codes: ["99222", "99223"], diagnoses: ["J18.9", "I21.9", "K35.80", "E11.65", "F32.9"] },
  ambulance: { median: 650, sigma: 0.5, codes: ["A0428", "A0425"], diagnoses: ["R55", "S09.90XA", "R07.9"] },
};

/** Non-emergency requests inside the CSP, by share (physician-authorized TARs lean to routine services). */
const CATEGORY_MIX: readonly (readonly [string, number])[] = [
  ["specialist-consult", 0.27], ["lab-basic", 0.12], ["imaging-advanced", 0.1], ["dental", 0.12], ["vision", 0.07],
  ["xray-chest-tb", 0.05], ["prenatal", 0.04], ["surgery-scheduled", 0.07], ["inpatient-admission", 0.05], ["ambulance", 0.03],
];
const PHYSICIAN_CATEGORY_MIX: readonly (readonly [string, number])[] = [
  ["specialist-consult", 0.3], ["lab-basic", 0.15], ["imaging-advanced", 0.11], ["dental", 0.13], ["vision", 0.08],
  ["xray-chest-tb", 0.06], ["prenatal", 0.04], ["surgery-scheduled", 0.05], ["inpatient-admission", 0.04], ["ambulance", 0.04],
];
const EMERGENCY_CATEGORY_MIX: readonly (readonly [string, number])[] = [
  ["inpatient-admission", 0.35], ["ambulance", 0.3], ["specialist-consult", 0.15], ["imaging-advanced", 0.12], ["lab-basic", 0.08],
];

/** Services outside the CSP (requested, then denied `not-covered`). Not in the seed: plausible examples. */
const NOT_COVERED: Record<string, CategorySpec> = {
  "physical-therapy": { median: 900, sigma: 0.5, codes: ["97110", "97140"], diagnoses: ["M54.5", "M25.561"] },
  "dental-prosthetics": { median: 1_400, sigma: 0.4, codes: ["D5110", "D5211"], diagnoses: ["K08.109"] },
  "hearing-aids": { median: 2_200, sigma: 0.3, codes: ["V5261"], diagnoses: ["H90.3"] },
  orthodontics: { median: 3_500, sigma: 0.3, codes: ["D8080"], diagnoses: ["M26.4"] },
  cosmetic: { median: 4_000, sigma: 0.5, codes: ["15823", "11200"], diagnoses: ["L90.5", "H02.839"] },
};
const NOT_COVERED_MIX: readonly (readonly [string, number])[] = [
  ["physical-therapy", 0.4], ["dental-prosthetics", 0.2], ["hearing-aids", 0.15], ["orthodontics", 0.1], ["cosmetic", 0.15],
];

const JUSTIFICATIONS = [
  "Symptomatic despite conservative management for 6 weeks",
  "Recurrent pain limiting daily activities; outside specialist recommends procedure",
  "Findings on onsite exam require specialist evaluation",
  "Detainee requests; onsite provider supports",
];

function zipfWeights(n: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + 1) ** -0.3);
}

type Kind = "E" | "D" | "N";

export interface IceTarStats {
  total: number;
  emergencies: number;
  denialProne: Record<string, number>;
  physician: number;
}

/**
 * The TARs in submission order. Deterministic for (params, seed). `stats`, when given, is filled as it goes
 * (generator-side counts, for the calibration note).
 */
export function* generateIceTar(params: IceTarParams = ICE_TAR_DEFAULTS, seed = 20090331, stats?: IceTarStats): Generator<Record<string, unknown>> {
  const cal = calibrateIceTar(params);
  const rng = createRng(seed);
  const start = dayMs(params.from);
  const trainingMs = dayMs(params.trainingDate);
  const facilities: Record<FacilityType, { ids: string[]; weights: number[] }> = {} as never;
  for (const [type, count] of Object.entries(FACILITY_COUNTS) as [FacilityType, number][]) {
    const w = zipfWeights(count);
    facilities[type] = { ids: Array.from({ length: count }, (_, i) => `${type}-${String(i + 1).padStart(3, "0")}`), weights: w };
  }
  const pickFacility = (mix: keyof typeof TYPE_MIX): { id: string; type: FacilityType } => {
    const type = rng.pick(TYPE_MIX[mix]!);
    const f = facilities[type];
    return { id: rng.pick(f.ids.map((id, i) => [id, f.weights[i]!] as const)), type };
  };
  const recent: string[] = []; // recent non-emergency TAR ids, for follow-ups
  let seq = 0;
  const f = 1 + params.otherIncompleteRatio;

  for (let day = 0; day < cal.days; day++) {
    const n = cal.perDay.n[day]!;
    const e = cal.perDay.emergencies[day]!;
    const dn = cal.perDay.denials[day]!;
    const dayStart = start + day * DAY_MS;
    const kinds: Kind[] = [];
    for (let i = 0; i < e; i++) kinds.push("E");
    for (let i = 0; i < dn; i++) kinds.push("D");
    while (kinds.length < n) kinds.push("N");
    rng.shuffle(kinds);
    // Submission times of the day, in order: business hours (US, written in UTC) for routine TARs.
    const times = Array.from({ length: n }, () => rng.int(12 * 60, 23 * 60 + 59)).sort((x, y) => x - y);
    const a = cal.a(day);
    const p = cal.p(day);
    const denialRate = f * a + cal.q * (1 - p);
    // Physician share among TARs that are not denial-prone, so that the day's overall share is p.
    const physNonDenial = Math.min(1, Math.max(0, (p * (1 - f * a)) / Math.max(1e-9, 1 - denialRate)));
    const afterTraining = dayStart >= trainingMs;

    for (let k = 0; k < n; k++) {
      seq++;
      const kind = kinds[k]!;
      const tarId = `TAR-${String(seq).padStart(7, "0")}`;
      const submittedMs = dayStart + times[k]! * 60_000 + rng.int(0, 59) * 1000;
      const submittedAt = new Date(submittedMs).toISOString().replace(".000Z", "Z");
      const alien = rng.chance(0.85) ? `A${rng.int(0, 2) ? "0" : "2"}${String(rng.int(0, 99_999_999)).padStart(8, "0")}` : String(rng.int(10_000_000, 99_999_999));
      if (stats) stats.total++;

      if (kind === "E") {
        if (stats) stats.emergencies++;
        const category = rng.pick(EMERGENCY_CATEGORY_MIX);
        const spec = COVERED[category]!;
        const facility = pickFacility("emergency");
        // "In emergencies, the TAR is submitted as soon as possible after treatment."
        const dos = isoDay(dayStart - rng.int(0, 3) * DAY_MS);
        const tar: Record<string, unknown> = {
          tarId,
          facility,
          submittedAt: new Date(dayStart + rng.int(0, 1439) * 60_000).toISOString().replace(".000Z", "Z"),
          dateOfService: dos,
          emergency: true,
          service: { category, code: rng.oneOf(spec.codes), estimatedCost: Math.round(rng.lognormal(spec.median * 1.3, spec.sigma)) },
          diagnosis: { code: rng.oneOf(spec.diagnoses) },
        };
        // Emergency TARs miss the Alien Number too (mostly Border Patrol): still not-required (modelling choice 7).
        if (!rng.chance(facility.type === "BP" ? Math.min(1, a * 4) : a)) tar.alienNumber = alien;
        yield order(tar);
        continue;
      }

      let cause: "alien" | "other-incomplete" | "not-covered" | undefined;
      let physician: boolean;
      if (kind === "D") {
        const x = rng.next() * denialRate;
        cause = x < a ? "alien" : x < f * a ? "other-incomplete" : "not-covered";
        physician = cause === "not-covered" ? false : rng.chance(p);
        if (stats) stats.denialProne[cause] = (stats.denialProne[cause] ?? 0) + 1;
      } else {
        physician = rng.chance(physNonDenial);
      }
      if (stats && physician) stats.physician++;
      const facility = pickFacility(
        physician ? "physician" : cause === "alien" ? (afterTraining ? "alienAfter" : "alienBefore") : "base",
      );
      let category: string;
      let spec: CategorySpec;
      if (cause === "not-covered") {
        category = rng.pick(NOT_COVERED_MIX);
        spec = NOT_COVERED[category]!;
      } else {
        category = rng.pick(physician ? PHYSICIAN_CATEGORY_MIX : CATEGORY_MIX);
        spec = COVERED[category]!;
      }
      const leadDays = Math.min(60, Math.max(1, Math.round(rng.lognormal(7, 0.6))));
      const service: Record<string, unknown> = {
        category,
        code: rng.oneOf(spec.codes),
        estimatedCost: Math.round(rng.lognormal(spec.median, spec.sigma)),
      };
      const tar: Record<string, unknown> = {
        tarId,
        facility,
        submittedAt,
        dateOfService: isoDay(dayStart + leadDays * DAY_MS),
        emergency: false,
        // TARWeb had no urgency flag ("TARs are reviewed on an as-received basis"): this is the urgency a facility
        // would have marked, coded retrospectively; 2005.1 ignores it.
        urgency: rng.chance(["surgery-scheduled", "imaging-advanced", "inpatient-admission"].includes(category) ? params.urgentRate * 1.5 : params.urgentRate) ? "urgent" : "routine",
        service,
        onsiteApproval: physician ? "physician" : "none",
      };
      if (cause !== "alien") tar.alienNumber = alien;
      else if (rng.chance(0.3)) tar.alienNumber = ""; // an empty field is as missing as an absent one
      if (rng.chance(0.92)) tar.diagnosis = { code: rng.oneOf(spec.diagnoses) };
      if (cause === "other-incomplete") {
        if (rng.chance(0.6)) delete tar.dateOfService;
        else delete service.category;
      }
      const followUpable = ["specialist-consult", "lab-basic", "imaging-advanced", "dental", "vision", "prenatal"].includes(category);
      if (cause !== "not-covered" && followUpable && recent.length > 50 && rng.chance(params.followUpRate / 0.72)) {
        tar.followUpOf = recent[recent.length - 1 - rng.int(0, 49)];
      }
      if (category === "surgery-scheduled" || cause === "not-covered" ? rng.chance(0.7) : rng.chance(0.05)) {
        tar.justification = rng.oneOf(JUSTIFICATIONS);
      }
      if (!cause) {
        recent.push(tarId);
        if (recent.length > 2000) recent.splice(0, 1000);
      }
      yield order(tar);
    }
  }
}

/** A stable key order, as a TARWeb export would have it. */
const KEY_ORDER = ["tarId", "alienNumber", "facility", "submittedAt", "dateOfService", "emergency", "urgency", "service", "diagnosis", "followUpOf", "onsiteApproval", "bundle", "justification"];
function order(tar: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (tar[k] !== undefined) out[k] = tar[k];
  return out;
}

export type { Rng };

/** The module program.yaml names: the TARs, and the calibration line scripts/generate-history.ts prints. */
export default defineGenerator<IceTarParams>({
  defaults: ICE_TAR_DEFAULTS,
  generate: (p, seed) => generateIceTar(p, seed),
  describe(p) {
    const cal = calibrateIceTar(p);
    const expected = Object.entries(cal.expected).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(", ");
    return `calibration: aPre ${cal.aPre.toFixed(5)}, aPost ${cal.aPost.toFixed(5)} (training removes ${((1 - cal.aPost / cal.aPre) * 100).toFixed(1)}%), not-covered q ${cal.q.toFixed(5)}, physician share ${p.physician.start} → ${cal.pEnd.toFixed(3)} (midpoint ${cal.physicianMidpoint}); expected denials ${expected}`;
  },
});
