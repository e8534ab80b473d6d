/** The built-in functions and operators, table-driven: the boundaries the seeds name depend on them. */
import { describe, expect, it } from "vitest";
import { functions, getPath, operators } from "../../engine/lib.js";

const ctx = { today: "2009-03-31" };
const call = (fn: string, ...args: unknown[]): unknown => functions[fn]!(ctx, ...args);

describe("date functions", () => {
  it.each([
    ["days", ["2009-02-28", "2009-03-01"], 1],
    ["days", ["2008-02-28", "2008-03-01"], 2],
    ["days", ["2009-03-01", "2009-02-28"], -1],
    ["days", ["2009-02-29", "2009-03-01"], undefined],
    ["days", ["2009-03-05T23:59:00Z", "2009-03-06T00:01:00Z"], 1],
    ["hours", ["2009-03-05T10:00:00Z", "2009-03-08T10:00:00Z"], 72],
    ["hours", ["2009-03-05T10:00:00Z", "2009-03-08T10:01:00Z"], 72 + 1 / 60],
    ["hours", ["2009-03-05T10:00:00", "2009-03-05T12:30:00+01:00"], 1.5],
    ["hours", ["not a date", "2009-03-05T10:00:00Z"], undefined],
    ["years", ["1944-03-05", "2009-03-04"], 64],
    ["years", ["1944-03-05", "2009-03-05"], 65],
    ["years", ["1944-02-29", "2009-02-28"], 64],
    ["addDays", ["2009-03-06", 5], "2009-03-11"],
    ["addDays", ["2009-12-30T22:00:00Z", 5], "2010-01-04"],
    ["addWorkdays", ["2009-03-06", 5], "2009-03-13"],
    ["addWorkdays", ["2009-03-07", 5], "2009-03-13"],
    ["addWorkdays", ["2009-03-09", 0], "2009-03-09"],
    // Thanksgiving 2008 (Thursday 27 November) is not a working day when the holiday list names it.
    ["addWorkdays", ["2008-11-24", 5], "2008-12-01"],
    ["addWorkdays", ["2008-11-24", 5, ["2008-11-27"]], "2008-12-02"],
    ["addWorkdays", ["2008-11-24", 5, ["2008-11-29"]], "2008-12-01"],
    ["addWorkdays", ["2008-11-24", 5, []], "2008-12-01"],
    ["date", ["2009-03-06T23:00:00Z"], "2009-03-06"],
    ["date", ["2009-3-6"], undefined],
    ["today", [], "2009-03-31"],
  ] as const)("%s(%j) = %j", (fn, args, want) => expect(call(fn, ...args)).toBe(want));
});

describe("other functions", () => {
  it.each([
    ["min", [350, 400, 1000], 350],
    ["min", [undefined, 400, 1000], 400],
    ["min", [undefined, undefined], undefined],
    ["max", [1, 5, undefined], 5],
    ["round", [64.99999, 2], 65],
    ["round", [2 / 3, 2], 0.67],
    ["coalesce", [undefined, "", 3], 3],
    ["count", [undefined], 0],
    ["count", [["a", "b"]], 2],
  ] as const)("%s(%j) = %j", (fn, args, want) => expect(call(fn, ...args)).toEqual(want));

  it("duplicateOf asks the host only when every key value is given", () => {
    const seen: string[] = [];
    const c = { today: "2009-01-01", findAccepted: (k: string) => (seen.push(k), k.includes("P1") ? "C1" : undefined) };
    expect(functions["duplicateOf"]!(c, "P1", "V", "2009-01-01", 100)).toBe("C1");
    expect(functions["duplicateOf"]!(c, "P2", "V", "2009-01-01", 100)).toBeUndefined();
    expect(functions["duplicateOf"]!(c, "P1", undefined, "2009-01-01", 100)).toBeUndefined();
    expect(seen).toHaveLength(2);
  });
});

describe("operators follow json-rules-engine", () => {
  it.each([
    ["lessThan", "3", 5, true],
    ["lessThan", undefined, 5, false],
    ["lessThan", null, 5, false],
    ["greaterThanInclusive", 72, 72, true],
    ["in", "a", ["a", "b"], true],
    ["in", "a", undefined, false],
    ["notIn", "c", ["a", "b"], true],
    ["contains", ["medicare"], "medicare", true],
    ["contains", undefined, "medicare", false],
    ["containsAny", ["va", "medicaid"], ["medicaid"], true],
    ["containsAny", [], ["medicaid"], false],
    ["present", "", true, false],
    ["present", 0, true, true],
  ] as const)("%s(%j, %j) = %j", (op, a, b, want) => expect(operators[op](a, b)).toBe(want));
});

describe("request paths", () => {
  it("read own properties only", () => {
    const req = JSON.parse('{"__proto__": {"polluted": 1}, "service": {"category": "x"}}') as unknown;
    expect(getPath(req, ["service", "category"])).toBe("x");
    expect(getPath(req, ["constructor"])).toBeUndefined();
    expect(getPath(req, ["toString"])).toBeUndefined();
    expect(getPath(req, ["service", "category", "length"])).toBeUndefined();
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
