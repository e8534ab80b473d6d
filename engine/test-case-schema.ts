/**
 * The shape of a version's test cases (browser-safe), one JSON Schema for every place that reads them: the server
 * (PUT …/tests and publish, with JSON-pointer paths), the OpenAPI document, and `precept test` reading a file.
 * The requests themselves are checked against the version's request schema when the cases run, not here: a case
 * may be saved before the policy passes it, or even before its request is complete.
 */
import type { CompiledPolicy } from "../dsl/compiled.js";
import { requestValidator, type RequestIssue } from "./request.js";
import type { PolicyTestCase } from "./test-cases.js";

export const TEST_CASE_SCHEMA = {
  type: "object",
  required: ["name", "request", "want"],
  additionalProperties: false,
  properties: {
    name: { type: "string", minLength: 1, maxLength: 300 },
    decisionDate: { type: "string", format: "date", description: "what today() returns for this case" },
    parameters: { type: "object", description: "parameter values for this case (a modelling choice tested the other way)" },
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

/** Issues with the policy itself: outcomes it does not declare (`/3/want/outcome`), parameters it lacks or types otherwise. */
export function policyIssues(cases: readonly PolicyTestCase[], policy: Pick<CompiledPolicy, "outcomes" | "parameters">): RequestIssue[] {
  const known = new Set(policy.outcomes);
  return cases.flatMap((c, i) => {
    const out: RequestIssue[] = [];
    if (!known.has(c.want.outcome)) out.push({ path: `/${i}/want/outcome`, message: `is not an outcome of this policy (${policy.outcomes.join(", ")})` });
    for (const [name, value] of Object.entries(c.parameters ?? {})) {
      const declared = Object.hasOwn(policy.parameters, name) ? policy.parameters[name] : undefined;
      if (!declared) out.push({ path: `/${i}/parameters/${name}`, message: "is not a parameter of this policy" });
      else if (typeof value !== typeof declared.value) out.push({ path: `/${i}/parameters/${name}`, message: `must be a ${typeof declared.value}` });
    }
    return out;
  });
}
