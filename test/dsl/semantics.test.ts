/**
 * What the language means, pinned by tables: precedence and associativity of every operator, missing values in
 * comparisons and arithmetic, `in`/`contains` on missing lists, `is present`/`is missing` on null and "", and the
 * date and time functions across leap days, month ends, time zones and daylight saving. Every row is compiled into
 * a policy and evaluated by BOTH evaluators, the generated one (engine/codegen.ts) and json-rules-engine
 * (engine/reference.ts): a condition row becomes `rule when EXPR then set x = true`, so json-rules-engine decides
 * the and/or/not structure itself; a value row becomes `set x = EXPR`.
 *
 * The rows are chosen so that a wrong precedence gives a different answer: `true or true and false` is true only
 * when `and` binds tighter than `or`, `1 + 2 * 3` is 7 only when `*` binds tighter than `+`, and so on.
 */
import { describe, expect, it } from "vitest";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { createEvaluator } from "../../engine/index.js";
import { createReferenceEvaluator } from "../../engine/reference.js";

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    a: { type: "number" },
    b: { type: "number" },
    c: { type: "number" },
    flag: { type: "boolean" },
    s: { type: "string" },
    d: { type: "string", format: "date" },
    e: { type: "string", format: "date" },
    t: { type: "string", format: "date-time" },
    u: { type: "string", format: "date-time" },
    list: { type: "array", items: { type: "string" } },
    p: { type: "object", properties: { q: { type: "number" } } },
  },
};

const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };

type Req = Record<string, unknown>;
/** [expression, request, expected]: a boolean row is a condition, anything else (or `undefined`, "missing") a value. */
type Row = readonly [expr: string, request: Req, want: unknown];

const header = `---
program: semantics
version: "1"
effective: 2000-01-01
title: semantics table
requestSchema: request.schema.json
outcomes: [yes, no]
tables:
  codes: { values: [x, y] }
  prices: { values: { x: 10, y: 20 } }
  weights: { values: { x: 1, y: 2 } }
  letters: { values: [a, b, c] }
parameters:
  limit: { value: 100 }
---
let double = a * 2
let nested = p.q + 1
attribute out = outcome
attribute whenYes = "y" when outcome = "yes"
otherwise no code none reason "none" cite "test"
`;

function policyOf(rows: readonly Row[], as: "condition" | "value"): CompiledPolicy {
  const body = rows
    .map(([expr], i) => (as === "condition" ? `rule r${i} when ${expr} then yes code c${i} cite "test" set x${i} = true` : `rule r${i} then set x${i} = ${expr}`))
    .join("\n");
  const { compiled, diagnostics } = compilePolicy(`${header}${body}\n`, host);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (!compiled) throw new Error(`does not compile:\n${errors.map((d) => `${d.start.line}: ${d.message}`).join("\n")}`);
  return compiled;
}

/** Runs every row through both evaluators and returns rows whose result is not the expected one. */
async function failures(rows: readonly Row[], as: "condition" | "value"): Promise<string[]> {
  const policy = policyOf(rows, as);
  const fast = createEvaluator(policy);
  const reference = createReferenceEvaluator(policy);
  const out: string[] = [];
  for (const [i, [expr, request, want]] of rows.entries()) {
    const ctx = { decisionDate: "2010-06-15" };
    const explained = { generated: fast.evaluate(request, { ...ctx, explain: true }), "json-rules-engine": await reference.evaluate(request, { ...ctx, explain: true }) };
    const got = {
      generated: fast.evaluate(request, ctx).attributes[`x${i}`],
      "json-rules-engine": (await reference.evaluate(request, ctx)).attributes[`x${i}`],
      "generated, explaining": explained.generated.attributes[`x${i}`],
      "json-rules-engine, explaining": explained["json-rules-engine"].attributes[`x${i}`],
    };
    // Both explain the row's rule alike: whether it fired, each condition's result and the values it saw.
    const trace = (d: { explanation?: readonly { rule: string }[] }) => JSON.stringify(d.explanation?.find((t) => t.rule === `r${i}`));
    if (trace(explained.generated) !== trace(explained["json-rules-engine"])) {
      out.push(`${expr} with ${JSON.stringify(request)}: explanations differ\n  generated: ${trace(explained.generated)}\n  json-rules-engine: ${trace(explained["json-rules-engine"])}`);
    }
    if (trace(explained.generated) === undefined) out.push(`${expr}: no explanation of its rule`);
    // Attributes see the outcome: `out` is it, `whenYes` only when it is yes.
    for (const [who, d] of Object.entries(explained)) {
      const want = { out: d.outcome, ...(d.outcome === "yes" ? { whenYes: "y" } : {}) };
      const gotAttrs = { out: d.attributes["out"], ...(d.attributes["whenYes"] === undefined ? {} : { whenYes: d.attributes["whenYes"] }) };
      if (JSON.stringify(gotAttrs) !== JSON.stringify(want)) out.push(`${expr}: ${who} attributes ${JSON.stringify(gotAttrs)} for outcome ${d.outcome}`);
    }
    if (explained.generated.outcome !== explained["json-rules-engine"].outcome) out.push(`${expr}: the outcomes differ`);
    const expected = as === "condition" ? (want === true ? true : undefined) : want;
    for (const [who, v] of Object.entries(got)) {
      if (!Object.is(v, expected) && JSON.stringify(v) !== JSON.stringify(expected)) {
        out.push(`${expr} with ${JSON.stringify(request)}: ${who} gave ${JSON.stringify(v) ?? "missing"}, want ${JSON.stringify(expected) ?? "missing"}`);
      }
    }
  }
  return out;
}

