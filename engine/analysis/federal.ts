/**
 * The built-in `us-federal` working-day calendar (engine/lib.ts, 5 U.S.C. 6103) as rules on a day's year, day of
 * the year and week day, so the solver knows every observed holiday of every year without a table of them. One
 * rule table, read two ways: as solver terms (`federalHoliday`) and as plain numbers (`federalHolidayDay`), which
 * the tests compare with engine/lib.ts for every day of years 1971 to 9999.
 */
import { calendars } from "../lib.js";
import { DAY_MS } from "./calendar.js";
import type { A, B, Z3 } from "./z3.js";

type Rule =
  /** A date; observed the Friday before when on a Saturday, the Monday after when on a Sunday (6103(b)). */
  | { readonly kind: "fixed"; readonly month: number; readonly day: number; readonly from?: number; readonly to?: number }
  /** The nth `weekday` (0 Sunday) of a month, nth -1 the last one. */
  | { readonly kind: "nth"; readonly month: number; readonly weekday: number; readonly nth: number; readonly from?: number; readonly to?: number };

/** As engine/lib.ts states them, with the years each held (P.L. 90-363, 98-144, 94-97, 117-17). */
const RULES: readonly Rule[] = [
  { kind: "fixed", month: 1, day: 1 }, // New Year's Day
  { kind: "nth", month: 1, weekday: 1, nth: 3, from: 1986 }, // Martin Luther King, Jr.
  { kind: "nth", month: 2, weekday: 1, nth: 3 }, // Washington's Birthday
  { kind: "nth", month: 5, weekday: 1, nth: -1 }, // Memorial Day
  { kind: "fixed", month: 6, day: 19, from: 2021 }, // Juneteenth
  { kind: "fixed", month: 7, day: 4 }, // Independence Day
  { kind: "nth", month: 9, weekday: 1, nth: 1 }, // Labor Day
  { kind: "nth", month: 10, weekday: 1, nth: 2 }, // Columbus Day
  { kind: "nth", month: 10, weekday: 1, nth: 4, to: 1977 }, // Veterans Day, 1971-1977
  { kind: "fixed", month: 11, day: 11, from: 1978 }, // Veterans Day
  { kind: "nth", month: 11, weekday: 4, nth: 4 }, // Thanksgiving Day
  { kind: "fixed", month: 12, day: 25 }, // Christmas Day
];

/** First and last years the calendar knows (engine/lib.ts: undefined outside). */
export const FEDERAL_FROM = 1971;
export const FEDERAL_TO = 9999;
/** The earliest start a count can have: 1971-01-01 (a Friday) is then the first weekday it steps over. */
export const FEDERAL_FIRST_START = Date.UTC(FEDERAL_FROM - 1, 11, 31) / 86_400_000;

const LENGTHS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const STARTS = LENGTHS.map((_l, i) => LENGTHS.slice(0, i).reduce((a, b) => a + b, 0));

/** Days of the year (0-based) a rule may fall on, in a common year; months from March move by one in leap years. */
function window(r: Rule): { lo: number; hi: number; shifts: boolean } {
  const start = STARTS[r.month - 1]!;
  const shifts = r.month >= 3;
  if (r.kind === "fixed") return { lo: start + r.day - 1, hi: start + r.day - 1, shifts };
  if (r.nth < 0) return { lo: start + LENGTHS[r.month - 1]! - 7, hi: start + LENGTHS[r.month - 1]! - 1, shifts };
  return { lo: start + (r.nth - 1) * 7, hi: start + r.nth * 7 - 1, shifts };
}

function inYears(r: Rule, y: number): boolean {
  return (r.from === undefined || y >= r.from) && (r.to === undefined || y <= r.to);
}

/**
 * Whether a Monday-to-Friday day is an observed federal holiday: `year`, its 0-based day of the year `doy`, week
 * day `wd` (0 Sunday), `leap` 0 or 1. A weekend day may answer anything (it is never a working day anyway).
 */
export function federalHolidayDay(year: number, doy: number, wd: number, leap: number): boolean {
  if (year < FEDERAL_FROM || year > FEDERAL_TO) return false;
  // New Year's Day of next year on a Saturday is observed on 31 December.
  if (doy === 364 + leap && wd === 5) return true;
  return RULES.some((r) => {
    if (!inYears(r, year)) return false;
    // Each rule's window lies inside January-February or inside March-December, so no month test is needed.
    const { lo, hi, shifts } = window(r);
    const d = shifts ? doy - leap : doy;
    if (r.kind === "nth") return wd === r.weekday && d >= lo && d <= hi;
    return d === lo || (d === lo - 1 && wd === 5) || (d === lo + 1 && wd === 1);
  });
}

/**
 * The same rules as solver terms; `doy`, `wd` and `leap` (0 or 1) are those of a day of `year`. With `maxDoy`, rules
 * that cannot fall on a day of the year up to it are left out (a count running into January of the next year).
 */
export function federalHoliday(z: Z3, year: A, doy: A, wd: A, leap: A, maxDoy = 366): B {
  const F = z.Bool.val(false);
  // Months from March: the day of the year without the leap day; January and February: as it is.
  const late = doy.sub(leap);
  const yearOk = (r: Rule): B[] => [...(r.from !== undefined ? [year.ge(r.from)] : []), ...(r.to !== undefined ? [year.le(r.to)] : [])];
  const terms: B[] = maxDoy >= 364 ? [z.And(doy.eq(leap.add(364)), wd.eq(5))] : [];
  for (const r of RULES) {
    const { lo, hi, shifts } = window(r);
    if (lo - 1 > maxDoy) continue;
    const d = shifts ? late : doy;
    const at =
      r.kind === "nth"
        ? z.And(wd.eq(r.weekday), d.ge(lo), d.le(hi))
        : z.Or(d.eq(lo), ...(lo > 0 ? [z.And(d.eq(lo - 1), wd.eq(5))] : []), z.And(d.eq(lo + 1), wd.eq(1)));
    terms.push(z.And(at, ...yearOk(r)));
  }
  return z.And(year.ge(FEDERAL_FROM), year.le(FEDERAL_TO), z.Or(F, ...terms));
}

/** Working days of engine/lib.ts's own calendar from 1970-12-31 (the last day a count may start on) over `years`. */
function libWorkingDays(years: number): number[] {
  const cal = calendars["us-federal"];
  const out: number[] = [];
  const first = Date.UTC(FEDERAL_FROM, 0, 1) / DAY_MS;
  const last = Date.UTC(FEDERAL_FROM + years, 0, 1) / DAY_MS;
  for (let day = first; day < last; day++) {
    const wd = (((day + 4) % 7) + 7) % 7;
    if (wd === 0 || wd === 6) continue;
    const off = cal(new Date(day * DAY_MS).getUTCFullYear());
    if (off && !off.has(day * DAY_MS)) out.push(day);
  }
  return out;
}

let working: number[] | undefined;
const spans = new Map<number, number>();

/**
 * The most calendar days `count` working days can take (addWorkdays(d, count) - d, over every start the calendar
 * allows), from engine/lib.ts's calendar: years from 2021 repeat every 400 (146,097 days, a whole number of weeks),
 * so 1971 to 2430 holds every case.
 */
export function federalSpan(count: number): number {
  const known = spans.get(count);
  if (known !== undefined) return known;
  working ??= libWorkingDays(2431 - FEDERAL_FROM);
  let span = 0;
  let prev = FEDERAL_FIRST_START;
  for (let i = 0; i + count - 1 < working.length; i++) {
    span = Math.max(span, working[i + count - 1]! - prev);
    prev = working[i]!;
  }
  spans.set(count, span);
  return span;
}
