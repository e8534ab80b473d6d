/**
 * The runtime library compiled policies rely on: the json-rules-engine operators (same names, same semantics,
 * including their fact-value validators), the custom operators, and the DSL's built-in functions. Shared by the
 * interpreter, the generated evaluator and the json-rules-engine reference. Nothing here throws, allocates more than
 * it returns, or has side effects (the one memo, of each year's federal holidays, only saves recomputing them): a
 * missing or malformed input gives `undefined`.
 */

/** json-rules-engine's numberValidator, exactly: numbers and numeric strings pass. */
function numeric(a: unknown): boolean {
  return typeof a === "number" ? !Number.isNaN(a) : Number.parseFloat(a as string).toString() !== "NaN";
}

export function isPresent(a: unknown): boolean {
  return a !== undefined && a !== null && a !== "";
}

/** Operators by their json-rules-engine name. `in`/`notIn` are false rather than throwing when `b` is not a list. */
export const operators = {
  equal: (a: unknown, b: unknown): boolean => a === b,
  notEqual: (a: unknown, b: unknown): boolean => a !== b,
  lessThan: (a: unknown, b: unknown): boolean => numeric(a) && (a as number) < (b as number),
  lessThanInclusive: (a: unknown, b: unknown): boolean => numeric(a) && (a as number) <= (b as number),
  greaterThan: (a: unknown, b: unknown): boolean => numeric(a) && (a as number) > (b as number),
  greaterThanInclusive: (a: unknown, b: unknown): boolean => numeric(a) && (a as number) >= (b as number),
  in: (a: unknown, b: unknown): boolean => Array.isArray(b) && b.indexOf(a) > -1,
  notIn: (a: unknown, b: unknown): boolean => Array.isArray(b) && b.indexOf(a) === -1,
  contains: (a: unknown, b: unknown): boolean => Array.isArray(a) && a.indexOf(b) > -1,
  containsAny: (a: unknown, b: unknown): boolean => Array.isArray(a) && Array.isArray(b) && a.some((x) => b.indexOf(x) > -1),
  present: (a: unknown, b: unknown): boolean => isPresent(a) === b,
} as const;

export type OperatorFn = (a: unknown, b: unknown) => boolean;

const num = (a: unknown): a is number => typeof a === "number" && Number.isFinite(a);

export const arithmetic = {
  "+": (a: unknown, b: unknown): number | undefined => (num(a) && num(b) ? a + b : undefined),
  "-": (a: unknown, b: unknown): number | undefined => (num(a) && num(b) ? a - b : undefined),
  "*": (a: unknown, b: unknown): number | undefined => (num(a) && num(b) ? a * b : undefined),
  "/": (a: unknown, b: unknown): number | undefined => (num(a) && num(b) && b !== 0 ? a / b : undefined),
  neg: (a: unknown): number | undefined => (num(a) ? -a : undefined),
};