const none: Req = {};

describe("precedence and associativity", () => {
  // Binding strength, loosest first: or < and < not < comparisons, in, contains, is < + - < * / < unary minus.
  const conditions: Row[] = [
    ["true or true and false", none, true], // and binds tighter than or; equal precedence would give false
    ["false and true or true", none, true],
    ["true or false and false", none, true],
    ["not true and false", none, false], // not binds tighter than and: (not true) and false
    ["not false or true", none, true], // (not false) or true; a looser not gives not (false or true) = false
    ["not false and false", none, false], // (not false) and false; a looser not gives true
    ["not a = 1", { a: 2 }, true], // not binds looser than =: not (a = 1)
    ["not a > 1", { a: 2 }, false],
    ["not not true", none, true],
    ["a = 1 and b = 2 or c = 3", { a: 1, b: 9, c: 3 }, true],
    ["a = 1 or b = 2 and c = 3", { a: 1, b: 9, c: 9 }, true], // a = 1 or (b = 2 and c = 3)
    ["(a = 1 or b = 2) and c = 3", { a: 1, b: 9, c: 9 }, false],
    ["1 + 2 * 3 = 7", none, true], // * before +
    ["2 * 3 + 4 = 10", none, true],
    ["10 - 2 * 3 = 4", none, true],
    ["1 + 6 / 2 = 4", none, true], // / before +
    ["10 - 4 - 3 = 3", none, true], // - is left-associative; right would give 9
    ["24 / 4 / 2 = 3", none, true], // / is left-associative; right would give 12
    ["8 / 2 * 2 = 8", none, true], // * and / share a level, left to right
    ["2 * 6 / 3 = 4", none, true],
    ["10 - 3 + 2 = 9", none, true], // + and - share a level, left to right; right would give 5
    ["-2 + 5 = 3", none, true], // unary minus binds to its operand only
    ["- a * 2 = -6", { a: 3 }, true],
    ["a + 1 > 2", { a: 2 }, true], // arithmetic before comparison
    ["a * 2 in [6]", { a: 3 }, true],
    ["a + 1 is present", { a: 1 }, true],
    ["a + 1 is missing", none, true], // missing + 1 is missing
    ["not a is missing", { a: 1 }, true], // not (a is missing)
    ["s is present and s = \"x\"", { s: "x" }, true],
    ["(1 + 2) * 3 = 9", none, true],
    ["1 < 2 = true", none, true], // comparisons are left-associative: (1 < 2) = true
    ["list contains \"p\" and a = 1", { list: ["p"], a: 1 }, true],
    ["list contains \"p\" or a = 1", { list: ["q"], a: 2 }, false],
  ];
  it("holds in both evaluators", async () => expect(await failures(conditions, "condition")).toEqual([]));

  const values: Row[] = [
    ["1 + 2 * 3", none, 7],
    ["(1 + 2) * 3", none, 9],
    ["10 - 4 - 3", none, 3],
    ["24 / 4 / 2", none, 3],
    ["2 - -3", none, 5],
    ["-a", { a: 4 }, -4],
    ["a * b + c", { a: 2, b: 3, c: 4 }, 10],
    ["a + b * c", { a: 2, b: 3, c: 4 }, 14],
    ["limit - a * 2", { a: 10 }, 80],
  ];
  it("gives the values it should in both evaluators", async () => expect(await failures(values, "value")).toEqual([]));
});

