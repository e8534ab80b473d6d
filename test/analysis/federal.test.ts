/**
 * The us-federal working-day calendar in the solver (engine/analysis/federal.ts): its rule table against
 * engine/lib.ts's own calendar, day by day; addWorkdays across holidays through real z3, where the solver must be
 * forced to the evaluators' date (any other date unsat) and every witness is proven by both evaluators; and the
 * ihs-chs diffs that touch `responseDue`, which are now decided instead of `unknown`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compilePolicy } from "../../dsl/index.js";
import { dayOfIso } from "../../engine/analysis/calendar.js";
import { diffPolicies } from "../../engine/analysis/diff.js";
import { encodePolicy } from "../../engine/analysis/encode.js";
import { federalHolidayDay, federalSpan } from "../../engine/analysis/federal.js";
import { pin } from "../../engine/analysis/pin.js";
import { Session } from "../../engine/analysis/session.js";
import { Space } from "../../engine/analysis/space.js";
import { prove } from "../../engine/analysis/witness.js";
import { z3, type A, type B } from "../../engine/analysis/z3.js";
import { calendars, functions } from "../../engine/lib.js";
import { nodePolicyHost } from "../../engine/policy-files.js";
import { policyWith } from "./helpers.js";

describe("the rule table is engine/lib.ts's calendar", () => {
  // Years from 2021 repeat every 400 (146,097 days, whole weeks): 1971-2430 holds every case; 9600-9999 the end.
  it("on every weekday of 1971-2430 and 9600-9999", () => {
    let weekdays = 0;
    const wrong: string[] = [];
    for (const [from, to] of [[1971, 2430], [9600, 9999]] as const) {
      for (let y = from; y <= to; y++) {
        const off = calendars["us-federal"](y)!;
        const jan1 = Date.UTC(y, 0, 1) / 86_400_000;
        const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 1 : 0;
        for (let doy = 0; doy < 365 + leap; doy++) {
          const day = jan1 + doy;
          const wd = (day + 4) % 7;
          if (wd === 0 || wd === 6) continue;
          weekdays++;
          if (off.has(day * 86_400_000) !== federalHolidayDay(y, doy, wd, leap)) wrong.push(new Date(day * 86_400_000).toISOString().slice(0, 10));
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(weekdays).toBeGreaterThan(200_000);
  });

  it("spans: five working days take at most 11 calendar days", () => {
    expect(federalSpan(1)).toBe(4); // Thursday before a Monday holiday... Friday holiday, weekend: Monday
    expect(federalSpan(5)).toBe(11);
  });
});

const ATTRS = `attribute due = addWorkdays(d, 5, "us-federal")\n`;

async function setup(p: CompiledPolicy) {
  const z = await z3();
  const space = new Space(z, p.requestSchema);
  const enc = encodePolicy(space, p);
  const session = new Session(space);
  // Questions about the date itself: with the year's definition (Space.lazy) in every query.
  session.lazy = true;
  return { z, space, enc, session };
}

describe("addWorkdays(d, 5, \"us-federal\") through z3", () => {
  const p = policyWith("days(d2, addWorkdays(d, 5, \"us-federal\")) > 0", ATTRS);
  const starts: [string, string, string][] = [
    ["Memorial Day 2008 (Monday 26 May)", "2008-05-22", "2008-05-30"],
    ["Thanksgiving 2008 (Thursday 27 November)", "2008-11-24", "2008-12-02"],
    ["Independence Day 2009 on a Saturday, observed Friday 3 July", "2009-07-01", "2009-07-09"],
    ["New Year's Day 2011 on a Saturday, observed Friday 31 December 2010", "2010-12-29", "2011-01-06"],
    ["Juneteenth 2021 on a Saturday, observed Friday 18 June", "2021-06-16", "2021-06-24"],
    ["no Juneteenth in 2020", "2020-06-16", "2020-06-23"],
    ["Veterans Day 1975 on the fourth Monday of October", "1975-10-23", "1975-10-31"],
    ["Christmas 2022 on a Sunday, observed Monday 26 December", "2022-12-22", "2022-12-30"],
    ["the first start the calendar allows, 1970-12-31", "1970-12-31", "1971-01-08"],
    ["a leap year's Memorial Day (2024: 27 May)", "2024-05-23", "2024-05-31"],
  ];
  for (const [what, start, due] of starts) {
    it(`${what}: ${start} + 5 working days = ${due}`, async () => {
      expect(functions["addWorkdays"]!({ today: start }, start, 5, "us-federal")).toBe(due);
      const { z, space, enc, session } = await setup(p);
      const d = space.field("d");
      const at = [pin(z, space, d, start)!, pin(z, space, space.field("id"), "r1")!];
      const v = enc.attributes.get("due")! as { def: unknown; v: A };
      // Proof that the solver cannot pick another date, then a witness both evaluators confirm.
      expect((await session.find([...at, z.Not(v.v.eq(dayOfIso(due)!))], false)).status).toBe("unsat");
      for (const [d2, fires] of [[due, false], [new Date(Date.parse(due) - 86_400_000).toISOString().slice(0, 10), true]] as const) {
        const found = await session.find([...at, pin(z, space, space.field("d2"), d2)!], false);
        expect(found.status).toBe("sat");
        if (found.status !== "sat") continue;
        const w = await prove(space, found.model, [enc]);
        expect(w.decisions[0]!.outcome).toBe(fires ? "deny" : "approve");
        expect(w.decisions[0]!.attributes["due"]).toBe(due);
      }
    }, 30_000);
  }

  it("gives no date from a start before 1970-12-31, as the evaluator does", async () => {
    expect(functions["addWorkdays"]!({ today: "1970-12-30" }, "1970-12-30", 5, "us-federal")).toBeUndefined();
    const { z, space, enc, session } = await setup(p);
    const v = enc.attributes.get("due")! as { def: B };
    const at = [pin(z, space, space.field("d"), "1970-12-30")!];
    expect((await session.find([...at, v.def], false)).status).toBe("unsat");
  });

  it("free witnesses on both sides of the rule are proven, also when the year is only completed afterwards", async () => {
    const { z, space, enc, session } = await setup(p);
    session.lazy = false;
    for (const side of [enc.fired[0]!, z.Not(enc.fired[0]!)]) {
      const found = await session.find([side]);
      expect(found.status).toBe("sat");
      if (found.status === "sat") await prove(space, found.model, [enc]);
    }
  });
});

function chs(edit?: (s: string) => string): CompiledPolicy {
  let source = readFileSync("policies/ihs-chs/2008.1.policy", "utf8");
  if (edit) {
    const out = edit(source);
    if (out === source) throw new Error("the edit does not apply");
    source = out;
  }
  const { compiled, diagnostics } = compilePolicy(source, nodePolicyHost("policies/ihs-chs"));
  if (!compiled) throw new Error(diagnostics.map((x) => x.message).join("; "));
  return compiled;
}

describe("ihs-chs diffs through the federal calendar", () => {
  it("180 -> 181 days is different, with no unknown part", async () => {
    const r = await diffPolicies(chs(), chs((s) => s.replace(/eligibilityWindowDays:\n {4}value: 180/, "eligibilityWindowDays:\n    value: 181")), { regionsPerTransition: 1 });
    expect(r.failures).toEqual([]);
    expect(r.unknown).toEqual([]);
    expect(r.inexact).toEqual([]);
    expect(r.verdict).toBe("different");
  }, 120_000);

  it("five working days made six is found in responseDue, with a holiday example confirmed", async () => {
    const r = await diffPolicies(chs(), chs((s) => s.replace(/responseWorkingDays:\n {4}value: 5/, "responseWorkingDays:\n    value: 6")), { regionsPerTransition: 1 });
    expect(r.failures).toEqual([]);
    expect(r.unknown).toEqual([]);
    expect(r.verdict).toBe("different");
    expect(r.transitions).toEqual([]);
    expect(r.attributes.map((a) => a.what)).toContain("responseDue");
  }, 120_000);

  it("the federal calendar against weekends only differs only in responseDue, on a holiday", async () => {
    const r = await diffPolicies(chs(), chs((s) => s.replace("workingDayCalendar:\n    value: us-federal", "workingDayCalendar:\n    value: weekdays")), { regionsPerTransition: 1 });
    expect(r.failures).toEqual([]);
    expect(r.unknown).toEqual([]);
    expect(r.transitions).toEqual([]);
    expect([...new Set(r.attributes.map((a) => a.what))]).toEqual(["responseDue"]);
    for (const g of r.attributes.flatMap((a) => a.regions)) {
      const [a, b] = [g.example.old, g.example.new].map((x) => x.attributes["responseDue"]);
      expect(a).not.toBe(b);
    }
  }, 120_000);

  it("the same policy is equivalent to itself", async () => {
    const r = await diffPolicies(chs(), chs());
    expect(r.unknown).toEqual([]);
    expect(r.verdict).toBe("equivalent");
  }, 120_000);
});
