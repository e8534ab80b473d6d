/** For any input, the parser and checker return diagnostics or a compiled policy; they never throw. */
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compilePolicy, parsePolicy, type PolicyHost } from "../../dsl/index.js";
import { keywordNames } from "../../dsl/tokens.js";

const schema = JSON.parse(readFileSync("policies/ice-tar/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const shipped = readFileSync("policies/ice-tar/2005.1.policy", "utf8");

// Fragments that make random text look like policies, so the fuzzer reaches the checker and compiler too.
const fragment = fc.constantFrom(
  ...keywordNames, "---\n", "\n", " ", "(", ")", "[", "]", ",", "=", "!=", "<=", ">", "+", "-", "*", "/", '"x"', "12", "3.5",
  "service.category", "emergency", "covered", "alienNumber", "days(", "min(", "absent(", "approve", "deny", "pend", "#c\n",
  "program: ice-tar\n", 'version: "1"\n', "effective: 2005-01-01\n", "title: t\n", "requestSchema: x\n", "outcomes: [deny, approve]\n",
);
const policyish = fc.array(fragment, { maxLength: 60 }).map((xs) => xs.join(" "));

function noThrow(text: string): void {
  const { diagnostics } = compilePolicy(text, host);
  for (const d of diagnostics) {
    expect(d.start.line).toBeGreaterThanOrEqual(1);
    expect(d.start.offset).toBeLessThanOrEqual(text.length);
  }
}

describe("the parser and checker never throw", () => {
  it("on arbitrary strings", () => fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => void parsePolicy(s)), { numRuns: 500 }));
  it("on policy-shaped token soup", () => fc.assert(fc.property(policyish, noThrow), { numRuns: 500 }));
  it("on a shipped policy with a random slice removed or inserted", () =>
    fc.assert(
      fc.property(fc.nat(shipped.length), fc.nat(200), fc.string({ maxLength: 20 }), (at, len, ins) => {
        noThrow(shipped.slice(0, at) + ins + shipped.slice(at + len));
      }),
      { numRuns: 300 },
    ));
});