describe("missing values", () => {
  const conditions: Row[] = [
    // A comparison with a missing value is false; != with a missing value is true.
    ["a = 1", none, false],
    ["a != 1", none, true],
    ["a > 0", none, false],
    ["a < 0", none, false],
    ["a >= 0", none, false],
    ["a <= 0", none, false],
    ["a = 1", { a: null }, false],
    ["a != 1", { a: null }, true],
    ["a > 0", { a: null }, false],
    ["s = \"\"", none, false],
    ["s != \"x\"", none, true],
    ["flag = false", none, false],
    ["not flag", none, true], // not of a missing value is true: only `true` counts as true
    ["flag", none, false],
    ["flag", { flag: false }, false],
    ["flag and true", none, false],
    ["flag or true", none, true],
    // Arithmetic with a missing operand is missing, and so is division by zero.
    ["a + 1 > 0", none, false],
    ["a + 1 != 0", none, true],
    ["a * 0 = 0", none, false],
    ["1 / 0 is missing", none, true],
    ["a / b is missing", { a: 1, b: 0 }, true],
    ["a - b is missing", { a: 1 }, true],
    // in / contains with missing values and missing lists.
    ["s in [\"x\", \"y\"]", none, false],
    ["s not in [\"x\", \"y\"]", none, true], // a missing value is not in the list
    ["s in codes", none, false],
    ["s not in codes", none, true],
    ["s in prices", { s: "x" }, true], // a map table's keys
    ["list contains \"x\"", none, false],
    ["list contains \"x\"", { list: null }, false],
    ["list contains any [\"x\", \"y\"]", none, false],
    ["list contains any codes", { list: ["y"] }, true],
    ["not (list contains \"x\")", none, true],
    ["list contains \"x\"", { list: [] }, false],
    // is present / is missing: absent, null and "" are missing; 0, false and [] are present.
    ["s is missing", none, true],
    ["s is missing", { s: null }, true],
    ["s is missing", { s: "" }, true],
    ["s is present", { s: "" }, false],
    ["s is present", { s: " " }, true],
    ["a is present", { a: 0 }, true],
    ["flag is present", { flag: false }, true],
    ["list is present", { list: [] }, true],
    ["s is not missing", { s: "x" }, true],
    ["s is not present", { s: null }, true],
    ["prices[s] is missing", { s: "z" }, true],
    ["prices[s] = 20", { s: "y" }, true],
  ];
  it("behave as documented in both evaluators", async () => expect(await failures(conditions, "condition")).toEqual([]));

  const values: Row[] = [
    ["a + 1", none, undefined],
    ["a + 1", { a: null }, undefined],
    ["-a", none, undefined],
    ["min(a, b, 7)", { a: 3 }, 3], // missing arguments are skipped
    ["max(a, b)", none, undefined],
    ["coalesce(s, \"fallback\")", { s: "" }, "fallback"],
    ["coalesce(s, \"fallback\")", { s: "given" }, "given"],
    ["count(list)", none, 0],
    ["count(list)", { list: ["a", "b"] }, 2],
    ["round(a, 2)", { a: 2.345 }, 2.35],
    ["round(a, 0)", none, undefined],
    ["prices[s]", { s: "x" }, 10],
    ["prices[s]", none, undefined],
  ];
  it("propagate as documented in both evaluators", async () => expect(await failures(values, "value")).toEqual([]));
});

