/**
 * The unreachable-rule check, both ways: conditions that can never hold are warned about, and conditions that can
 * hold are not (a false warning teaches authors to ignore the check).
 */
import { describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { corpusHost } from "../../scripts/update-golden.js";

function unreachable(condition: string): string[] {
  const text = `---
program: ice-tar
version: "9.0"
effective: 2005-01-01
title: unreachable table
requestSchema: request.schema.json
outcomes: [not-required, deny, pend, approve]
---
rule r1 when ${condition} then approve code c1 cite "000_143979f455261efb.txt, Background"
otherwise pend code mcc-review reason "MCC review" cite "000_143979f455261efb.txt, Background"
`;
  const { diagnostics } = compilePolicy(text, corpusHost);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(errors.map((d) => d.message).join("; "));
  return diagnostics.filter((d) => d.code === "policy/unreachable-rule").map((d) => d.message);
}

const never: readonly string[] = [
  "false",
  "emergency = true and false",
  'facility.type = "SPC" and facility.type = "CDF"',
  'facility.type = "SPC" and emergency = true and facility.type = "CDF"',
  "(service.estimatedCost > 500 and emergency = true) and service.estimatedCost < 100",
  "service.estimatedCost > 500 and service.estimatedCost < 100",
  "service.estimatedCost >= 500 and service.estimatedCost <= 100",
  "service.estimatedCost > 500 and service.estimatedCost < 500",
  "service.estimatedCost >= 500 and service.estimatedCost < 500",
  "service.estimatedCost > 500 and service.estimatedCost <= 500",
  "service.estimatedCost < 100 and service.estimatedCost > 500",
  "service.estimatedCost > 100 and service.estimatedCost > 600 and service.estimatedCost < 500",
  "service.estimatedCost < 900 and service.estimatedCost < 400 and service.estimatedCost > 500",
  "emergency = true and emergency = false",
  "service.estimatedCost >= 500 and service.estimatedCost > 500 and service.estimatedCost <= 500",
  "service.estimatedCost > 500 and service.estimatedCost >= 500 and service.estimatedCost <= 500",
  "service.estimatedCost <= 500 and service.estimatedCost < 500 and service.estimatedCost >= 500",
];

const possible: readonly string[] = [
  "true",
  'facility.type = "SPC" or facility.type = "CDF"',
  'facility.type = "SPC" and facility.type = "SPC"',
  'facility.type = "SPC" and urgency = "urgent"',
  "service.estimatedCost >= 500 and service.estimatedCost <= 500",
  "service.estimatedCost > 100 and service.estimatedCost < 500",
  "service.estimatedCost > 500 or service.estimatedCost < 100",
  "not (service.estimatedCost > 500) and service.estimatedCost < 100",
  "service.estimatedCost > 500 and days(dateOfService, submittedAt) < 100",
  'facility.type != "SPC" and facility.type != "CDF"',
];

const messages: readonly (readonly [condition: string, why: string])[] = [
  ["false", "its condition is `false`"],
  ["emergency = true and false", "it requires `false`"],
  ['facility.type = "SPC" and facility.type = "CDF"', '`facility.type` cannot equal both "SPC" and "CDF"'],
  ["service.estimatedCost > 500 and service.estimatedCost < 100", "no `service.estimatedCost` is both above 500 and below 100"],
  ["service.estimatedCost >= 500 and service.estimatedCost <= 100", "no `service.estimatedCost` is both at least 500 and at most 100"],
  ["service.estimatedCost > 500 and service.estimatedCost <= 500", "no `service.estimatedCost` is both above 500 and at most 500"],
  // The tighter bound is kept whichever comes first.
  ["service.estimatedCost > 600 and service.estimatedCost > 100 and service.estimatedCost < 500", "no `service.estimatedCost` is both above 600 and below 500"],
  ["service.estimatedCost < 400 and service.estimatedCost < 900 and service.estimatedCost > 500", "no `service.estimatedCost` is both above 500 and below 400"],
  ["service.estimatedCost >= 500 and service.estimatedCost >= 500 and service.estimatedCost < 500", "no `service.estimatedCost` is both at least 500 and below 500"],
];

describe("unreachable rules", () => {
  it.each(messages)("says why: %s", (c, why) => expect(unreachable(c)).toEqual([`rule \`r1\` can never fire: ${why}`]));
  it.each(never)("warns: %s", (c) => expect(unreachable(c)).toHaveLength(1));
  it.each(possible)("does not warn: %s", (c) => expect(unreachable(c)).toEqual([]));
});