const DAY = 86_400_000;
const TZ = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Milliseconds of a date (midnight UTC) or date-time (without a zone: UTC). */
export function toMillis(v: unknown): number | undefined {
  if (typeof v !== "string") return undefined;
  if (v.length === 10) return dayOf(v);
  if (dayOf(v) === undefined) return undefined;
  const last = v.charCodeAt(v.length - 1);
  // Fast path for the common `…Z`; otherwise a zone suffix or none (then UTC).
  const s = last === 90 /* Z */ || last === 122 || TZ.test(v) ? v : `${v}Z`;
  const ms = Date.parse(s);
  return Number.isNaN(ms) ? undefined : ms;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(v: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/**
 * Midnight UTC of the calendar date a string starts with (`YYYY-MM-DD`, zone ignored: the date as the requester
 * wrote it). Hand-parsed because it runs for every date in every evaluation; rejects 2009-02-30 and the like.
 */
function dayOf(v: unknown): number | undefined {
  if (typeof v !== "string" || v.length < 10 || v.charCodeAt(4) !== 45 || v.charCodeAt(7) !== 45) return undefined;
  const y = digits(v, 0, 4);
  const m = digits(v, 5, 7);
  const d = digits(v, 8, 10);
  if (y < 0 || m < 1 || m > 12 || d < 1 || d > DAYS_IN_MONTH[m - 1]!) return undefined;
  if (m === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) return undefined;
  return Date.UTC(y, m - 1, d);
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function args(list: readonly unknown[]): number[] {
  return list.filter(num);
}

export const functions: Readonly<Record<string, (ctx: FnContext, ...a: unknown[]) => unknown>> = {
  min: (_c, ...a) => {
    const n = args(a);
    return n.length ? Math.min(...n) : undefined;
  },
  max: (_c, ...a) => {
    const n = args(a);
    return n.length ? Math.max(...n) : undefined;
  },
  days: (_c, from, to) => {
    const a = dayOf(from);
    const b = dayOf(to);
    return a === undefined || b === undefined ? undefined : Math.round((b - a) / DAY);
  },
  hours: (_c, from, to) => {
    const a = toMillis(from);
    const b = toMillis(to);
    return a === undefined || b === undefined ? undefined : (b - a) / 3_600_000;
  },
  years: (_c, from, to) => {
    const a = dayOf(from);
    const b = dayOf(to);
    if (a === undefined || b === undefined) return undefined;
    const da = new Date(a);
    const db = new Date(b);
    let y = db.getUTCFullYear() - da.getUTCFullYear();
    const beforeBirthday = db.getUTCMonth() < da.getUTCMonth() || (db.getUTCMonth() === da.getUTCMonth() && db.getUTCDate() < da.getUTCDate());
    if (beforeBirthday) y--;
    return y;
  },
  addDays: (_c, d, n) => {
    const a = dayOf(d);
    return a === undefined || !num(n) ? undefined : isoDate(a + Math.trunc(n) * DAY);
  },
  addWorkdays: (_c, d, n, holidays) => {
    const a = dayOf(d);
    if (a === undefined || !num(n) || n < 0 || n > 10_000) return undefined;
    // Optional: the name of a built-in calendar, or dates that are not working days either (a policy's holiday
    // table; other values in it are ignored). An unknown calendar name gives no date rather than weekends only.
    const calendar = typeof holidays === "string" ? (Object.hasOwn(calendars, holidays) ? calendars[holidays as CalendarName] : undefined) : null;
    if (calendar === undefined) return undefined;
    const off = Array.isArray(holidays) ? holidays : [];
    let ms = a;
    for (let left = Math.trunc(n); left > 0; ) {
      ms += DAY;
      const wd = new Date(ms).getUTCDay();
      if (wd === 0 || wd === 6) continue;
      if (calendar) {
        const year = calendar(new Date(ms).getUTCFullYear());
        if (!year) return undefined;
        if (year.has(ms)) continue;
      } else if (off.length > 0 && off.includes(isoDate(ms))) continue;
      left--;
    }
    return isoDate(ms);
  },
  date: (_c, d) => {
    const a = dayOf(d);
    return a === undefined ? undefined : isoDate(a);
  },
  today: (c) => c.today,
  count: (_c, l) => (Array.isArray(l) ? l.length : 0),
  round: (_c, x, digits) => {
    if (!num(x) || !num(digits)) return undefined;
    const f = 10 ** Math.max(0, Math.min(10, Math.trunc(digits)));
    return Math.round(x * f) / f;
  },
  coalesce: (_c, ...a) => a.find(isPresent),
  list: (_c, ...a) => a,
  duplicateOf: (c, ...a) => (c.findAccepted && a.every(isPresent) ? c.findAccepted(duplicateKey(a)) : undefined),
};

// ---------------------------------------------------------------------------------------------------------------
// Working-day calendars: named sets of days off besides weekends, computed for any year instead of hand-listed.
// ---------------------------------------------------------------------------------------------------------------

/** Midnight UTC of the `nth` (1-based) `weekday` (0 Sunday … 6 Saturday) of a month; nth -1 is the last one. */
function nthWeekday(year: number, month: number, weekday: number, nth: number): number {
  if (nth < 0) {
    const last = Date.UTC(year, month + 1, 0);
    return last - ((new Date(last).getUTCDay() - weekday + 7) % 7) * DAY;
  }
  const first = Date.UTC(year, month, 1);
  return first + (((weekday - new Date(first).getUTCDay() + 7) % 7) + (nth - 1) * 7) * DAY;
}

/** The day a fixed-date holiday is observed on by a Monday-to-Friday worker: Saturday → Friday, Sunday → Monday. */
function observed(ms: number): number {
  const wd = new Date(ms).getUTCDay();
  return wd === 6 ? ms - DAY : wd === 0 ? ms + DAY : ms;
}

/** First year the federal calendar knows: the Uniform Monday Holiday Act (P.L. 90-363) took effect in 1971. */
export const FEDERAL_CALENDAR_FROM = 1971;

/**
 * The legal public holidays of 5 U.S.C. 6103(a) that fall in `year`, as the days they are observed on by employees
 * whose basic workweek is Monday to Friday: a holiday on a Saturday is observed the Friday before (6103(b)(1)), one
 * on a Sunday the Monday after (Executive Order 11582, section 3(a)). So 1 January of the next year, when it is a
 * Saturday, is observed on 31 December of this one. As the statute stood in each year: Martin Luther King Jr.'s
 * birthday from 1986 (P.L. 98-144), Veterans Day on the fourth Monday of October 1971-1977 and 11 November from
 * 1978 (P.L. 94-97), Juneteenth from 2021 (P.L. 117-17). Not included: Inauguration Day (6103(c): a holiday only
 * for employees in and around the District of Columbia) and days off given by executive order (e.g. Christmas
 * Eve closures), which are decided year by year. Years before 1971 are not known (undefined).
 */
function usFederalHolidays(year: number): number[] | undefined {
  if (!Number.isInteger(year) || year < FEDERAL_CALENDAR_FROM || year > 9999) return undefined;
  const fixed = (y: number, m: number, d: number): number => observed(Date.UTC(y, m, d));
  const days = [
    fixed(year, 0, 1), // New Year's Day
    nthWeekday(year, 1, 1, 3), // Washington's Birthday: third Monday in February
    nthWeekday(year, 4, 1, -1), // Memorial Day: last Monday in May
    fixed(year, 6, 4), // Independence Day
    nthWeekday(year, 8, 1, 1), // Labor Day: first Monday in September
    nthWeekday(year, 9, 1, 2), // Columbus Day: second Monday in October
    nthWeekday(year, 10, 4, 4), // Thanksgiving Day: fourth Thursday in November
    fixed(year, 11, 25), // Christmas Day
    fixed(year + 1, 0, 1), // next New Year's Day, when observed on 31 December
  ];
  if (year >= 1986) days.push(nthWeekday(year, 0, 1, 3)); // Birthday of Martin Luther King, Jr.: third Monday in January
  days.push(year <= 1977 ? nthWeekday(year, 9, 1, 4) : fixed(year, 10, 11)); // Veterans Day
  if (year >= 2021) days.push(fixed(year, 5, 19)); // Juneteenth National Independence Day
  const from = Date.UTC(year, 0, 1);
  const to = Date.UTC(year + 1, 0, 1);
  return days.filter((ms) => ms >= from && ms < to).sort((x, y) => x - y);
}

const federalByYear = new Map<number, ReadonlySet<number> | undefined>();

/** The built-in calendars by name: for a year, its days off besides weekends (midnight UTC), or undefined if unknown. */
export const calendars = {
  /** Monday to Friday, no holidays. */
  weekdays: (): ReadonlySet<number> => NO_DAYS,
  /** Monday to Friday except the federal holidays of 5 U.S.C. 6103 as observed. */
  "us-federal": (year: number): ReadonlySet<number> | undefined => {
    if (!federalByYear.has(year)) {
      const days = usFederalHolidays(year);
      federalByYear.set(year, days && new Set(days));
    }
    return federalByYear.get(year);
  },
} as const satisfies Record<string, (year: number) => ReadonlySet<number> | undefined>;

export type CalendarName = keyof typeof calendars;
export const CALENDAR_NAMES = Object.keys(calendars) as readonly CalendarName[];
const NO_DAYS: ReadonlySet<number> = new Set();

/** The days off of a named calendar in a year, as `YYYY-MM-DD` (for tests and documentation). */
export function calendarDays(name: string, year: number): string[] | undefined {
  if (!Object.hasOwn(calendars, name)) return undefined;
  const set = calendars[name as CalendarName](year);
  return set && [...set].sort((a, b) => a - b).map(isoDate);
}

/** The key under which an accepted request is remembered for `duplicateOf`: its key values as JSON. */
export function duplicateKey(values: readonly unknown[]): string {
  return JSON.stringify(values);
}

export interface FnContext {
  readonly today: string;
  readonly findAccepted?: (key: string) => string | undefined;
}

/** Own-property read of a dotted path: request keys such as `__proto__` or `constructor` never reach prototypes. */
export function getPath(obj: unknown, segments: readonly string[]): unknown {
  let cur = obj;
  for (const s of segments) {
    if (cur === null || typeof cur !== "object" || Array.isArray(cur) || !Object.hasOwn(cur, s)) return undefined;
    cur = (cur as Record<string, unknown>)[s];
  }
  return cur;
}

/** The dotted paths among `paths` whose values are missing (absent, null or empty). */
export function absent(req: unknown, paths: readonly string[], split: readonly (readonly string[])[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < paths.length; i++) if (!isPresent(getPath(req, split[i]!))) out.push(paths[i]!);
  return out;
}

export function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}
