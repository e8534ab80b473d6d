/**
 * `did you mean …?`: a candidate is offered only within a small edit distance (at most 2 for short words, a third of
 * the word's length for long ones), the closest wins, and case does not count. The boundaries are pinned so that a
 * looser or stricter threshold fails here.
 */
import { describe, expect, it } from "vitest";
import { DiagnosticSink, LineIndex, sortDiagnostics, suggest } from "../../dsl/diagnostics.js";

const rows: readonly [word: string, candidates: readonly string[], want: string | undefined][] = [
  ["aprove", ["approve", "deny"], "approve"], // distance 1
  ["abc", ["abx"], "abx"], // 1 of 3
  ["abc", ["xyc"], "xyc"], // 2 of 3: short words allow 2
  ["abc", ["xyz"], undefined], // 3 of 3
  ["abcdef", ["abcxyz"], undefined], // 3 of 6: allowed is max(2, 6/3 = 2)
  ["abcdef", ["abcdxy"], "abcdxy"], // 2 of 6
  ["abcdefghi", ["abcdefxyz"], "abcdefxyz"], // 3 of 9: 9/3 = 3 allowed
  ["abcdefghi", ["abcdewxyz"], undefined], // 4 of 9
  ["service.categry", ["service.category", "service.code"], "service.category"],
  ["costThreshhold", ["costThreshold", "cost"], "costThreshold"],
  ["bodyWeightInKilograms", ["service.estimatedCost", "emergency", "dateOfService"], undefined],
  ["SPC", ["spc"], "spc"], // case does not count
  ["days", ["dayz", "days"], "days"], // the closest wins (0 beats 1)
  ["dayx", ["days", "dayz"], "days"], // a tie keeps the first
  ["x", [], undefined],
];

describe("did you mean", () => {
  it.each(rows)("%s among %j gives %s", (word, candidates, want) => expect(suggest(word, candidates)).toBe(want));
});

describe("line index", () => {
  const text = "ab\ncd\n\nef";
  const idx = new LineIndex(text);
  it.each([
    [0, 1, 1],
    [1, 1, 2],
    [2, 1, 3], // the newline belongs to its line
    [3, 2, 1],
    [5, 2, 3],
    [6, 3, 1], // an empty line
    [7, 4, 1],
    [8, 4, 2],
    [9, 4, 3], // the end of the text
    [99, 4, 3], // past the end: clamped
    [-5, 1, 1], // before the start: clamped
  ] as const)("offset %i is line %i, column %i", (offset, line, column) => {
    const p = idx.position(offset);
    expect([p.line, p.column]).toEqual([line, column]);
    expect(p.offset).toBe(Math.max(0, Math.min(offset, text.length)));
  });

  it.each([
    [1, 1, 0],
    [2, 2, 4],
    [3, 1, 6],
    [4, 3, 9],
    [4, 9, 9], // past the line's end: clamped to the text
    [9, 1, 7], // past the last line: the last line
    [0, 1, 0], // before the first line: the first line
  ] as const)("line %i, column %i is offset %i", (line, column, offset) => expect(idx.offset(line, column)).toBe(offset));
});

describe("diagnostics in file order", () => {
  const sink = new DiagnosticSink(new LineIndex("0123456789"));
  sink.error("policy/unknown-fact", { start: 5, end: 6 }, "b");
  sink.error("policy/type-mismatch", { start: 2, end: 8 }, "c");
  sink.error("policy/type-mismatch", { start: 2, end: 4 }, "d");
  sink.warning("policy/missing-citation", { start: 2, end: 4 }, "a");
  sink.error("policy/unknown-table", { start: 7, end: 3 }, "e"); // an end before the start is the start

  it("by start, then end, then code", () => expect(sortDiagnostics(sink.items).map((d) => d.message)).toEqual(["a", "d", "c", "b", "e"]));
  it("keeps the end at or after the start, and knows whether there are errors", () => {
    expect(sink.items.at(-1)!.end.offset).toBe(7);
    expect(sink.hasErrors).toBe(true);
    const clean = new DiagnosticSink(new LineIndex(""));
    clean.warning("policy/unreachable-rule", { start: 0, end: 0 }, "w");
    expect(clean.hasErrors).toBe(false);
    expect(clean.items[0]!.help).toMatch(/^Check the condition/); // the catalogue's help when the site gives none
  });
});
