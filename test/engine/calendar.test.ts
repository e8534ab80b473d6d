/**
 * The built-in working-day calendar `us-federal` (engine/lib.ts): the federal holidays of 5 U.S.C. 6103 as a
 * Monday-to-Friday employee observes them, for any year. The expected dates below are written out by hand, year by
 * year, from the statute's rules (not computed by the code under test): fixed dates observed on the Friday before a
 * Saturday and the Monday after a Sunday, the Monday holidays, Thanksgiving, Juneteenth from 2021. Inauguration Day
 * (6103(c), District of Columbia area only) and executive-order closures are not in the calendar.
 */
import { describe, expect, it } from "vitest";
import { CALENDARS, functions as signatures } from "../../dsl/scope.js";
import { CALENDAR_NAMES, calendarDays, functions } from "../../engine/lib.js";

const addWorkdays = (...a: unknown[]): unknown => functions["addWorkdays"]!({ today: "2026-01-01" }, ...a);

// Observed federal holidays by calendar year, MM-DD. A New Year's Day on a Saturday is observed on 31 December of
// the year before (2011, 2022, 2028 have none of their own; 2010, 2021, 2027 have two December holidays).
const OBSERVED: Record<number, string> = {
  2007: "01-01 01-15 02-19 05-28 07-04 09-03 10-08 11-12 11-22 12-25",
  2008: "01-01 01-21 02-18 05-26 07-04 09-01 10-13 11-11 11-27 12-25",
  2009: "01-01 01-19 02-16 05-25 07-03 09-07 10-12 11-11 11-26 12-25",
  2010: "01-01 01-18 02-15 05-31 07-05 09-06 10-11 11-11 11-25 12-24 12-31",
  2011: "01-17 02-21 05-30 07-04 09-05 10-10 11-11 11-24 12-26",
  2012: "01-02 01-16 02-20 05-28 07-04 09-03 10-08 11-12 11-22 12-25",
  2013: "01-01 01-21 02-18 05-27 07-04 09-02 10-14 11-11 11-28 12-25",
  2014: "01-01 01-20 02-17 05-26 07-04 09-01 10-13 11-11 11-27 12-25",
  2015: "01-01 01-19 02-16 05-25 07-03 09-07 10-12 11-11 11-26 12-25",
  2016: "01-01 01-18 02-15 05-30 07-04 09-05 10-10 11-11 11-24 12-26",
  2017: "01-02 01-16 02-20 05-29 07-04 09-04 10-09 11-10 11-23 12-25",
  2018: "01-01 01-15 02-19 05-28 07-04 09-03 10-08 11-12 11-22 12-25",
  2019: "01-01 01-21 02-18 05-27 07-04 09-02 10-14 11-11 11-28 12-25",
  2020: "01-01 01-20 02-17 05-25 07-03 09-07 10-12 11-11 11-26 12-25",
  2021: "01-01 01-18 02-15 05-31 06-18 07-05 09-06 10-11 11-11 11-25 12-24 12-31",
  2022: "01-17 02-21 05-30 06-20 07-04 09-05 10-10 11-11 11-24 12-26",
  2023: "01-02 01-16 02-20 05-29 06-19 07-04 09-04 10-09 11-10 11-23 12-25",
  2024: "01-01 01-15 02-19 05-27 06-19 07-04 09-02 10-14 11-11 11-28 12-25",
  2025: "01-01 01-20 02-17 05-26 06-19 07-04 09-01 10-13 11-11 11-27 12-25",
  2026: "01-01 01-19 02-16 05-25 06-19 07-03 09-07 10-12 11-11 11-26 12-25",
  2027: "01-01 01-18 02-15 05-31 06-18 07-05 09-06 10-11 11-11 11-25 12-24 12-31",
  2028: "01-17 02-21 05-29 06-19 07-04 09-04 10-09 11-10 11-23 12-25",
  2029: "01-01 01-15 02-19 05-28 06-19 07-04 09-03 10-08 11-12 11-22 12-25",
  2030: "01-01 01-21 02-18 05-27 06-19 07-04 09-02 10-14 11-11 11-28 12-25",
};

// The table ihs-chs 2008.1 listed by hand before the calendar replaced it (FY2008 to the end of 2010).
const FORMER_IHS_CHS_TABLE = [
  "2007-10-08", "2007-11-12", "2007-11-22", "2007-12-25", "2008-01-01", "2008-01-21",
  "2008-02-18", "2008-05-26", "2008-07-04", "2008-09-01", "2008-10-13", "2008-11-11",
  "2008-11-27", "2008-12-25", "2009-01-01", "2009-01-19", "2009-02-16", "2009-05-25",
  "2009-07-03", "2009-09-07", "2009-10-12", "2009-11-11", "2009-11-26", "2009-12-25",
  "2010-01-01", "2010-01-18", "2010-02-15", "2010-05-31", "2010-07-05", "2010-09-06",
  "2010-10-11", "2010-11-11", "2010-11-25", "2010-12-24", "2010-12-31",
];

