/** Test-case comparison: `null` in `want.attributes` asks for an attribute that is not set. */
import { describe, expect, it } from "vitest";
import { compareDecision } from "../../engine/test-cases.js";
import type { Decision } from "../../engine/types.js";

const decision = (attributes: Record<string, unknown>): Decision => ({ outcome: "invalid", reasons: [], attributes, fired: [] }) as unknown as Decision;

describe("want.attributes", () => {
  it("null passes when the attribute is not set", () => {
    expect(compareDecision(decision({ missing: ["x"] }), { outcome: "invalid", attributes: { allowedAmount: null } })).toEqual([]);
  });

  it("null fails when the attribute is set, even to 0 or false", () => {
    expect(compareDecision(decision({ allowedAmount: 350 }), { outcome: "invalid", attributes: { allowedAmount: null } })).toEqual(["attribute allowedAmount: want nothing, got 350"]);
    expect(compareDecision(decision({ amountSaved: 0 }), { outcome: "invalid", attributes: { amountSaved: null } })).toHaveLength(1);
    expect(compareDecision(decision({ flag: false }), { outcome: "invalid", attributes: { flag: null } })).toHaveLength(1);
  });

  it("a value still has to be given and equal", () => {
    expect(compareDecision(decision({}), { outcome: "invalid", attributes: { allowedAmount: 350 } })).toEqual(["attribute allowedAmount: want 350, got nothing"]);
  });
});
