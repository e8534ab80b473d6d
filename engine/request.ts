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
const cache = new WeakMap<object, ValidateFunction>();

export function requestValidator(schema: object): (request: unknown) => RequestIssue[] {
  let validate = cache.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(schema, validate);
  }
  const v = validate;
  return (request) => (v(request) ? [] : (v.errors ?? []).map(toIssue));
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