describe("the us-federal calendar", () => {
  it.each(Object.entries(OBSERVED))("%s: the observed federal holidays", (year, days) => {
    expect(calendarDays("us-federal", Number(year))).toEqual(days.split(" ").map((d) => `${year}-${d}`));
  });

  it("equals the hand-listed FY2008-2010 table it replaces", () => {
    const computed = [2007, 2008, 2009, 2010].flatMap((y) => calendarDays("us-federal", y)!).filter((d) => d >= "2007-10-01");
    expect(computed).toEqual(FORMER_IHS_CHS_TABLE);
  });

  it("follows the statute as it stood in each year", () => {
    // Uniform Monday Holiday Act from 1971: Veterans Day on the fourth Monday of October until 1977.
    expect(calendarDays("us-federal", 1971)).toContain("1971-10-25");
    expect(calendarDays("us-federal", 1977)).toContain("1977-10-24");
    expect(calendarDays("us-federal", 1977)).not.toContain("1977-11-11");
    // 11 November again from 1978 (a Saturday that year: observed Friday the 10th).
    expect(calendarDays("us-federal", 1978)).toContain("1978-11-10");
    // Martin Luther King Jr.'s birthday from 1986 (third Monday of January: 20 January 1986).
    expect(calendarDays("us-federal", 1985)!.filter((d) => d.startsWith("1985-01"))).toEqual(["1985-01-01"]);
    expect(calendarDays("us-federal", 1986)!.filter((d) => d.startsWith("1986-01"))).toEqual(["1986-01-01", "1986-01-20"]);
    // Juneteenth from 2021, not before.
    expect(calendarDays("us-federal", 2020)!.some((d) => d.startsWith("2020-06"))).toBe(false);
    // Inauguration Day is not a holiday outside the District of Columbia area (20 January 2009, 2017, 2021; in 2013
    // and 2025 it fell on Martin Luther King Jr.'s birthday, which the calendar holds for that reason).
    for (const y of [2009, 2017, 2021]) expect(calendarDays("us-federal", y)).not.toContain(`${y}-01-20`);
  });

  it("knows no year before 1971, and no other calendar name", () => {
    expect(calendarDays("us-federal", 1970)).toBeUndefined();
    expect(calendarDays("us-fed", 2009)).toBeUndefined();
    expect(calendarDays("weekdays", 1970)).toEqual([]);
  });

  it("is the list of calendars the type checker accepts", () => {
    expect([...CALENDAR_NAMES].sort()).toEqual([...CALENDARS].sort());
    expect(signatures["addWorkdays"]!.names?.[2]).toBe(CALENDARS);
  });
});

describe("addWorkdays with a calendar", () => {
  it.each([
    // Thursday 2011-05-26 + 5 working days: Memorial Day (Monday 30 May 2011) does not count.
    [["2011-05-26", 5, "us-federal"], "2011-06-03"],
    [["2011-05-26", 5, "weekdays"], "2011-06-02"],
    [["2011-05-26", 5], "2011-06-02"],
    // Juneteenth 2022 on a Sunday is observed Monday 20 June.
    [["2022-06-15", 5, "us-federal"], "2022-06-23"],
    [["2022-06-15", 5, "weekdays"], "2022-06-22"],
    // New Year's Day 2011 (a Saturday) is observed on Friday 2010-12-31: the count crosses the year.
    [["2010-12-27", 5, "us-federal"], "2011-01-04"],
    // Thanksgiving week 2030 (Thursday 28 November).
    [["2030-11-25", 5, "us-federal"], "2030-12-03"],
    [["2030-11-28", 0, "us-federal"], "2030-11-28"],
    [["2030-11-27", 1, "us-federal"], "2030-11-29"],
    // An unknown calendar gives no date (never weekends only in silence); so does a year the calendar does not know.
    [["2011-05-26", 5, "us-federl"], undefined],
    [["1970-12-28", 5, "us-federal"], undefined],
    [["1970-12-28", 5, "weekdays"], "1971-01-04"],
    [["1970-12-25", 0, "us-federal"], "1970-12-25"],
  ] as const)("addWorkdays(%j) = %j", (args, want) => expect(addWorkdays(...args)).toBe(want));
});
