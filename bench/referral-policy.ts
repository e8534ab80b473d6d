/**
 * The benchmark's referral policy: about 50 rules over the ihs-chs request schema, written from the data below, and
 * the same policy hand-written as a plain TypeScript function (the yardstick for the generated evaluator).
 */
export const categories = Array.from({ length: 20 }, (_, k) => ({ name: `cat-${k}`, cap: 1000 + 500 * k }));
export const resources = ["medicare", "medicaid", "private-insurance", "va", "state-program", "tribal-self-insurance"];
export const statuses = ["resident", "full-time-student", "transient", "left-chsda", "foster-child"];
export const bands = [2000, 5000, 10000, 20000, 50000];
const CITE = 'cite "bench: synthetic referral policy"';

/** Source of the policy with `extraCategoryRules` more category rules (for the 1,000-rule compile benchmark). */
export function referralPolicySource(extraCategoryRules = 0): string {
  const cats = Array.from({ length: categories.length + extraCategoryRules }, (_, k) => ({ name: `cat-${k}`, cap: 1000 + 500 * k }));
  const rules: string[] = [];
  for (const c of cats) rules.push(`rule over-cap-${c.name}\n  when service.category = "${c.name}" and service.estimatedCost > ${c.cap}\n  then defer code over-cap ${CITE}`);
  for (const r of resources) rules.push(`rule alt-${r}\n  when alternateResources.available contains "${r}" and alternateResources.paidAmount is missing\n  then deny code alt-${r} ${CITE}`);
  for (const s of statuses) rules.push(`rule outside-${s}\n  when patient.status = "${s}" and patient.residesInChsda = false and patient.residesOnReservation != true\n  then deny code outside ${CITE}`);
  bands.forEach((b, i) => rules.push(`rule band-${i}\n  when service.estimatedCost > ${b}\n  then set band = ${i + 1}`));
  rules.push(
    `rule not-direct-care\n  when patient.directCareEligible = false\n  then deny code not-eligible ${CITE}`,
    `rule no-ties\n  when patient.tribalMember = false and patient.closeTies = false and patient.residesOnReservation != true\n  then deny code no-ties ${CITE}`,
    `rule late-emergency\n  when service.emergency = true and hours(treatmentStartedAt, notifiedAt) > 72 and not elderlyOrDisabled\n  then deny code late ${CITE}`,
    `rule late-elderly\n  when service.emergency = true and elderlyOrDisabled and hours(treatmentStartedAt, notifiedAt) > 720\n  then deny code late ${CITE}`,
    `rule no-prior-notice\n  when service.emergency != true and priorNotification != true and notificationWaived != true\n  then deny code no-notice ${CITE}`,
    `rule excluded\n  when service.priorityLevel = 5\n  then deny code excluded ${CITE}`,
    `rule unfunded\n  when service.priorityLevel > fundedLevel and routine\n  then defer code unfunded ${CITE}`,
    `rule nearby\n  when service.availableAtIhsFacility = true and service.travelMinutesToIhsFacility <= 90 and routine\n  then deny code nearby ${CITE}`,
    `rule covered\n  when service.category in covered and service.estimatedCost <= 10000\n  then approve code covered ${CITE}`,
    `rule refused\n  when alternateResources.refusedToApply = true\n  then deny code refused ${CITE}`,
    `rule high-cost\n  when service.estimatedCost > 10000\n  then set highCostCase = true`,
    `rule urgent\n  when service.acute = true or service.emergency = true\n  then set urgent = true`,
  );
  return `---
program: ihs-chs
version: "bench.1"
effective: 2008-01-01
title: Benchmark referral policy
requestSchema: request.schema.json
outcomes: [deny, defer, approve]
parameters:
  fundedLevel: { value: 3 }
tables:
  covered: { values: [${cats.slice(0, 10).map((c) => c.name).join(", ")}] }
---
let elderlyOrDisabled = years(patient.dateOfBirth, dateOfService) >= 65 or patient.disabled = true
let routine = service.emergency != true and service.acute != true

${rules.join("\n\n")}

otherwise defer code review reason "Reviewed by the committee" ${CITE}
`;
}

const DAY = 86_400_000;
const num = (v: unknown): v is number => typeof v === "number";

function age(birth: unknown, at: unknown): number | undefined {
  if (typeof birth !== "string" || typeof at !== "string") return undefined;
  const [by, bm, bd] = birth.slice(0, 10).split("-").map(Number) as [number, number, number];
  const [ay, am, ad] = at.slice(0, 10).split("-").map(Number) as [number, number, number];
  if (![by, bm, bd, ay, am, ad].every(Number.isFinite)) return undefined;
  return ay - by - (am < bm || (am === bm && ad < bd) ? 1 : 0);
}

