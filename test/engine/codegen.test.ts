/**
 * The code generator (engine/codegen.ts) against json-rules-engine, in each of its shapes: the deciding function
 * (index groups, lazy facts, short-circuit conditions), the explaining one (every leaf in a local), and both again
 * in slot mode (values in one array, statements in chunk functions). Every request of a cross product of odd values
 * is decided by all five and must give the same outcome, reasons, fired rules, attributes (own keys included, so an
 * attribute set to "missing" shows) and explanation. Small policies, so it runs in seconds (it is the codegen
 * module's test file in the mutation run, scripts/mutation-modules.mjs).
 */
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compilePolicy, type PolicyHost } from "../../dsl/index.js";
import { generateEvaluator, type FastFn, type FastResult } from "../../engine/codegen.js";
import { createEvaluator } from "../../engine/index.js";
import { parameterValues } from "../../engine/parameters.js";
import { createReferenceEvaluator } from "../../engine/reference.js";
import type { Decision } from "../../engine/types.js";

const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  properties: {
    kind: { type: "string" },
    level: { type: "number" },
    flag: { type: "boolean" },
    amount: { type: "number" },
    day: { type: "string", format: "date" },
    p: { type: "object", properties: { q: { type: "number" }, r: { type: "object", properties: { s: { type: "string" } } } } },
  },
};
const host: PolicyHost = { requestSchema: () => schema, parentSource: () => undefined };
const today = "2010-06-15";

function compile(body: string, extra = ""): CompiledPolicy {
  const source = `---
program: codegen
version: "1"
effective: 2000-01-01
title: codegen test policy
requestSchema: request.schema.json
outcomes: [deny, pend, approve]
tables:
  prices: { values: { a: 10, b: 20, toString: 30 } }
  kinds: { values: [a, c] }
parameters:
  limit: { value: 100 }
${extra}---
${body}
otherwise approve code ok reason "fine" cite "test: codegen"
`;
  const { compiled, diagnostics } = compilePolicy(source, host);
  if (!compiled) throw new Error(diagnostics.map((d) => `${d.start.line}:${d.start.column} ${d.message}`).join("\n"));
  return compiled;
}

const cite = 'cite "test: codegen"';

/** One comparable line per decision: outcome, reasons, fired rule names, attributes with their own keys. */
function line(policy: CompiledPolicy, d: FastResult | Decision): string {
  const fired = "combined" in d ? d.fired.map((i) => policy.rules[i]!.name) : d.fired;
  const outcome = "combined" in d ? d.combined.outcome : d.outcome;
  const reasons = "combined" in d ? d.combined.reasons : d.reasons;
  return JSON.stringify({ outcome, reasons, fired, keys: Object.keys(d.attributes), attributes: d.attributes });
}

const traceOf = (d: FastResult | Decision): string => JSON.stringify("combined" in d ? d.trace : d.explanation);

/** Decides every request with the five evaluators and returns the disagreements (at most a few, for the message). */
async function disagreements(policy: CompiledPolicy, requests: readonly unknown[]): Promise<string[]> {
  const params = parameterValues(policy);
  const plain = generateEvaluator(policy, params);
  const slots = generateEvaluator(policy, params, { slots: true });
  const reference = createReferenceEvaluator(policy);
  const fns: [string, FastFn][] = [
    ["fast", plain.run],
    ["explaining", plain.explain],
    ["fast, slots", slots.run],
    ["explaining, slots", slots.explain],
  ];
  const out: string[] = [];
  for (const request of requests) {
    const want = await reference.evaluate(request, { decisionDate: today, explain: true });
    const wantLine = line(policy, want);
    for (const [who, fn] of fns) {
      const got = fn(request, { today });
      if (line(policy, got) !== wantLine) out.push(`${JSON.stringify(request)} ${who}:\n  got  ${line(policy, got)}\n  want ${wantLine}`);
      if (who.startsWith("explaining") && traceOf(got) !== traceOf(want)) out.push(`${JSON.stringify(request)} ${who} explains:\n  got  ${traceOf(got)}\n  want ${traceOf(want)}`);
      if (!who.startsWith("explaining") && "trace" in got) out.push(`${who} returned a trace`);
    }
    if (out.length > 4) break;
  }
  return out;
}

