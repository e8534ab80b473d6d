/**
 * Synthetic IHS Contract Health Services referrals and notifications for one fiscal year (FY2009 by default).
 * INVENTED: the seeds (002, 003) give no volumes, rates or costs. The mix is chosen so that every rule of
 * `ihs-chs 2008.1` fires on a plausible share of the year (docs/domain.md, Modelling choices 23), and so that a
 * simulation of the funded priority level (`fundedLevel` 3 → 4) moves money, which the fund-control report shows.
 *
 * Shape of the year: about 240 referrals a week (weekdays mostly), a Service Unit with a reservation and a CHSDA;
 * most patients are eligible tribal members; about one referral in five is an emergency, one in five acute; the
 * rest routine. Every share below is a plain number in `IHS_CHS_DEFAULTS` so it can be read and changed.
 */
import { createRng, cumulativeRound } from "../../../engine/simulate/history/prng.js";
import { defineGenerator } from "../../../engine/simulate/history/generator.js";
import { DAY_MS, dayMs, isoDay } from "../../../engine/simulate/history/calendar.js";

export interface IhsChsParams {
  readonly total: number;
  readonly from: string;
  readonly to: string;
  readonly weekdayWeights: readonly number[];
  /** Patient situations (shares; the rest are eligible tribal members residing in the CHSDA). */
  readonly patients: Readonly<Record<string, number>>;
  readonly emergencyRate: number;
  readonly acuteRate: number;
  readonly elderlyRate: number;
  readonly disabledRate: number;
  /** Share of emergency notices later than 72 hours (30 days for the elderly and disabled). */
  readonly lateNoticeRate: number;
  readonly noPriorNoticeRate: number;
  readonly waivedRate: number;
  /** Share of referrals with a listed alternate resource, and of those the share already paid. */
  readonly alternateResourceRate: number;
  readonly alternatePaidRate: number;
  readonly refusedRate: number;
  /** Share of routine referrals that an IHS facility could provide. */
  readonly availableAtIhsRate: number;
  readonly explicitPriorityRate: number;
}

export const IHS_CHS_DEFAULTS: IhsChsParams = {
  total: 12_480,
  from: "2008-10-01",
  to: "2009-09-30",
  weekdayWeights: [0.3, 1, 1, 1, 1, 1, 0.4],
  patients: {
    "on-reservation": 0.06,
    "close-ties": 0.04,
    "no-ties": 0.02,
    "not-direct-care": 0.015,
    student: 0.03,
    "student-expired": 0.008,
    transient: 0.02,
    "left-chsda": 0.02,
    "left-chsda-expired": 0.01,
    "left-chsda-acute": 0.006,
    "foster-child": 0.01,
    "pregnant-in-chsda": 0.012,
    "pregnant-outside": 0.004,
  },
  emergencyRate: 0.2,
  acuteRate: 0.2,
  elderlyRate: 0.12,
  disabledRate: 0.02,
  lateNoticeRate: 0.08,
  noPriorNoticeRate: 0.04,
  waivedRate: 0.3,
  alternateResourceRate: 0.24,
  alternatePaidRate: 0.45,
  refusedRate: 0.006,
  availableAtIhsRate: 0.12,
  explicitPriorityRate: 0.05,
};

interface Cat {
  readonly median: number;
  readonly sigma: number;
}

/** Categories of the policy's `priorityByCategory` table (plus two it does not list), cost medians in dollars. */
const ROUTINE: readonly (readonly [string, number])[] = [
  ["specialist-consult", 0.24], ["diagnostic-imaging", 0.13], ["lab", 0.1], ["outpatient-surgery", 0.08], ["physical-therapy", 0.07],
  ["mental-health-outpatient", 0.05], ["prenatal", 0.06], ["well-child", 0.03], ["immunization", 0.02], ["screening-mammography", 0.03],
  ["screening-colorectal", 0.03], ["joint-replacement", 0.03], ["cardiac-rehabilitation", 0.025], ["long-term-care", 0.015],
  ["cosmetic", 0.006], ["experimental", 0.004], ["infertility-treatment", 0.005], ["chiropractic", 0.012], ["dental-orthodontics", 0.008],
];
const URGENT: readonly (readonly [string, number])[] = [
  ["specialist-consult", 0.3], ["diagnostic-imaging", 0.25], ["outpatient-surgery", 0.2], ["inpatient-acute", 0.15], ["lab", 0.1],
];
const EMERGENT: readonly (readonly [string, number])[] = [
  ["emergency-room", 0.5], ["inpatient-acute", 0.2], ["trauma", 0.08], ["ambulance", 0.12], ["obstetric-delivery", 0.07], ["neonatal-intensive-care", 0.03],
];
const COST: Record<string, Cat> = {
  "emergency-room": { median: 1_400, sigma: 0.7 },
  "inpatient-acute": { median: 14_000, sigma: 0.8 },
  trauma: { median: 28_000, sigma: 0.8 },
  "obstetric-delivery": { median: 7_500, sigma: 0.4 },
  "neonatal-intensive-care": { median: 45_000, sigma: 0.7 },
  ambulance: { median: 900, sigma: 0.6 },
  prenatal: { median: 450, sigma: 0.4 },
  "well-child": { median: 180, sigma: 0.3 },
  immunization: { median: 90, sigma: 0.3 },
  "screening-mammography": { median: 250, sigma: 0.3 },
  "screening-colorectal": { median: 1_200, sigma: 0.4 },
  "specialist-consult": { median: 380, sigma: 0.5 },
  "diagnostic-imaging": { median: 1_100, sigma: 0.6 },
  lab: { median: 160, sigma: 0.5 },
  "outpatient-surgery": { median: 4_800, sigma: 0.6 },
  "physical-therapy": { median: 1_300, sigma: 0.5 },
  "mental-health-outpatient": { median: 700, sigma: 0.5 },
  "joint-replacement": { median: 32_000, sigma: 0.3 },
  "cardiac-rehabilitation": { median: 4_200, sigma: 0.4 },
  "long-term-care": { median: 9_000, sigma: 0.5 },
  cosmetic: { median: 5_000, sigma: 0.5 },
  experimental: { median: 20_000, sigma: 0.6 },
  "infertility-treatment": { median: 9_000, sigma: 0.5 },
  chiropractic: { median: 600, sigma: 0.4 },
  "dental-orthodontics": { median: 4_500, sigma: 0.3 },
};

