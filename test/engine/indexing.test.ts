/**
 * Indexing and laziness in the fast evaluator (issue 16): rules guarded by `field = literal` or `field in [...]`
 * sit behind one lookup of that field, derived facts are computed only when a condition reads them, and neither
 * may change a decision. Checked against the real json-rules-engine on a generated 1,000-rule policy and on odd
 * request values a Map lookup could treat differently from `===` (types, -0, prototype keys), and by counting the
 * calls of a host-backed fact.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { referralPolicySource } from "../../bench/referral-policy.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import { generateEvaluator } from "../../engine/codegen.js";
import { createEvaluator } from "../../engine/index.js";
import { parameterValues } from "../../engine/parameters.js";
import { createReferenceEvaluator } from "../../engine/reference.js";
import type { Decision } from "../../engine/types.js";
import { requestGenerator } from "../support/request-gen.js";

const schema = JSON.parse(readFileSync("policies/ihs-chs/request.schema.json", "utf8")) as object;
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const ctx = { decisionDate: "2009-03-31" };
const pick = (d: Decision): string => JSON.stringify([d.outcome, d.reasons, d.attributes, d.fired]);

function compile(source: string): CompiledPolicy {
  const { compiled, diagnostics } = compilePolicy(source, host);
  if (!compiled) throw new Error(diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`).join("\n"));
  return compiled;
}

function policy(body: string): string {
  return `---
program: ihs-chs
version: "t.1"
effective: 2008-01-01
title: Indexing test policy
requestSchema: request.schema.json
outcomes: [deny, defer, approve]
---
${body}

otherwise defer code review reason "Reviewed" cite "test: indexing"
`;
}

describe("indexed, lazy fast evaluator", () => {
  const big = compile(referralPolicySource(1000 - 48));

  it("indexes the generated 1,000-rule policy on the service category", () => {
    expect(big.rules.length).toBe(1000);
    const { source } = generateEvaluator(big, parameterValues(big));
    expect(source).toMatch(/switch \(K\[\d+\]\.get\(i\d+\)\)/);
    // One case per category of the policy (the over-cap rules of 972 categories; `covered` shares ten of them).
    expect(source.match(/^case \d+: \{$/gm)).toHaveLength(972 + 5);
  });

  it("the generated 1,000-rule policy decides as json-rules-engine", async () => {
    const fast = createEvaluator(big);
    const reference = createReferenceEvaluator(big);
    const next = requestGenerator(big, 5);
    const diffs: string[] = [];
    const fired = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const r = next();
      const a = fast.evaluate(r, ctx);
      a.fired.forEach((f) => fired.add(f));
      const b = await reference.evaluate(r, ctx);
      if (pick(a) !== pick(b)) diffs.push(`${JSON.stringify(r)}\n fast: ${pick(a)}\n jre:  ${pick(b)}`);
    }
    expect(diffs.slice(0, 3)).toEqual([]);
    // The comparison covers grouped rules of many categories, not only the ungrouped ones.
    expect([...fired].filter((f) => f.startsWith("over-cap-")).length).toBeGreaterThan(10);
  }, 120_000);

  it("the generated 1,000-rule policy decides as its explaining (unindexed, eager) variant on 1,500 more requests", () => {
    const fast = createEvaluator(big);
    const next = requestGenerator(big, 6);
    let diffs = 0;
    for (let i = 0; i < 1_500; i++) {
      const r = next();
      const a = fast.evaluate(r, ctx);
      const b = fast.evaluate(r, { ...ctx, explain: true });
      if (pick(a) !== pick(b)) diffs++;
      expect(b.explanation).toHaveLength(1000);
    }
    expect(diffs).toBe(0);
  }, 120_000);

  it("guards meet odd request values exactly as json-rules-engine's equal and in do", async () => {
    const cite = 'cite "test: indexing"';
    const compiled = compile(
      policy(
        [
          `rule p-one\n  when service.priorityLevel = 1\n  then deny code p-one ${cite}`,
          `rule p-zero\n  when service.priorityLevel = 0 and service.emergency != true\n  then defer code p-zero ${cite}`,
          `rule p-two-three\n  when service.priorityLevel in [2, 3]\n  then defer code p-two-three ${cite}`,
          `rule p-three-four\n  when service.priorityLevel in [3, 3, 4] and not (service.acute = true)\n  then approve code p-three-four ${cite}`,
          `rule c-a\n  when service.category = "a"\n  then deny code c-a ${cite}`,
          `rule c-one\n  when service.category = "1"\n  then deny code c-one ${cite}`,
          `rule c-list\n  when service.category in ["a", "b", "constructor", "__proto__"] and service.emergency = true\n  then defer code c-list ${cite}`,
          `rule c-either\n  when service.category = "b" or service.category = "toString"\n  then approve code c-either ${cite}`,
          `rule c-proto\n  when service.category = "__proto__"\n  then approve code c-proto ${cite}`,
          `rule c-none\n  when service.category = "zz" and service.acute = true\n  then approve code c-none ${cite}`,
        ].join("\n\n"),
      ),
    );
    const { source } = generateEvaluator(compiled, parameterValues(compiled));
    expect(source.match(/switch \(/g)).toHaveLength(2);
    const fast = createEvaluator(compiled);
    const reference = createReferenceEvaluator(compiled);
    const values: unknown[] = [0, -0, 1, "1", 2, 3, 3.0000001, 4, "3", true, null, undefined, [], [3], {}, "a", "b", "A", "constructor", "__proto__", "toString", "hasOwnProperty", "zz", NaN, Infinity];
    let checked = 0;
    for (const priorityLevel of values)
      for (const category of values)
        for (const flags of [{}, { emergency: true }, { acute: true }, { emergency: true, acute: true }]) {
          const service: Record<string, unknown> = { ...flags };
          // `{ __proto__: x }` would set the prototype: define the own keys as data properties instead.
          Object.defineProperty(service, "priorityLevel", { value: priorityLevel, enumerable: true });
          Object.defineProperty(service, "category", { value: category, enumerable: true });
          const request = { service };
          const a = fast.evaluate(request, ctx);
          const b = await reference.evaluate(request, ctx);
          expect(pick(a), JSON.stringify({ priorityLevel, category, flags })).toBe(pick(b));
          checked++;
        }
    expect(checked).toBe(values.length ** 2 * 4);
    // A request without the field, and one whose `service` is not an object, meet no guard.
    for (const request of [{}, { service: null }, { service: ["a"] }, { service: "a" }, null, []]) expect(pick(fast.evaluate(request, ctx))).toBe(pick(await reference.evaluate(request, ctx)));
  }, 120_000);

  it("computes a derived fact only when a condition reads it, and once", () => {
    const cite = 'cite "test: indexing"';
    const compiled = compile(
      policy(
        [
          "let dup = duplicateOf(service.category, dateOfService)",
          `rule dup-emergency\n  when service.emergency = true and dup is present\n  then deny code dup ${cite}`,
          `rule dup-acute\n  when service.acute = true and dup is present\n  then deny code dup ${cite}`,
        ].join("\n\n"),
      ),
    );
    const fast = createEvaluator(compiled);
    let calls = 0;
    const findAccepted = (): string | undefined => (calls++, "R1");
    const decide = (service: object, explain = false): Decision => {
      calls = 0;
      return fast.evaluate({ service: { category: "x", ...service }, dateOfService: "2009-01-01" }, { ...ctx, findAccepted, explain });
    };
    expect(decide({}).outcome).toBe("defer");
    expect(calls).toBe(0);
    expect(decide({ emergency: true, acute: true }).fired).toEqual(["dup-emergency", "dup-acute"]);
    expect(calls).toBe(1);
    expect(decide({ acute: true }).fired).toEqual(["dup-acute"]);
    expect(calls).toBe(1);
    // The explanation shows every condition, so it computes the fact even when no rule needs it.
    const explained = decide({}, true);
    expect(calls).toBe(1);
    expect(explained.explanation!.flatMap((r) => r.conditions.map((c) => c.condition))).toEqual(["service.emergency = true", "dup is present", "service.acute = true", "dup is present"]);
  });
});