describe("dates and times", () => {
  const values: Row[] = [
    // Leap days.
    ["days(d, e)", { d: "2008-02-28", e: "2008-03-01" }, 2],
    ["days(d, e)", { d: "2009-02-28", e: "2009-03-01" }, 1],
    ["days(d, e)", { d: "2000-02-28", e: "2000-03-01" }, 2], // 2000 is a leap year (divisible by 400)
    ["days(d, e)", { d: "1900-02-28", e: "1900-03-01" }, 1], // 1900 is not
    ["days(d, e)", { d: "2009-02-29", e: "2009-03-01" }, undefined], // no such day
    ["days(d, e)", { d: "2008-03-01", e: "2008-02-28" }, -2],
    ["days(d, e)", { d: "2008-01-01", e: "2009-01-01" }, 366],
    ["addDays(d, 1)", { d: "2008-02-28" }, "2008-02-29"],
    ["addDays(d, 1)", { d: "2009-02-28" }, "2009-03-01"],
    ["addDays(d, 365)", { d: "2008-01-01" }, "2008-12-31"],
    ["addDays(d, -1)", { d: "2008-03-01" }, "2008-02-29"],
    ["years(d, e)", { d: "2008-02-29", e: "2009-02-28" }, 0], // a leap-day birthday counts on 1 March
    ["years(d, e)", { d: "2008-02-29", e: "2009-03-01" }, 1],
    ["years(d, e)", { d: "2008-02-29", e: "2012-02-29" }, 4],
    ["years(d, e)", { d: "1990-06-15", e: "2010-06-14" }, 19],
    ["years(d, e)", { d: "1990-06-15", e: "2010-06-15" }, 20],
    // Month ends.
    ["addDays(d, 1)", { d: "2010-01-31" }, "2010-02-01"],
    ["addDays(d, 1)", { d: "2010-04-30" }, "2010-05-01"],
    ["addDays(d, 1)", { d: "2010-12-31" }, "2011-01-01"],
    ["days(d, e)", { d: "2010-01-31", e: "2010-02-28" }, 28],
    ["days(d, e)", { d: "2010-04-31", e: "2010-05-01" }, undefined], // April has 30 days
    ["addWorkdays(d, 1)", { d: "2010-01-29" }, "2010-02-01"], // Friday, month end, to Monday
    ["addWorkdays(d, 1)", { d: "2008-02-28" }, "2008-02-29"], // Thursday to the leap day, a Friday
    ["addWorkdays(d, 1)", { d: "2008-02-29" }, "2008-03-03"],
    ["addWorkdays(d, 5)", { d: "2010-12-27" }, "2011-01-03"],
    ["addWorkdays(d, 0)", { d: "2010-01-30" }, "2010-01-30"],
    ["addWorkdays(d, 1, [\"2010-02-01\"])", { d: "2010-01-29" }, "2010-02-02"], // a holiday is skipped
    ["date(t)", { t: "2010-01-31T23:59:59Z" }, "2010-01-31"],
    // Time zones: a date is the calendar date as written; hours compare instants.
    ["date(t)", { t: "2010-03-14T23:30:00-05:00" }, "2010-03-14"], // 04:30 UTC on the 15th, still the 14th as written
    ["days(t, u)", { t: "2010-03-14T23:30:00-05:00", u: "2010-03-15T00:30:00+00:00" }, 1],
    ["hours(t, u)", { t: "2010-01-01T00:00:00Z", u: "2010-01-01T00:00:00+01:00" }, -1],
    ["hours(t, u)", { t: "2010-01-01T00:00:00", u: "2010-01-01T06:00:00Z" }, 6], // no zone: UTC
    ["hours(t, u)", { t: "2010-01-01T00:00:00+0530", u: "2010-01-01T00:00:00Z" }, 5.5],
    ["hours(t, u)", { t: "2010-01-01T10:00:00Z", u: "2010-01-01T10:30:00Z" }, 0.5],
    ["hours(d, e)", { d: "2010-01-01", e: "2010-01-02" }, 24], // dates count from midnight UTC
    // Daylight saving (US, 2010: spring forward 14 March, fall back 7 November): hours are elapsed hours.
    ["hours(t, u)", { t: "2010-03-14T01:00:00-05:00", u: "2010-03-14T03:00:00-04:00" }, 1],
    ["hours(t, u)", { t: "2010-11-07T01:30:00-04:00", u: "2010-11-07T01:30:00-05:00" }, 1],
    ["hours(t, u)", { t: "2010-03-13T12:00:00-05:00", u: "2010-03-14T12:00:00-04:00" }, 23],
    ["days(t, u)", { t: "2010-03-13T12:00:00-05:00", u: "2010-03-14T12:00:00-04:00" }, 1], // a calendar day all the same
    ["hours(t, u)", { t: "2010-03-14T25:00:00Z", u: "2010-03-15T00:00:00Z" }, undefined], // no such time
    ["hours(t, u)", { t: "not a time", u: "2010-03-15T00:00:00Z" }, undefined],
    ["today()", none, "2010-06-15"],
    ["days(today(), d)", { d: "2010-07-01" }, 16],
  ];
  it("count leap days, month ends, zones and daylight saving as documented, in both evaluators", async () =>
    expect(await failures(values, "value")).toEqual([]));

  const conditions: Row[] = [
    ["days(d, e) > 180", { d: "2008-01-01", e: "2008-06-30" }, true], // 181 days: 2008 has 29 February
    ["days(d, e) > 180", { d: "2009-01-01", e: "2009-06-30" }, false], // 180 days
    ["days(d, e) >= 0", { d: "2009-01-01" }, false], // a missing date compares false
    ["years(d, e) >= 65", { d: "1945-02-28", e: "2010-02-28" }, true],
    ["years(d, e) >= 65", { d: "1945-03-01", e: "2010-02-28" }, false],
  ];
  it("compare as documented in both evaluators", async () => expect(await failures(conditions, "condition")).toEqual([]));
});

