/**
 * Calendar arithmetic in the solver: a date is its day number (days since 1970-01-01, as `Date.UTC` counts them),
 * tied to its year, month and day by the civil-from-days formula so that `years()` and the week day are exact.
 */
import type { A, B, Z3 } from "./z3.js";

export const DAY_MS = 86_400_000;

/** Day number of a valid year/month/day (proleptic Gregorian, like Date.UTC for years 100 to 9999). */
export function dayNumber(z: Z3, y: A, m: A, d: A): A {
  const early = m.le(2);
  const yy = z.If(early, y.sub(1), y) as A;
  const era = yy.div(400);
  const yoe = yy.sub(era.mul(400));
  const mp = z.If(early, m.add(9), m.sub(3)) as A;
  const doy = mp.mul(153).add(2).div(5).add(d).sub(1);
  const doe = yoe.mul(365).add(yoe.div(4)).sub(yoe.div(100)).add(doy);
  return era.mul(146097).add(doe).sub(719468);
}

/** Day number of 1 January of year `y` (y >= 1): the formula above with month 1 and day 1. */
export function newYearDay(y: A): A {
  const yy = y.sub(1);
  const era = yy.div(400);
  const yoe = yy.sub(era.mul(400));
  return era.mul(146097).add(yoe.mul(365)).add(yoe.div(4)).sub(yoe.div(100)).add(306 - 719468);
}

export function isLeap(z: Z3, y: A): B {
  return z.Or(z.And(y.mod(4).eq(0), y.mod(100).neq(0)), y.mod(400).eq(0));
}

/** A valid calendar date within years 100..9999 (JavaScript's Date.UTC reads years 0..99 as 1900..1999). */
export function validDate(z: Z3, y: A, m: A, d: A): B {
  const dim = z.If(m.eq(2), z.If(isLeap(z, y), 29, 28), z.If(z.Or(m.eq(4), m.eq(6), m.eq(9), m.eq(11)), 30, 31)) as A;
  return z.And(y.ge(100), y.le(9999), m.ge(1), m.le(12), d.ge(1), d.le(dim));
}

/** 0 Sunday … 6 Saturday, as getUTCDay. 1970-01-01 was a Thursday. */
export function weekDay(day: A): A {
  return day.add(4).mod(7);
}

export function dayOfIso(s: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return undefined;
  const y = Number(s.slice(0, 4));
  const m = Number(s.slice(5, 7));
  const d = Number(s.slice(8, 10));
  if (y < 100 || m < 1 || m > 12 || d < 1) return undefined;
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCDate() !== d || back.getUTCMonth() !== m - 1) return undefined;
  return Math.round(ms / DAY_MS);
}

export function isoOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The longest run of consecutive days that are not working days (weekends and the given holidays), plus one. */
export function workdayReach(holidays: readonly number[]): number {
  const off = new Set(holidays);
  const isOff = (d: number): boolean => {
    const w = (((d + 4) % 7) + 7) % 7;
    return w === 0 || w === 6 || off.has(d);
  };
  let longest = 2;
  for (const h of holidays) {
    let a = h;
    let b = h;
    while (isOff(a - 1)) a--;
    while (isOff(b + 1)) b++;
    longest = Math.max(longest, b - a + 1);
  }
  return longest + 1;
}
