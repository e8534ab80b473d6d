/**
 * A working-day calendar named in a policy: the type checker knows the built-in calendars (a misspelt name, as a
 * literal or as a parameter's value, is an error with a suggestion), and both evaluators (the generated one and
 * json-rules-engine) count the same working days with it.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import { createEvaluator } from "../../engine/index.js";
import { createReferenceEvaluator } from "../../engine/reference.js";

const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const policy = (calendar: string, attribute = "addWorkdays(dateOfService, 5, calendar)"): string => `---
program: ihs-chs
version: "9.1"
effective: 2008-01-01
title: Calendar
requestSchema: request.schema.json
outcomes: [deny, approve]
parameters:
  calendar: { value: ${calendar} }
---
otherwise approve code ok reason "ok" cite "c"
attribute due = ${attribute}
`;

describe("calendar names in the type checker", () => {
  it("accepts the built-in calendars, by parameter or literal, and lists of dates", () => {
    for (const src of [policy("us-federal"), policy("weekdays"), policy("x", 'addWorkdays(dateOfService, 5, "us-federal")'), policy("x", 'addWorkdays(dateOfService, 5, ["2011-05-30"])'), policy("x", "addWorkdays(dateOfService, 5)")]) {
      expect(compilePolicy(src, host).diagnostics).toEqual([]);
    }
  });

  it("reports a misspelt calendar literal where it is written, with a suggestion", () => {
    const src = policy("us-federal", 'addWorkdays(dateOfService, 5, "us-federl")');
    const d = compilePolicy(src, host).diagnostics;
    expect(d.map((x) => [x.code, x.severity, x.message, x.help])).toEqual([["policy/unknown-value", "error", "`addWorkdays` knows no calendar `us-federl`", "did you mean `us-federal`?"]]);
    expect(src.slice(d[0]!.start.offset, d[0]!.end.offset)).toBe('"us-federl"');
  });

  it("reports a parameter whose value is no calendar, listing the calendars when nothing is close", () => {
    const d = compilePolicy(policy("mondays-off"), host).diagnostics;
    expect(d.map((x) => [x.code, x.message, x.help])).toEqual([["policy/unknown-value", "`addWorkdays` knows no calendar `mondays-off`", "it is one of `us-federal`, `weekdays`"]]);
  });

  it("still rejects a number as the third argument", () => {
    const d = compilePolicy(policy("x", "addWorkdays(dateOfService, 5, 3)"), host).diagnostics;
    expect(d.map((x) => x.code)).toEqual(["policy/type-mismatch"]);
  });
});

describe("a calendar through both evaluators", () => {
  const compiled = compilePolicy(policy("us-federal"), host).compiled!;
  const requests = ["2011-05-26", "2010-12-27", "2022-06-15", "2030-11-25", "1970-12-28", "2009-02-29"].map((d, i) => ({ referralId: `R${i}`, dateOfService: d }));
  const want = ["2011-06-03", "2011-01-04", "2022-06-23", "2030-12-03", undefined, undefined];

  it.each([
    [{}, want],
    [{ calendar: "weekdays" }, ["2011-06-02", "2011-01-03", "2022-06-22", "2030-12-02", "1971-01-04", undefined]],
    [{ calendar: "no-such-calendar" }, [undefined, undefined, undefined, undefined, undefined, undefined]],
  ] as const)("with parameters %j", async (parameters, dues) => {
    const fast = createEvaluator(compiled, { parameters });
    const reference = createReferenceEvaluator(compiled, { parameters });
    for (const [i, r] of requests.entries()) {
      const a = fast.evaluate(r, { decisionDate: "2011-05-26" });
      const b = await reference.evaluate(r, { decisionDate: "2011-05-26" });
      expect(a.attributes["due"], r.dateOfService).toBe(dues[i]);
      expect(b.attributes).toEqual(a.attributes);
    }
  });
});
