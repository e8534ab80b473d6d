/**
 * One slice of a simulation: read lines [start, end) of an NDJSON request set, evaluate each request under the
 * baseline and the candidate, and tally. Runs in a worker thread (worker.ts) or, for small sets and tests, inline.
 * Holds one request and its two decisions at a time; changed requests are appended to a file as they are found.
 */
import { closeSync, openSync, readSync, writeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { duplicatesOf, InMemoryAcceptedClaims, type Duplicates } from "../duplicates.js";
import { createEvaluator, type Evaluator } from "../index.js";
import { todayUtc } from "../lib.js";
import type { Decision } from "../types.js";
import { bump, emptyFundDay, emptyTally, emptyWeek, type ChangedRecord, type SideTally, type Tally } from "./aggregate.js";
import { requestCost, requestDate, requestId, requestObligation, type ProgramProfile } from "./profile.js";
import { fiscalYear, weekOf } from "./history/calendar.js";

export interface SideSpec {
  readonly policy: CompiledPolicy;
  readonly params: Readonly<Record<string, unknown>>;
}

export interface SliceInput {
  readonly file: string;
  /** Byte range of whole lines. */
  readonly start: number;
  readonly end: number;
  /** Index (0-based) of the first line of the range in the set. */
  readonly firstIndex: number;
  readonly baseline: SideSpec;
  readonly candidate: SideSpec;
  readonly profile: ProgramProfile;
  /** Where to append changed requests (NDJSON); none: only `keepChanged` of them are returned. */
  readonly changedFile?: string;
  readonly keepChanged: number;
  /** Include each changed request's body in the changed records. */
  readonly changedRequests: boolean;
  /** Decision date for `today()`; default: the request's own date (so attributes read as they would have then). */
  readonly decisionDate?: string;
}

// ---------------------------------------------------------------------------------------------------------------

const evaluators = new Map<string, Evaluator>();

/** Evaluators are built once per (policy hash, parameters) and kept for the life of the thread. */
export function evaluatorFor(side: SideSpec): Evaluator {
  const key = `${side.policy.hash}\u0000${JSON.stringify(side.params)}`;
  let ev = evaluators.get(key);
  if (!ev) {
    ev = createEvaluator(side.policy, { parameters: side.params });
    evaluators.set(key, ev);
    if (evaluators.size > 16) evaluators.delete(evaluators.keys().next().value!);
  }
  return ev;
}

/** Does the policy look for duplicates (then slices of one simulation run in order, sharing their memory)? */
export { detectsDuplicates as usesDuplicates } from "../duplicates.js";

/**
 * One side's memory of accepted requests for `duplicateOf` (engine/duplicates.ts, keyed under the side's own
 * parameters). Each side remembers what *it* accepted: a claim the baseline found invalid is not an original for
 * the baseline's later duplicates. Undefined for a side whose policy looks for no duplicates.
 */
const memoryOf = (side: SideSpec, accept: readonly string[]): Duplicates | undefined => duplicatesOf(side.policy, accept, new InMemoryAcceptedClaims(), side.params);

const memories = new Map<string, { baseline: Duplicates | undefined; candidate: Duplicates | undefined }>();

/** Sequential slices of one simulation share their duplicate memory (keyed by the simulation id). */
export function forgetMemory(id: string): void {
  memories.delete(id);
}

// ---------------------------------------------------------------------------------------------------------------

function tallySide(side: SideTally, d: Decision, cost: number, obligation: number, profile: ProgramProfile): void {
  bump(side.counts, d.outcome);
  if (cost) bump(side.cost, d.outcome, cost);
  for (const r of d.fired) bump(side.rulesFired, r);
  for (const r of d.reasons) bump(side.reasonCodes, r.code);
  if (profile.amountAttributes.length) {
    const a = (side.amounts[d.outcome] ??= Object.create(null) as Record<string, number>);
    for (const name of profile.amountAttributes) {
      const v = d.attributes[name];
      if (typeof v === "number" && Number.isFinite(v)) bump(a, name, v);
    }
  }
  if (profile.priorityAttribute) {
    const level = d.attributes[profile.priorityAttribute];
    if (typeof level === "number") {
      const l = (side.levels[String(level)] ??= Object.create(null) as Record<string, { n: number; amount: number }>);
      const s = (l[d.outcome] ??= { n: 0, amount: 0 });
      s.n++;
      s.amount += obligation;
    }
  }
}

function sameCodes(a: Decision, b: Decision): boolean {
  if (a.reasons.length !== b.reasons.length) return false;
  for (let i = 0; i < a.reasons.length; i++) if (a.reasons[i]!.code !== b.reasons[i]!.code) return false;
  return true;
}

function diffRules(a: readonly string[], b: readonly string[]): { onlyBaseline: string[]; onlyCandidate: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return { onlyBaseline: a.filter((r) => !sb.has(r)), onlyCandidate: b.filter((r) => !sa.has(r)) };
}

/** The lines of bytes [start, end) of a file, decoded as UTF-8 ("\r\n" endings accepted). */
export function* readLines(file: string, start: number, end: number): Generator<string> {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    const decoder = new StringDecoder("utf8");
    let pos = start;
    let rest = "";
    while (pos < end) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, end - pos), pos);
      if (n <= 0) break;
      pos += n;
      const parts = (rest + decoder.write(buf.subarray(0, n))).split("\n");
      rest = parts.pop()!;
      for (const p of parts) yield p.endsWith("\r") ? p.slice(0, -1) : p;
    }
    rest += decoder.end();
    if (rest !== "") yield rest.endsWith("\r") ? rest.slice(0, -1) : rest;
  } finally {
    closeSync(fd);
  }
}