function product(axes: Record<string, readonly unknown[]>): Record<string, unknown>[] {
  let out: Record<string, unknown>[] = [{}];
  for (const [k, values] of Object.entries(axes)) {
    out = out.flatMap((r) =>
      values.map((v) => {
        const next = { ...r };
        // `undefined` stands for "not sent"; `{ __proto__: x }` would set the prototype, so define own data keys.
        if (v !== undefined) Object.defineProperty(next, k, { value: v, enumerable: true, writable: true, configurable: true });
        return next;
      }),
    );
  }
  return out;
}

const switches = (source: string): number => source.match(/switch \(/g)?.length ?? 0;

describe("the generated evaluators decide as json-rules-engine", () => {
  // Five rules guarded by `kind` (one through a list with a repeated value, one by `__proto__`), four by `level`
  // (two of them also guarded by `kind`, so the greedy choice matters), a rule that sets attributes on a guard
  // (never grouped), rules whose guard is under `or` or `not` (not guards), and rules before and after them, so
  // grouped rules fire out of file order and `fired` must be sorted back.
  const grouped = compile(
    [
      "let doubled = amount * 2",
      "let price = prices[kind]",
      `rule early\n  when amount > limit\n  then pend code early ${cite}`,
      `rule k-a\n  when kind = "a"\n  then pend code k-a ${cite}`,
      `rule k-b\n  when kind = "b" and amount >= 10\n  then deny code k-b ${cite}`,
      `rule k-ab\n  when kind in ["a", "b", "a"] and flag = true\n  then approve code k-ab ${cite}`,
      `rule k-proto\n  when kind = "__proto__"\n  then deny code k-proto ${cite}`,
      `rule k-one\n  when kind = "1" and not (flag = true)\n  then pend code k-one ${cite}`,
      `rule k-same\n  when kind = p.r.s and amount != 7\n  then deny code k-same ${cite}`,
      `rule l-1\n  when level = 1\n  then approve code l-1 ${cite}`,
      `rule l-2\n  when level in [1, 2] and kind = "c"\n  then deny code l-2 ${cite}`,
      `rule l-0\n  when level = 0 and doubled < 10\n  then pend code l-0 ${cite}`,
      `rule l-3\n  when level = 3\n  then deny code l-3 ${cite}`,
      `rule l-4\n  when level = 4 and amount != 1\n  then approve code l-4 ${cite}`,
      `rule l-true\n  when level = 1 or flag = true\n  then pend code l-true ${cite}`,
      `rule set-a\n  when kind = "a"\n  then code set-a ${cite}\n  set seen = amount, fixed = "yes"`,
      `rule set-b\n  when kind = "b" and flag = true\n  then code set-b ${cite}\n  set seen = level`,
      `rule priced\n  when price > 15 and doubled <= 40\n  then pend code priced ${cite}`,
      `rule negated\n  when not (amount > 5 or kind in kinds)\n  then deny code negated ${cite}`,
      `rule nested\n  when p.q >= 2 and p.r.s = "x"\n  then pend code nested ${cite}\n  set depth = p.q`,
      `rule late\n  when amount < 0\n  then deny code late ${cite}`,
      'attribute out = outcome\nattribute big = doubled when outcome = "deny"\nattribute name = p.r.s',
    ].join("\n\n"),
  );

  it("indexes the rules of a field that guards four or more, on that field and then the next", () => {
    const { source } = generateEvaluator(grouped, parameterValues(grouped));
    // kind first (k-a, k-b, k-ab, k-proto, k-one, l-2: six rules, five values), then level for the four rules it
    // still guards (l-2 went with kind).
    expect(switches(source)).toBe(2);
    expect(source.match(/^case \d+: \{$/gm)).toHaveLength(5 + 4);
    expect(source).toMatch(/switch \(K\[\d+\]\.get\(i\d+\)\) \{\ncase 0: \{/);
  });

  it("on a cross product of odd request values", async () => {
    const odd = [undefined, null, 0, -0, 1, "1", 2, 3, 10, 20, 101, -1, "a", "b", "c", "__proto__", "toString", true, [], {}];
    const requests = [
      ...product({ kind: odd, level: [undefined, 0, 1, 2, 3, 4, "1"], flag: [undefined, true, false] }),
      ...product({ kind: ["a", "b", "toString"], amount: [undefined, -1, 0, 4, 5, 7.5, 10, 20, 101, "5", null], flag: [true, false] }),
      ...product({ kind: ["c"], level: [0, 1, 2], amount: [undefined, 2, 4.9, 5, 30] }),
      ...product({ p: [undefined, null, [], "x", {}, { q: 2 }, { q: 3, r: { s: "x" } }, { q: "3", r: { s: "x" } }, { q: 1, r: { s: "x" } }, { q: 2, r: ["x"] }, { q: 2, r: null }] }),
      // `kind = p.r.s` compares two fields: not a guard (a Map lookup cannot hold the other field's value).
      ...product({ kind: ["a", "x", undefined], p: [{ r: { s: "a" } }, { r: { s: "x" } }, { r: {} }], amount: [7, 8] }),
      Object.create({ kind: "a", level: 1 }),
      { p: Object.create({ q: 5, r: { s: "x" } }) },
      { p: { q: 5, r: Object.create({ s: "x" }) } },
      null,
      [],
      "request",
    ];
    expect(requests.length).toBeGreaterThan(500);
    expect(await disagreements(grouped, requests)).toEqual([]);
  }, 120_000);

  it("fires grouped and ungrouped rules in file order, and keeps the later rule's attribute", () => {
    const fast = createEvaluator(grouped);
    const d = fast.evaluate({ kind: "a", level: 1, flag: true, amount: 150 }, { decisionDate: today });
    expect(d.fired).toEqual(["early", "k-a", "k-ab", "l-1", "l-true", "set-a"]);
    expect(d.outcome).toBe("pend");
    expect(d.reasons.map((r) => r.rule)).toEqual(["early", "k-a", "l-true"]);
    expect(d.attributes).toStrictEqual({ seen: 150, fixed: "yes", out: "pend" });
    const b = fast.evaluate({ kind: "b", level: 3, flag: true, amount: 12 }, { decisionDate: today });
    expect(b.fired).toEqual(["k-b", "k-ab", "l-3", "l-true", "set-b", "priced"]);
    expect(b.attributes).toStrictEqual({ seen: 3, out: "deny", big: 24 });
  });

  it("leaves out an attribute whose value is missing instead of writing it as undefined", () => {
    const d = createEvaluator(grouped).evaluate({ kind: "a" }, { decisionDate: today });
    expect(Object.keys(d.attributes)).toEqual(["fixed", "out"]);
    expect(Object.keys(createEvaluator(grouped).evaluate({ kind: "a" }, { decisionDate: today, explain: true }).attributes)).toEqual(["fixed", "out"]);
  });
});

describe("index groups", () => {
  const rules = (n: number, guard: (i: number) => string): string =>
    Array.from({ length: n }, (_, i) => `rule r${i}\n  when ${guard(i)} and amount > ${i}\n  then pend code r${i} ${cite}`).join("\n\n");

  it("a field guarding three rules is not indexed, four are", async () => {
    const three = compile(rules(3, (i) => `kind = "k${i}"`));
    const four = compile(rules(4, (i) => `kind = "k${i}"`));
    expect(switches(generateEvaluator(three, {}).source)).toBe(0);
    expect(switches(generateEvaluator(four, {}).source)).toBe(1);
    const requests = product({ kind: ["k0", "k1", "k2", "k3", "k4", undefined], amount: [0, 1, 2, 3, 4] });
    expect(await disagreements(four, requests)).toEqual([]);
  });

  it("a list of up to 64 values is a guard with a case per value, a longer one is not", async () => {
    const list = (n: number): string => `[${Array.from({ length: n }, (_, k) => `"v${k}"`).join(", ")}]`;
    const at64 = compile(rules(4, (i) => `kind in ${list(64 - i)}`));
    const at65 = compile(rules(4, (i) => `kind in ${list(65 + i)}`));
    const source64 = generateEvaluator(at64, {}).source;
    expect(switches(source64)).toBe(1);
    expect(source64.match(/^case \d+: \{$/gm)).toHaveLength(64);
    expect(switches(generateEvaluator(at65, {}).source)).toBe(0);
    const requests = product({ kind: ["v0", "v60", "v63", "v64", "v66", "v67", undefined], amount: [0, 2, 5] });
    expect(await disagreements(at64, requests)).toEqual([]);
    expect(await disagreements(at65, requests)).toEqual([]);
  });

  it("rules that set attributes, or whose guard is a derived fact, a parameter or under `or`, are not indexed", () => {
    const sets = compile(Array.from({ length: 5 }, (_, i) => `rule s${i}\n  when kind = "k${i}"\n  then pend code s${i} ${cite}\n  set x = ${i}`).join("\n\n"));
    expect(switches(generateEvaluator(sets, {}).source)).toBe(0);
    const derived = compile(`let k = kind\n\n${rules(5, (i) => `k = "k${i}"`)}`);
    expect(switches(generateEvaluator(derived, {}).source)).toBe(0);
    const param = compile(rules(5, (i) => `limit = ${i}`));
    expect(switches(generateEvaluator(param, parameterValues(param)).source)).toBe(0);
    const either = compile(Array.from({ length: 5 }, (_, i) => `rule o${i}\n  when kind = "k${i}" or flag = true\n  then pend code o${i} ${cite}`).join("\n\n"));
    expect(switches(generateEvaluator(either, {}).source)).toBe(0);
    const notEqual = compile(rules(5, (i) => `kind != "k${i}"`));
    expect(switches(generateEvaluator(notEqual, {}).source)).toBe(0);
  });
});

describe("derived facts", () => {
  // duplicateOf calls the host, so the calls show when a fact is computed.
  const long = Array.from({ length: 40 }, (_, i) => `coalesce(amount, ${i})`).join(" + ");
  const policy = compile(
    [
      "let dup = duplicateOf(kind)",
      `let heavy = coalesce(duplicateOf(kind, "h"), ${long})`,
      `rule uses-dup\n  when flag = true and dup is present\n  then deny code dup ${cite}`,
      `rule uses-heavy\n  when flag = false and heavy is present\n  then pend code heavy ${cite}`,
    ].join("\n\n"),
  );

  it("a short fact is computed when a condition first reads it, once; a long one up front", () => {
    const fast = createEvaluator(policy);
    let calls: string[] = [];
    const findAccepted = (key: string): string | undefined => (calls.push(key), key.includes("a") ? "R1" : undefined);
    const decide = (request: object, explain = false): Decision => {
      calls = [];
      return fast.evaluate(request, { decisionDate: today, findAccepted, explain });
    };
    decide({ kind: "a" });
    expect(calls).toHaveLength(1); // only heavy, computed up front
    expect(decide({ kind: "a", flag: true }).outcome).toBe("deny");
    expect(calls).toHaveLength(2);
    expect(decide({ kind: "a", flag: false }).outcome).toBe("pend");
    expect(calls).toHaveLength(1);
    decide({ kind: "a" }, true);
    expect(calls).toHaveLength(2);
  });
});

describe("comparisons", () => {
  it("inline number comparisons agree with json-rules-engine's on every type", async () => {
    const policy = compile(
      [
        "let twice = amount * 2",
        `rule lt\n  when amount < 5\n  then pend code lt ${cite}`,
        `rule le\n  when amount <= 5\n  then pend code le ${cite}`,
        `rule gt\n  when amount > 5\n  then deny code gt ${cite}`,
        `rule ge\n  when amount >= 5\n  then deny code ge ${cite}`,
        `rule fact-lt\n  when twice < 10\n  then pend code flt ${cite}`,
        `rule fact-ge\n  when twice >= 10\n  then pend code fge ${cite}`,
        `rule param\n  when amount >= limit\n  then deny code param ${cite}`,
        `rule field\n  when amount > level\n  then pend code field ${cite}`,
      ].join("\n\n"),
    );
    const requests = product({ amount: [undefined, null, 4, 4.99, 5, 5.01, 100, -0, "5", "6", "10", true, [], [6], {}], level: [undefined, 1, 5, "5"] });
    expect(await disagreements(policy, requests)).toEqual([]);
  });
});

describe("slot mode", () => {
  it("splits more than a thousand statements into chunk functions and decides as the plain functions do", () => {
    // Rule i fires for amounts strictly between i and i + 3. json-rules-engine is left out here (1,100 rules make it
    // slow); the plain functions are held to it above.
    const body = Array.from({ length: 1100 }, (_, i) => `rule r${i}\n  when amount > ${i} and amount < ${i + 3}\n  then pend code r${i} ${cite}`).join("\n\n");
    const policy = compile(`${body}\n\nattribute out = outcome`);
    const plain = generateEvaluator(policy, {});
    const slots = generateEvaluator(policy, {}, { slots: true });
    expect(slots.source).toContain("const V = new Array(");
    expect(slots.source).toMatch(/^function s1\(req, F, V, fired, attrs\) \{$/m);
    expect(slots.source).not.toMatch(/^function s2\(/m);
    expect(plain.source).not.toContain("function s0");
    for (const amount of [undefined, 0, 1, 2, 500.5, 999, 1000, 1099, 1100, 1102, 2000]) {
      const want = typeof amount === "number" ? Array.from({ length: 1100 }, (_, i) => i).filter((i) => amount > i && amount < i + 3) : [];
      const request = { amount };
      for (const [who, fn] of [["plain", plain.run], ["slots", slots.run], ["plain, explaining", plain.explain], ["slots, explaining", slots.explain]] as const) {
        const d = fn(request, { today });
        expect(d.fired, `${who} ${amount}`).toEqual(want);
        expect(d.combined.outcome).toBe(want.length ? "pend" : "approve");
        expect(d.attributes).toStrictEqual({ out: d.combined.outcome });
      }
      expect(traceOf(slots.explain(request, { today }))).toBe(traceOf(plain.explain(request, { today })));
    }
    expect(plain.explain({ amount: 1 }, { today }).trace).toHaveLength(1100);
  }, 120_000);

  it("chunks more than a thousand attributes, which still see the outcome", () => {
    const attrs = Array.from({ length: 1001 }, (_, i) => `attribute a${i} = outcome`).join("\n");
    const policy = compile(`rule r\n  when amount > 1\n  then deny code r ${cite}\n\n${attrs}`);
    const slots = generateEvaluator(policy, {}, { slots: true });
    expect(slots.source).toMatch(/^function s\d+\(req, F, V, fired, attrs, outcome\) \{$/m);
    for (const [amount, outcome] of [[2, "deny"], [0, "approve"]] as const) {
      for (const fn of [slots.run, slots.explain, generateEvaluator(policy, {}).run]) {
        const d = fn({ amount }, { today });
        expect(Object.keys(d.attributes)).toHaveLength(1001);
        expect(new Set(Object.values(d.attributes))).toEqual(new Set([outcome]));
      }
    }
  });
});