function hoursBetween(a: unknown, b: unknown): number | undefined {
  const t = (v: unknown): number => (typeof v === "string" ? Date.parse(v.length === 10 ? `${v}T00:00:00Z` : /Z|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`) : NaN);
  const d = (t(b) - t(a)) / 3_600_000;
  return Number.isNaN(d) ? undefined : d;
}

interface Req {
  patient?: { status?: string; residesInChsda?: boolean; residesOnReservation?: boolean; directCareEligible?: boolean; tribalMember?: boolean; closeTies?: boolean; dateOfBirth?: string; disabled?: boolean };
  service?: { category?: string; estimatedCost?: number; emergency?: boolean; acute?: boolean; priorityLevel?: number; availableAtIhsFacility?: boolean; travelMinutesToIhsFacility?: number };
  alternateResources?: { available?: string[]; paidAmount?: number; refusedToApply?: boolean };
  treatmentStartedAt?: string;
  notifiedAt?: string;
  priorNotification?: boolean;
  notificationWaived?: boolean;
  dateOfService?: string;
}

const capOf = new Map(categories.map((c) => [c.name, c.cap]));
const coveredSet = new Set(categories.slice(0, 10).map((c) => c.name));
const RANK = { deny: 0, defer: 1, approve: 2 } as const;

/** The same policy as an engineer would write it by hand. Returns the outcome, the reason codes and the attributes. */
export function handWritten(req: Req, fundedLevel = 3): { outcome: string; reasons: string[]; attributes: Record<string, unknown> } {
  const p = req.patient ?? {};
  const s = req.service ?? {};
  const a = req.alternateResources ?? {};
  const fired: [keyof typeof RANK, string][] = [];
  const attributes: Record<string, unknown> = {};
  const cost = s.estimatedCost;
  const cap = s.category === undefined ? undefined : capOf.get(s.category);
  if (cap !== undefined && num(cost) && cost > cap) fired.push(["defer", "over-cap"]);
  const avail = Array.isArray(a.available) ? a.available : undefined;
  const unpaid = a.paidAmount === undefined || a.paidAmount === null;
  for (const r of resources) if (avail?.includes(r) && unpaid) fired.push(["deny", `alt-${r}`]);
  for (const st of statuses) if (p.status === st && p.residesInChsda === false && p.residesOnReservation !== true) fired.push(["deny", "outside"]);
  for (let i = 0; i < bands.length; i++) if (num(cost) && cost > bands[i]!) attributes["band"] = i + 1;
  const years = age(p.dateOfBirth, req.dateOfService);
  const elderlyOrDisabled = (years !== undefined && years >= 65) || p.disabled === true;
  const routine = s.emergency !== true && s.acute !== true;
  const hours = hoursBetween(req.treatmentStartedAt, req.notifiedAt);
  if (p.directCareEligible === false) fired.push(["deny", "not-eligible"]);
  if (p.tribalMember === false && p.closeTies === false && p.residesOnReservation !== true) fired.push(["deny", "no-ties"]);
  if (s.emergency === true && hours !== undefined && hours > 72 && !elderlyOrDisabled) fired.push(["deny", "late"]);
  if (s.emergency === true && elderlyOrDisabled && hours !== undefined && hours > 720) fired.push(["deny", "late"]);
  if (s.emergency !== true && req.priorNotification !== true && req.notificationWaived !== true) fired.push(["deny", "no-notice"]);
  if (s.priorityLevel === 5) fired.push(["deny", "excluded"]);
  if (num(s.priorityLevel) && s.priorityLevel > fundedLevel && routine) fired.push(["defer", "unfunded"]);
  if (s.availableAtIhsFacility === true && num(s.travelMinutesToIhsFacility) && s.travelMinutesToIhsFacility <= 90 && routine) fired.push(["deny", "nearby"]);
  if (s.category !== undefined && coveredSet.has(s.category) && num(cost) && cost <= 10000) fired.push(["approve", "covered"]);
  if (a.refusedToApply === true) fired.push(["deny", "refused"]);
  if (num(cost) && cost > 10000) attributes["highCostCase"] = true;
  if (s.acute === true || s.emergency === true) attributes["urgent"] = true;
  if (fired.length === 0) return { outcome: "defer", reasons: ["review"], attributes };
  let best = 3;
  for (const [o] of fired) best = Math.min(best, RANK[o]);
  const outcome = (Object.keys(RANK) as (keyof typeof RANK)[])[best]!;
  return { outcome, reasons: fired.filter(([o]) => RANK[o] === best).map(([, c]) => c), attributes };
}

export { DAY };
