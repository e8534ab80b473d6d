/**
 * CHS fund control (seed 003, Attachment B) on hand-made obligations, so every figure can be checked by hand:
 * Total Funds Available, weekly spending rate = TFA ÷ 13, the week each side runs out, carry-over, and the highest
 * priority level the funds cover.
 */
import { describe, expect, it } from "vitest";
import type { FundDay } from "../../engine/simulate/aggregate.js";
import { fundControl } from "../../engine/simulate/index.js";
import { addDays } from "../../engine/simulate/history/calendar.js";

/** Every day of FY2009 Q1 and Q2: the baseline obligates 100 a day, the candidate 150. */
function days(): Record<string, FundDay> {
  const out: Record<string, FundDay> = {};
  for (let d = "2008-10-01"; d <= "2009-03-31"; d = addDays(d, 1)) {
    out[d] = { baselineObligations: 100, candidateObligations: 150, baselineDemand: {}, candidateDemand: {} };
  }
  // Demand by priority level in Q1 (what each side would fund if money allowed).
  out["2008-10-01"]!.baselineDemand = { "1": 5000, "2": 3000, "3": 2000 };
  out["2008-10-01"]!.candidateDemand = { "1": 5000, "2": 3000, "3": 2000, "4": 4000 };
  return out;
}

describe("fund control", () => {
  const r = fundControl(days(), "2008-10-01", "2009-03-31", { allowance: [10_000, 12_000], knownCosts: 500, chefReimbursements: [0, 1_000] });

  it("when a quarter is computed, then TFA = carry-over + allowance + CHEF − known costs and the weekly rate is TFA ÷ 13", () => {
    const q1 = r.quarters[0]!;
    expect(q1.quarter).toBe("FY2009 Q1");
    expect([q1.start, q1.end, q1.weeks]).toEqual(["2008-10-01", "2008-12-31", 13]);
    expect(q1.baseline.totalFundsAvailable).toBe(9_500);
    expect(q1.baseline.weeklySpendingRate).toBeCloseTo(9_500 / 13, 2);
    expect(q1.baseline.obligations).toBe(9_200); // 92 days × 100
    expect(q1.baseline.endBalance).toBe(300);
    expect(q1.baseline.runsOut).toBeNull();
    // The 13th week takes the quarter's last day: 8 days.
    expect(q1.baseline.weeks.map((w) => w.obligations)).toEqual([...new Array(12).fill(700), 800]);
    expect(q1.baseline.weeks[0]!.plannedBalance).toBeCloseTo(9_500 - 9_500 / 13, 2);
  });

  it("when a side obligates faster than its funds, then the week it runs out is the first with a negative balance", () => {
    const q1 = r.quarters[0]!;
    // 1,050 a week: 9 weeks = 9,450 ≤ 9,500; 10 weeks = 10,500.
    expect(q1.candidate.runsOut).toEqual({ week: 10, start: "2008-12-03" });
    expect(q1.candidate.weeks[9]!.projectedBalance).toBe(-1_000);
    expect(r.summary.candidate.runsOut).toBe("FY2009 Q1 week 10 (2008-12-03)");
    expect(r.summary.baseline.runsOut).toBeNull();
  });

  it("when a quarter follows another, then it starts with that side's ending balance", () => {
    const q2 = r.quarters[1]!;
    expect(q2.baseline.carryOver).toBe(300);
    expect(q2.baseline.totalFundsAvailable).toBe(300 + 12_000 + 1_000 - 500);
    const q1c = r.quarters[0]!.candidate;
    expect(q2.candidate.carryOver).toBe(q1c.endBalance);
    expect(q1c.endBalance).toBe(9_500 - 92 * 150);
  });

  it("when demand is listed by priority level, then the funds cover the highest level whose cumulative demand fits", () => {
    const q1 = r.quarters[0]!;
    expect(q1.baseline.demandByLevel).toEqual({ "1": 5000, "2": 3000, "3": 2000 });
    expect(q1.baseline.highestPriorityCovered).toBe(2); // 5,000 + 3,000 ≤ 9,500 < 10,000
    expect(q1.candidate.highestPriorityCovered).toBe(2);
    expect(r.quarters[1]!.baseline.highestPriorityCovered).toBe(0); // no demand listed in Q2
  });

  it("when quarters are named, then only those are reported", () => {
    const only = fundControl(days(), "2008-10-01", "2009-03-31", { allowance: 10_000, quarters: ["FY2009 Q2"] });
    expect(only.quarters.map((q) => q.quarter)).toEqual(["FY2009 Q2"]);
    expect(only.quarters[0]!.baseline.carryOver).toBe(0);
  });
});
