/**
 * What a simulation needs to know about a program beyond its policy: which request date places a request in a week,
 * which amount is its cost, which outcomes mean "a person reviews it", and which decision attributes are amounts
 * worth totalling. Known programs have a profile here; any other program gets one derived from its request schema.
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { getPath } from "../lib.js";

export interface ProgramProfile {
  /** Request fields tried in order for the request's date (date or date-time); the first present one counts. */
  readonly dateFields: readonly string[];
  /** The request's cost (summed per outcome). */
  readonly costField?: string;
  /** An amount the program obligates when it accepts the request, if not the cost (ihs-chs: cost after alternate resources). */
  readonly obligationFields?: { readonly cost: string; readonly minus?: string };
  /** Outcomes that send a request to manual review (counted per week). */
  readonly reviewOutcomes: readonly string[];
  /** Numeric decision attributes totalled per outcome (usms-claim: allowedAmount, amountSaved). */
  readonly amountAttributes: readonly string[];
  /** The attribute carrying a priority level, for fund control (ihs-chs: medicalPriority). */
  readonly priorityAttribute?: string;
  /** Outcomes of requests that are within priorities and would be funded if money allowed (ihs-chs: approve, defer). */
  readonly demandOutcomes?: readonly string[];
  /** The request's own id. */
  readonly idField?: string;
}

const KNOWN: Record<string, ProgramProfile> = {
  "ice-tar": {
    dateFields: ["submittedAt", "dateOfService"],
    costField: "service.estimatedCost",
    reviewOutcomes: ["pend"],
    amountAttributes: [],
    idField: "tarId",
  },
  "ihs-chs": {
    // Obligations are recorded when the referral or notification comes in (2-3.13C), not on the date of care.
    dateFields: ["notifiedAt", "dateOfService", "treatmentStartedAt"],
    costField: "service.estimatedCost",
    obligationFields: { cost: "service.estimatedCost", minus: "alternateResources.paidAmount" },
    reviewOutcomes: [],
    amountAttributes: [],
    priorityAttribute: "medicalPriority",
    demandOutcomes: ["approve", "defer"],
    idField: "referralId",
  },
  "usms-claim": {
    dateFields: ["receivedAt", "dateOfService"],
    costField: "billedAmount",
    reviewOutcomes: [],
    amountAttributes: ["allowedAmount", "amountSaved"],
    idField: "claimId",
  },
};

const REVIEW_WORDS = ["pend", "review", "refer", "manual-review"];

/** The profile of a program: the known one, or one read off the policy (schema fields, outcome names). */
export function profileFor(policy: CompiledPolicy, overrides: Partial<ProgramProfile> = {}): ProgramProfile {
  const known = KNOWN[policy.program];
  const base: ProgramProfile =
    known ??
    (() => {
      const schema = policy.requestSchema as { required?: string[]; properties?: Record<string, { format?: string; type?: string; properties?: Record<string, { type?: string }> }> };
      const props = schema.properties ?? {};
      const dateFields = Object.entries(props)
        .filter(([, v]) => v.format === "date" || v.format === "date-time")
        .map(([k]) => k)
        .sort((a, b) => (a === "dateOfService" ? -1 : b === "dateOfService" ? 1 : 0));
      const costField = ["service.estimatedCost", "billedAmount", "amount", "estimatedCost"].find((f) => {
        const [a, b] = f.split(".") as [string, string | undefined];
        return b === undefined ? props[a]?.type === "number" : props[a]?.properties?.[b]?.type === "number";
      });
      return {
        dateFields,
        ...(costField ? { costField } : {}),
        reviewOutcomes: policy.outcomes.filter((o) => REVIEW_WORDS.includes(o)),
        amountAttributes: [],
        ...(schema.required?.[0] ? { idField: schema.required[0] } : {}),
      };
    })();
  return { ...base, ...overrides };
}

const splitCache = new Map<string, string[]>();
function segments(path: string): string[] {
  let s = splitCache.get(path);
  if (!s) splitCache.set(path, (s = path.split(".")));
  return s;
}

export function readPath(request: unknown, path: string): unknown {
  return getPath(request, segments(path));
}

/** The request's date (YYYY-MM-DD) from the first date field it gives, or undefined. */
export function requestDate(profile: ProgramProfile, request: unknown): string | undefined {
  for (const f of profile.dateFields) {
    const v = readPath(request, f);
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  }
  return undefined;
}

export function requestCost(profile: ProgramProfile, request: unknown): number {
  if (!profile.costField) return 0;
  const v = readPath(request, profile.costField);
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** What accepting the request obligates: its cost, less what alternate resources already paid. */
export function requestObligation(profile: ProgramProfile, request: unknown): number {
  const f = profile.obligationFields;
  if (!f) return requestCost(profile, request);
  const cost = readPath(request, f.cost);
  const minus = f.minus ? readPath(request, f.minus) : undefined;
  const c = typeof cost === "number" && Number.isFinite(cost) ? cost : 0;
  const m = typeof minus === "number" && Number.isFinite(minus) ? minus : 0;
  return Math.max(0, c - m);
}

export function requestId(profile: ProgramProfile, request: unknown): string | undefined {
  if (!profile.idField) return undefined;
  const v = readPath(request, profile.idField);
  return typeof v === "string" ? v : undefined;
}
