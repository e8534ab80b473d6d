/** Request validation against the program's request schema (ajv, JSON Schema 2020-12), with JSON-pointer paths. */
import { Ajv2020, type ErrorObject, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

export interface RequestIssue {
  /** JSON pointer of the offending value (`/service/estimatedCost`), `/` for the request itself. */
  readonly path: string;
  readonly message: string;
}

const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
// The same schemas without allErrors: the first violation ends validation (used to tell valid from invalid).
const firstOnly = new Ajv2020({ allErrors: false, strict: false });
(addFormats as unknown as (a: Ajv2020) => void)(firstOnly);
const cache = new WeakMap<object, { quick: ValidateFunction; all: ValidateFunction }>();

/**
 * At most this many issues are reported per request: 100,000 bad items would otherwise answer 200,000 errors
 * (27 MB for a 0.2 MB request). The count of the rest comes with them (`total`).
 */
export const DEFAULT_MAX_ISSUES = 50;

export interface Validation {
  /** The first `max` issues. */
  readonly issues: RequestIssue[];
  /** How many there were in all (issues.length when none were left out). */
  readonly total: number;
}

function validators(schema: object): { quick: ValidateFunction; all: ValidateFunction } {
  let v = cache.get(schema);
  if (!v) {
    v = { quick: firstOnly.compile(schema), all: ajv.compile(schema) };
    cache.set(schema, v);
  }
  return v;
}

/** Validates with a bound on the issues reported; the cost stays linear in the request. */
export function requestValidatorBounded(schema: object, max = DEFAULT_MAX_ISSUES): (request: unknown) => Validation {
  const { quick, all } = validators(schema);
  return (request) => {
    if (quick(request)) return { issues: [], total: 0 };
    all(request);
    const errors = all.errors ?? [];
    if (errors.length === 0) return { issues: [{ path: "/", message: "is invalid" }], total: 1 };
    const issues: RequestIssue[] = [];
    for (let i = 0; i < errors.length && issues.length < max; i++) issues.push(toIssue(errors[i]!));
    return { issues, total: Math.max(errors.length, issues.length) };
  };
}

/** The request's issues (at most DEFAULT_MAX_ISSUES of them), [] when it is valid. */
export function requestValidator(schema: object): (request: unknown) => RequestIssue[] {
  const bounded = requestValidatorBounded(schema);
  return (request) => bounded(request).issues;
}

function toIssue(e: ErrorObject): RequestIssue {
  const base = e.instancePath || "";
  if (e.keyword === "additionalProperties") {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: `${base}/${extra.replace(/~/g, "~0").replace(/\//g, "~1")}`, message: "is not a field of this program's requests" };
  }
  if (e.keyword === "required") {
    const missing = (e.params as { missingProperty: string }).missingProperty;
    return { path: `${base}/${missing}`, message: "is required" };
  }
  if (e.keyword === "enum") {
    return { path: base || "/", message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}` };
  }
  return { path: base || "/", message: e.message ?? "is invalid" };
}