describe("derived facts, tables, parameters, nested fields and the outcome", () => {
  const values: Row[] = [
    ["double + 1", { a: 3 }, 7],
    ["double", none, undefined],
    ["nested", { p: { q: 4 } }, 5],
    ["p.q", { p: { q: 4 } }, 4],
    ["p.q", { p: 4 }, undefined],
    ["p.q", { p: {} }, undefined],
    ["p.q", { p: null }, undefined],
    ["count(codes)", none, 2],
    ["count(codes) * 10 + count(letters)", none, 23], // two tables as values: each its own
    ["absent(s, a)", { a: 1 }, ["s"]], // after absent(a, p.q, s) in the same policy: each call its own paths
    ["weights[s] + prices[s]", { s: "y" }, 22],
    ["absent(a, p.q, s)", { a: 1, s: "" }, ["p.q", "s"]],
    ["absent(a, p.q)", { a: 1, p: { q: 0 } }, []],
    ["a > 1 and b > 1", { a: 2, b: 2 }, true],
    ["a > 1 and b > 1", { a: 2, b: 0 }, false], // and, not or
    ["a > 1 or b > 1", { a: 0, b: 0 }, false],
    ["not flag", none, true],
    ["s in [\"z\"]", { s: "z" }, true],
    ["s in [\"x\", \"y\"]", { s: "z" }, false],
    ["limit * 2", none, 200],
    ["[a, b]", { a: 1, b: 2 }, [1, 2]],
  ];
  it("evaluate alike in both evaluators", async () => expect(await failures(values, "value")).toEqual([]));

  const conditions: Row[] = [
    ["a > b", { a: 2, b: 1 }, true],
    ["a > b", { a: 1, b: 2 }, false],
    ["a > limit", { a: 101 }, true],
    ["a >= double", { a: 0 }, true],
    ["double = 6 and nested = 2", { a: 3, p: { q: 1 } }, true],
    ["s in [\"x\", \"y\"]", { s: "x" }, true],
    ["s in [\"z\"]", { s: "z" }, true],
    ["s in codes or p.q > 1", { s: "q", p: { q: 2 } }, true],
    ["s = t", { s: "2010-01-01", t: "2010-01-01" }, true],
    ["s != t", { s: "x" }, true],
  ];
  it("decide alike in both evaluators", async () => expect(await failures(conditions, "condition")).toEqual([]));
});

describe("the tables can fail", () => {
  it("report a wrong expectation from both evaluators", async () => {
    const wrong = await failures([["1 + 2 * 3", none, 9]], "value");
    expect(wrong).toHaveLength(4);
    expect(wrong[0]).toContain("generated gave 7, want 9");
    expect(wrong[1]).toContain("json-rules-engine gave 7, want 9");
    expect(wrong[2]).toContain("generated, explaining gave 7, want 9");
  });
});