const RESOURCES: readonly (readonly [string, number])[] = [
  ["medicaid", 0.38], ["medicare", 0.28], ["private-insurance", 0.16], ["va", 0.04], ["state-program", 0.05],
  ["tribal-self-insurance", 0.07], ["victims-of-crime", 0.02],
];

const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");

export function* generateIhsChs(params: IhsChsParams = IHS_CHS_DEFAULTS, seed = 2009): Generator<Record<string, unknown>> {
  const p = params;
  const rng = createRng(seed);
  const start = dayMs(p.from);
  const days = Math.round((dayMs(p.to) - start) / DAY_MS) + 1;
  const w = Array.from({ length: days }, (_, i) => p.weekdayWeights[new Date(start + i * DAY_MS).getUTCDay()]!);
  const wsum = w.reduce((a, b) => a + b, 0);
  const perDay = cumulativeRound(w.map((x) => (p.total * x) / wsum));
  const situations = Object.entries(p.patients);
  const residentShare = 1 - situations.reduce((s, [, v]) => s + v, 0);
  const patientMix: [string, number][] = [["resident", residentShare], ...situations];
  let seq = 0;

  for (let day = 0; day < days; day++) {
    const dayStart = start + day * DAY_MS;
    for (let k = 0; k < perDay[day]!; k++) {
      seq++;
      const referralId = `CHS-${p.from.slice(0, 4)}-${String(seq).padStart(6, "0")}`;
      const situation = rng.pick(patientMix);
      const elderly = rng.chance(p.elderlyRate);
      const ageYears = elderly ? rng.int(65, 92) : rng.int(0, 64);
      const dobMs = dayStart - Math.round((ageYears + rng.next()) * 365.25 * DAY_MS);
      const patient: Record<string, unknown> = { dateOfBirth: isoDay(dobMs), directCareEligible: true, status: "resident" };
      // 2-3.6: who the patient is and where they live.
      switch (situation) {
        case "resident":
          Object.assign(patient, { tribalMember: true, residesInChsda: true, residesOnReservation: rng.chance(0.55) });
          break;
        case "on-reservation":
          Object.assign(patient, { tribalMember: false, residesOnReservation: true, residesInChsda: true });
          break;
        case "close-ties":
          Object.assign(patient, { tribalMember: false, closeTies: true, residesInChsda: true, residesOnReservation: false });
          break;
        case "no-ties":
          Object.assign(patient, { tribalMember: false, closeTies: false, residesInChsda: true, residesOnReservation: false });
          break;
        case "not-direct-care":
          Object.assign(patient, { directCareEligible: false, tribalMember: true, residesInChsda: true });
          break;
        case "student":
        case "student-expired": {
          Object.assign(patient, { tribalMember: true, residesInChsda: false, residesOnReservation: false, status: "full-time-student" });
          if (situation === "student-expired") patient.studiesCompletedOn = isoDay(dayStart - rng.int(190, 400) * DAY_MS);
          else if (rng.chance(0.3)) patient.studiesCompletedOn = isoDay(dayStart - rng.int(10, 170) * DAY_MS);
          break;
        }
        case "transient":
          Object.assign(patient, { tribalMember: true, residesInChsda: false, residesOnReservation: false, status: "transient" });
          break;
        case "left-chsda":
        case "left-chsda-expired":
        case "left-chsda-acute": {
          const ago = situation === "left-chsda" ? rng.int(5, 175) : rng.int(190, 420);
          Object.assign(patient, { tribalMember: true, residesInChsda: false, residesOnReservation: false, status: "left-chsda", leftChsdaOn: isoDay(dayStart - ago * DAY_MS) });
          if (situation === "left-chsda-acute") patient.acuteConditionUnderTreatment = true;
          break;
        }
        case "foster-child":
          Object.assign(patient, { tribalMember: true, residesInChsda: false, residesOnReservation: false, status: "foster-child", dateOfBirth: isoDay(dayStart - rng.int(1, 17) * 365 * DAY_MS) });
          break;
        case "pregnant-in-chsda":
        case "pregnant-outside":
          Object.assign(patient, { directCareEligible: false, tribalMember: false, nonIndianPregnantWithEligibleChild: true, residesInChsda: situation === "pregnant-in-chsda", dateOfBirth: isoDay(dayStart - rng.int(18, 40) * 365 * DAY_MS) });
          break;
        default:
          break;
      }
      if (rng.chance(p.disabledRate)) patient.disabled = true;

      const pregnant = situation.startsWith("pregnant");
      const x = rng.next();
      const emergency = x < p.emergencyRate;
      const acute = !emergency && x < p.emergencyRate + p.acuteRate;
      const category = pregnant ? (emergency ? "obstetric-delivery" : "prenatal") : rng.pick(emergency ? EMERGENT : acute ? URGENT : ROUTINE);
      const cost = COST[category]!;
      const estimatedCost = Math.round(rng.lognormal(cost.median, cost.sigma));
      const service: Record<string, unknown> = { category, emergency, acute, estimatedCost };
      if (rng.chance(p.explicitPriorityRate)) service.priorityLevel = rng.pick([[2, 0.3], [3, 0.4], [4, 0.3]] as const);
      if (!emergency && !acute && rng.chance(p.availableAtIhsRate)) {
        service.availableAtIhsFacility = true;
        service.travelMinutesToIhsFacility = rng.chance(0.7) ? rng.int(15, 90) : rng.int(91, 200);
      } else {
        service.availableAtIhsFacility = false;
      }

      const request: Record<string, unknown> = { referralId, patient, service };
      let dos: string;
      if (emergency) {
        // Treatment starts on the day; notice follows within hours, sometimes late.
        const startMs = dayStart + rng.int(0, 23 * 60 + 59) * 60_000;
        dos = isoDay(startMs);
        const thirtyDays = elderly || patient.disabled === true;
        let delayH: number;
        if (rng.chance(p.lateNoticeRate)) delayH = thirtyDays ? rng.int(31 * 24, 50 * 24) : rng.int(73, 240);
        else if (thirtyDays && rng.chance(0.3)) delayH = rng.int(73, 29 * 24);
        else delayH = Math.min(72, Math.max(0.5, rng.lognormal(18, 0.8)));
        request.treatmentStartedAt = iso(startMs);
        request.notifiedAt = iso(startMs + Math.round(delayH * 60) * 60_000);
        if (delayH > 72 && rng.chance(p.waivedRate * 0.3)) request.notificationWaived = true;
      } else {
        // Referral notified today for care in a few days to weeks.
        const notifiedMs = dayStart + rng.int(13 * 60, 22 * 60) * 60_000;
        dos = isoDay(dayStart + Math.max(1, Math.round(rng.lognormal(9, 0.6))) * DAY_MS);
        request.notifiedAt = iso(notifiedMs);
        if (rng.chance(p.noPriorNoticeRate)) {
          request.priorNotification = false;
          if (rng.chance(p.waivedRate)) request.notificationWaived = true;
        } else {
          request.priorNotification = true;
        }
      }
      request.dateOfService = dos;

      // 2-3.8: alternate resources.
      if (rng.chance(p.alternateResourceRate)) {
        const first = elderly && rng.chance(0.7) ? "medicare" : rng.pick(RESOURCES);
        const available = [first];
        if (rng.chance(0.12)) {
          const second = rng.pick(RESOURCES);
          if (second !== first) available.push(second);
        }
        const ar: Record<string, unknown> = { available };
        if (available.includes("tribal-self-insurance")) ar.tribalPlanHasExclusionaryClause = rng.chance(0.5);
        const onlyNonResources = available.every((r) => r === "victims-of-crime" || (r === "tribal-self-insurance" && ar.tribalPlanHasExclusionaryClause === true));
        if (!onlyNonResources && rng.chance(p.alternatePaidRate)) ar.paidAmount = Math.round(estimatedCost * (0.4 + 0.5 * rng.next()));
        request.alternateResources = ar;
      }
      if (rng.chance(p.refusedRate)) {
        request.alternateResources = { ...((request.alternateResources as object | undefined) ?? { available: ["medicaid"] }), refusedToApply: true };
      }
      yield request;
    }
  }
}

/** The module program.yaml names. */
export default defineGenerator<IhsChsParams>({ defaults: IHS_CHS_DEFAULTS, generate: (p, seed) => generateIhsChs(p, seed) });
