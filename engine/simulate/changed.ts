/**
 * (Node only) The changed requests of a finished simulation: one NDJSON file per slice, in set order, read back a
 * page at a time or streamed (CSV export). Nothing but the slice counts is kept in memory.
 */
import { createReadStream, createWriteStream, rmSync } from "node:fs";
import { once } from "node:events";
import { createInterface } from "node:readline";
import type { ChangedRecord } from "./aggregate.js";

export interface ChangedSlice {
  readonly file: string;
  readonly count: number;
}

export class ChangedStore {
  readonly total: number;

  constructor(
    readonly dir: string | undefined,
    private readonly slices: readonly ChangedSlice[],
  ) {
    this.total = slices.reduce((s, x) => s + x.count, 0);
  }

  /** Records [offset, offset + limit) in set order. */
  async page(offset: number, limit: number): Promise<ChangedRecord[]> {
    const out: ChangedRecord[] = [];
    let skip = Math.max(0, offset);
    for (const s of this.slices) {
      if (out.length >= limit) break;
      if (skip >= s.count) {
        skip -= s.count;
        continue;
      }
      for await (const rec of readRecords(s.file)) {
        if (skip > 0) {
          skip--;
          continue;
        }
        out.push(rec);
        if (out.length >= limit) break;
      }
      skip = 0;
    }
    return out;
  }

  async *all(): AsyncGenerator<ChangedRecord> {
    for (const s of this.slices) if (s.count > 0) yield* readRecords(s.file);
  }

  /** Writes every changed request as CSV (one row each; lists joined with `;`). */
  async writeCsv(file: string): Promise<number> {
    const out = createWriteStream(file);
    const write = async (line: string): Promise<void> => {
      if (!out.write(line)) await once(out, "drain");
    };
    await write(`${CSV_COLUMNS.join(",")}\n`);
    let n = 0;
    for await (const r of this.all()) {
      await write(`${csvRow(r)}\n`);
      n++;
    }
    out.end();
    await once(out, "finish");
    return n;
  }

  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}

async function* readRecords(file: string): AsyncGenerator<ChangedRecord> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line !== "") yield JSON.parse(line) as ChangedRecord;
  } finally {
    rl.close();
  }
}

export const CSV_COLUMNS = [
  "index", "id", "date", "baseline_outcome", "candidate_outcome", "baseline_reasons", "candidate_reasons",
  "rules_only_baseline", "rules_only_candidate",
];

function cell(v: unknown): string {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(r: ChangedRecord): string {
  return [
    r.index, r.id, r.date, r.baseline.outcome, r.candidate.outcome, r.baseline.reasons.join(";"), r.candidate.reasons.join(";"),
    r.rules.onlyBaseline.join(";"), r.rules.onlyCandidate.join(";"),
  ].map(cell).join(",");
}