export interface SliceOptions {
  /** Called every `every` requests with the number done since the last call. */
  readonly onProgress?: (done: number) => void;
  readonly progressEvery?: number;
  /** Checked between requests; when it returns true the slice stops (and its partial tally is discarded). */
  readonly cancelled?: () => boolean;
  /** Shares duplicate memory across sequential slices of one simulation. */
  readonly memoryKey?: string;
}

export class SliceCancelled extends Error {
  constructor() {
    super("cancelled");
    this.name = "SliceCancelled";
  }
}

export function runSlice(input: SliceInput, opts: SliceOptions = {}): Tally {
  const t = emptyTally();
  const B = evaluatorFor(input.baseline);
  const C = evaluatorFor(input.candidate);
  const sameSchema = JSON.stringify(input.baseline.policy.requestSchema) === JSON.stringify(input.candidate.policy.requestSchema);
  let mem = opts.memoryKey ? memories.get(opts.memoryKey) : undefined;
  if (!mem) {
    const accept = input.profile.acceptOutcomes;
    mem = { baseline: memoryOf(input.baseline, accept), candidate: memoryOf(input.candidate, accept) };
    if (opts.memoryKey) memories.set(opts.memoryKey, mem);
  }
  const memB = mem.baseline;
  const memC = mem.candidate;
  const profile = input.profile;
  const reviewSet = new Set(profile.reviewOutcomes);
  const fund = profile.priorityAttribute
    ? { priority: profile.priorityAttribute, demand: new Set(profile.demandOutcomes ?? profile.acceptOutcomes) }
    : undefined;
  const accepting = new Set(profile.acceptOutcomes);
  const every = opts.progressEvery ?? 1000;
  const fd = input.changedFile ? openSync(input.changedFile, "w") : undefined;
  let pending: string[] = [];
  const flush = (): void => {
    if (fd !== undefined && pending.length) writeSync(fd, pending.join(""));
    pending = [];
  };
  let sinceProgress = 0;
  let index = input.firstIndex - 1;
  const today = todayUtc();
  try {
    for (const line of readLines(input.file, input.start, input.end)) {
      index++;
      if (line.trim() === "") continue;
      if (opts.cancelled?.()) throw new SliceCancelled();
      t.read++;
      let request: unknown;
      try {
        request = JSON.parse(line);
      } catch (e) {
        t.invalid++;
        if (t.invalidSamples.length < 20) t.invalidSamples.push({ index, issues: [{ path: "/", message: `not JSON: ${(e as Error).message}` }] });
        continue;
      }
      let issues = B.validate(request);
      if (issues.length === 0 && !sameSchema) issues = C.validate(request);
      if (issues.length > 0) {
        t.invalid++;
        const id = requestId(profile, request);
        if (t.invalidSamples.length < 20) t.invalidSamples.push({ index, ...(id ? { id } : {}), issues: issues.slice(0, 5) });
        continue;
      }
      const date = requestDate(profile, request);
      const decisionDate = input.decisionDate ?? date ?? today;
      const ref = requestId(profile, request) ?? `#${index}`;
      const db = B.evaluate(request, memB ? { decisionDate, findAccepted: memB.findAccepted } : { decisionDate });
      const dc = C.evaluate(request, memC ? { decisionDate, findAccepted: memC.findAccepted } : { decisionDate });
      memB?.record(request, db, ref);
      memC?.record(request, dc, ref);
      t.evaluated++;
      const cost = requestCost(profile, request);
      const obligation = profile.priorityAttribute || profile.obligationFields ? requestObligation(profile, request) : cost;
      tallySide(t.baseline, db, cost, obligation, profile);
      tallySide(t.candidate, dc, cost, obligation, profile);
      bump(t.transitions, `${db.outcome}->${dc.outcome}`);
      if (date) {
        if (!t.minDate || date < t.minDate) t.minDate = date;
        if (!t.maxDate || date > t.maxDate) t.maxDate = date;
        const fy = `FY${fiscalYear(date)}`;
        let y = t.years[fy];
        if (!y) t.years[fy] = y = { n: 0, minDate: date, maxDate: date, baseline: Object.create(null) as Record<string, number>, candidate: Object.create(null) as Record<string, number> };
        y.n++;
        if (date < y.minDate) y.minDate = date;
        if (date > y.maxDate) y.maxDate = date;
        bump(y.baseline, db.outcome);
        bump(y.candidate, dc.outcome);
        const wk = weekOf(date);
        const w = (t.weeks[wk] ??= emptyWeek());
        w.n++;
        if (reviewSet.has(db.outcome)) w.baselineReviews++;
        if (reviewSet.has(dc.outcome)) w.candidateReviews++;
        if (fund) {
          const f = (t.fundDays[date] ??= emptyFundDay());
          if (accepting.has(db.outcome)) f.baselineObligations += obligation;
          if (accepting.has(dc.outcome)) f.candidateObligations += obligation;
          const lb = db.attributes[fund.priority];
          const lc = dc.attributes[fund.priority];
          if (typeof lb === "number" && fund.demand.has(db.outcome)) bump(f.baselineDemand, String(lb), obligation);
          if (typeof lc === "number" && fund.demand.has(dc.outcome)) bump(f.candidateDemand, String(lc), obligation);
        }
      } else {
        t.undated++;
      }
      if (db.outcome !== dc.outcome) {
        t.changed++;
        if (fd !== undefined || t.firstChanged.length < input.keepChanged) {
          const id = requestId(profile, request);
          const rec: ChangedRecord = {
            index,
            ...(id ? { id } : {}),
            ...(date ? { date } : {}),
            baseline: { outcome: db.outcome, reasons: db.reasons.map((r) => r.code), fired: db.fired },
            candidate: { outcome: dc.outcome, reasons: dc.reasons.map((r) => r.code), fired: dc.fired },
            rules: diffRules(db.fired, dc.fired),
          };
          if (t.firstChanged.length < input.keepChanged) t.firstChanged.push(input.changedRequests ? { ...rec, request } : rec);
          if (fd !== undefined) {
            // The request as it was read: its line is already JSON (no second stringify).
            const json = JSON.stringify(rec);
            pending.push(input.changedRequests ? `${json.slice(0, -1)},"request":${line}}\n` : `${json}\n`);
            if (pending.length >= 512) flush();
          }
        }
      } else if (!sameCodes(db, dc)) {
        t.sameOutcomeOtherReasons++;
      }
      if (++sinceProgress >= every) {
        opts.onProgress?.(sinceProgress);
        sinceProgress = 0;
      }
    }
    flush();
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (sinceProgress) opts.onProgress?.(sinceProgress);
  return t;
}
