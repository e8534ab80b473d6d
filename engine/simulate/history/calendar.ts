/** Date helpers for the generators and the reports (UTC calendar dates as `YYYY-MM-DD`). */
export const DAY_MS = 86_400_000;

export function dayMs(date: string): number {
  const ms = Date.parse(`${date.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(ms)) throw new Error(`not a date: ${date}`);
  return ms;
}

export function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export function addDays(date: string, n: number): string {
  return isoDay(dayMs(date) + n * DAY_MS);
}

/** Whole days from `a` to `b`. */
export function daysBetween(a: string, b: string): number {
  return Math.round((dayMs(b) - dayMs(a)) / DAY_MS);
}

const weeks = new Map<string, string>();

/** The Monday of the (ISO, Monday-first) week holding `date`: the key of weekly figures. Memoized (hot path). */
export function weekOf(date: string): string {
  const day = date.slice(0, 10);
  let w = weeks.get(day);
  if (w === undefined) {
    const ms = dayMs(day);
    const wd = (new Date(ms).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
    w = isoDay(ms - wd * DAY_MS);
    if (weeks.size > 100_000) weeks.clear();
    weeks.set(day, w);
  }
  return w;
}

/** Federal fiscal year of a date (FY2008 = 2007-10-01 … 2008-09-30). */
export function fiscalYear(date: string): number {
  const y = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 10 ? y + 1 : y;
}

/** Federal fiscal quarter (1 = Oct–Dec … 4 = Jul–Sep) and its first and last day. */
export function fiscalQuarter(date: string): { fy: number; q: number; start: string; end: string } {
  const fy = fiscalYear(date);
  const m = Number(date.slice(5, 7));
  const q = m >= 10 ? 1 : m <= 3 ? 2 : m <= 6 ? 3 : 4;
  const startMonth = [10, 1, 4, 7][q - 1]!;
  const startYear = q === 1 ? fy - 1 : fy;
  const start = `${startYear}-${String(startMonth).padStart(2, "0")}-01`;
  const endMs = Date.UTC(startYear, startMonth - 1 + 3, 1) - DAY_MS;
  return { fy, q, start, end: isoDay(endMs) };
}
