/**
 * What a simulation needs to know about a program beyond its policy, taken from the program's manifest
 * (policies/<program>/program.yaml, see engine/program-manifest.ts): which request date places a request in a week,
 * which amount is its cost, which outcomes accept and which mean "a person reviews it", and which decision attributes
 * are amounts worth totalling. A request may override the review outcomes.
 */
import { readPath, requestIdOf, type ProgramManifest } from "../program-manifest.js";

export { readPath };

export interface ProgramProfile {
  /** Request fields tried in order for the request's date (date or date-time); the first present one counts. */
  readonly dateFields: readonly string[];
  /** The request's cost (summed per outcome). */
  readonly costField?: string;
  /** An amount the program obligates when it accepts the request, if not the cost (cost less what others paid). */
  readonly obligationFields?: { readonly cost: string; readonly minus?: string };
  /** Outcomes that accept the request (remembered for duplicates, counted as obligations). */
  readonly acceptOutcomes: readonly string[];
  /** Outcomes that send a request to manual review (counted per week). */
  readonly reviewOutcomes: readonly string[];
  /** Numeric decision attributes totalled per outcome. */
  readonly amountAttributes: readonly string[];
  /** The attribute carrying a priority level, for fund control. */
  readonly priorityAttribute?: string;
  /** Outcomes of requests that are within priorities and would be funded if money allowed; default: the accepting ones. */
  readonly demandOutcomes?: readonly string[];
  /** The request's own id. */
  readonly idField: string;
}

/** The simulation's view of a program's manifest, with a request's overrides (review outcomes). */
export function profileFor(manifest: ProgramManifest, overrides: Partial<ProgramProfile> = {}): ProgramProfile {
  const base: ProgramProfile = {
    dateFields: manifest.dateFields,
    ...(manifest.costField ? { costField: manifest.costField } : {}),
    ...(manifest.obligation ? { obligationFields: manifest.obligation } : {}),
    acceptOutcomes: manifest.outcomes.accept,
    reviewOutcomes: manifest.outcomes.review,
    amountAttributes: manifest.amountAttributes,
    ...(manifest.priorityAttribute ? { priorityAttribute: manifest.priorityAttribute } : {}),
    ...(manifest.outcomes.demand ? { demandOutcomes: manifest.outcomes.demand } : {}),
    idField: manifest.requestId,
  };
  return { ...base, ...overrides };
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
  return requestIdOf({ requestId: profile.idField }, request);
}
