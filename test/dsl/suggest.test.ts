/**
 * `did you mean …?`: a candidate is offered only within a small edit distance (at most 2 for short words, a third of
 * the word's length for long ones), the closest wins, and case does not count. The boundaries are pinned so that a
 * looser or stricter threshold fails here.
 */
import { describe, expect, it } from "vitest";
import { suggest } from "../../dsl/diagnostics.js";

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
