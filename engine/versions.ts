/** Which version is in force on a date: the latest effective date on or before it, unless that version has ended. */
export interface VersionDates {
  readonly version: string;
  readonly effective: string;
  readonly end?: string;
}

export function resolveVersion(versions: readonly VersionDates[], date: string): string | undefined {
  const day = date.slice(0, 10);
  let best: VersionDates | undefined;
  for (const v of versions) {
    if (v.effective > day || (v.end !== undefined && v.end < day)) continue;
    if (!best || v.effective > best.effective || (v.effective === best.effective && v.version > best.version)) best = v;
  }
  return best?.version;
}
