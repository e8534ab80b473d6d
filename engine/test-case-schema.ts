/**
 * The shape of a version's test cases (browser-safe), one JSON Schema for every place that reads them: the server
 * (PUT …/tests and publish, with JSON-pointer paths), the OpenAPI document, and `precept test` reading a file.
 * The requests themselves are checked against the version's request schema when the cases run, not here: a case
 * may be saved before the policy passes it, or even before its request is complete.
 */
import { requestValidator, type RequestIssue } from "./request.js";
import type { PolicyTestCase } from "./test-cases.js";

export const TEST_CASE_SCHEMA = {
  type: "object",
  required: ["name", "request", "want"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 300 },
    decisionDate: { type: "string", format: "date", description: "what today() returns for this case" },
    request: { description: "the request, as a calling service would send it" },
    history: { type: "array", items: {}, description: "earlier requests, evaluated first (accepted ones count for duplicateOf)" },
    want: {
      type: "object",
      required: ["outcome"],
      additionalProperties: false,
      properties: {
        outcome: { type: "string", minLength: 1 },
        reasons: { type: "array", items: { type: "string" }, description: "reason codes, in order" },
        attributes: { type: "object", description: "attributes that must have these values" },
      },
    },
  },
} as const;

export const TEST_CASES_SCHEMA = { type: "array", maxItems: 10_000, items: TEST_CASE_SCHEMA } as const;

const validate = requestValidator(TEST_CASES_SCHEMA);

/** Issues with JSON-pointer paths into the list; empty when `value` is a well-formed list of cases. */
export function testCaseIssues(value: unknown): RequestIssue[] {
  return validate(value).map((i) => (i.message === "is not a field of this program's requests" ? { ...i, message: "is not a field of a test case" } : i));
}

/** Issues for outcomes the policy does not declare (`/3/want/outcome`). */
export function unknownOutcomes(cases: readonly PolicyTestCase[], outcomes: readonly string[]): RequestIssue[] {
  const known = new Set(outcomes);
  return cases.flatMap((c, i) =>
    known.has(c.want.outcome) ? [] : [{ path: `/${i}/want/outcome`, message: `is not an outcome of this policy (${outcomes.join(", ")})` }],
  );
}
