/**
 * Shared by the simulation suites: the shipped policies compiled once, a request-set catalog whose cache lives in
 * one temporary folder for every suite (generating the 110,538 TARs takes about two seconds; the cache key makes a
 * stale copy impossible), and a one-by-one reference that evaluates a set without the simulator.
 */
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { createEvaluator } from "../../engine/index.js";
import { loadPolicyDir } from "../../engine/policy-files.js";
import { manifestsIn } from "../../engine/program-manifest-files.js";
import { readLines } from "../../engine/simulate/slice.js";
import { profileFor, RequestSetCatalog, type OpenSet, type ProgramProfile } from "../../engine/simulate/index.js";
import { fiscalYear, weekOf } from "../../engine/simulate/history/calendar.js";
import { duplicateKeySpec } from "../../engine/duplicates.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const POLICIES = join(ROOT, "policies");
export const CACHE_DATA = join(tmpdir(), "precept-simulation-test-data");
mkdirSync(CACHE_DATA, { recursive: true });

const all = loadPolicyDir(POLICIES);
export function policy(program: string, version: string): CompiledPolicy {
  const p = all.find((x) => x.program === program && x.version === version)?.compiled;
  if (!p) throw new Error(`no compiled ${program} ${version}`);
  return p;
}
/** The shipped programs' manifests, read from their program.yaml as the server reads them. */
export const manifests = manifestsIn(POLICIES);
export const profileOf = (program: string): ProgramProfile => profileFor(manifests.of(all.find((x) => x.program === program && x.compiled)!.compiled!));

export function catalog(dataDir = CACHE_DATA): RequestSetCatalog {
  return new RequestSetCatalog(dataDir, POLICIES, profileOf);
}

export function* requestsOf(set: OpenSet): Generator<unknown> {
  for (const line of readLines(set.file, 0, set.meta.bytes)) if (line.trim() !== "") yield JSON.parse(line);
}

export interface Expected {
  evaluated: number;
  invalid: number;
  counts: { baseline: Record<string, number>; candidate: Record<string, number> };
  cost: { baseline: Record<string, number>; candidate: Record<string, number> };
  transitions: Record<string, number>;
  rulesFired: { baseline: Record<string, number>; candidate: Record<string, number> };
  reviewsPerWeek: Record<string, { baseline: number; candidate: number; requests: number }>;
  byFiscalYear: Record<string, { baseline: Record<string, number>; candidate: Record<string, number> }>;
  changed: number[];
  sameOutcomeDifferentReasons: number;
}

/**
 * What a simulation must report, computed the slow, obvious way: every request evaluated one by one with
 * createEvaluator, in set order, each side remembering its own accepted duplicate keys.
 */
export function evaluateOneByOne(
  set: OpenSet,
  b: { policy: CompiledPolicy; params?: Record<string, unknown> },
  c: { policy: CompiledPolicy; params?: Record<string, unknown> },
): Expected {
  const B = createEvaluator(b.policy, { parameters: b.params ?? {} });
  const C = createEvaluator(c.policy, { parameters: c.params ?? {} });
  const profile = profileFor(manifests.of(b.policy));
  const e: Expected = {
    evaluated: 0, invalid: 0, counts: { baseline: {}, candidate: {} }, cost: { baseline: {}, candidate: {} }, transitions: {},
    rulesFired: { baseline: {}, candidate: {} }, reviewsPerWeek: {}, byFiscalYear: {}, changed: [], sameOutcomeDifferentReasons: 0,
  };
  const inc = (o: Record<string, number>, k: string, by = 1): void => {
    o[k] = (o[k] ?? 0) + by;
  };
  const acceptedB = new Map<string, string>();
  const acceptedC = new Map<string, string>();
  let index = -1;
  for (const r of requestsOf(set)) {
    index++;
    if (B.validate(r).length || C.validate(r).length) {
      e.invalid++;
      continue;
    }
    const req = r as Record<string, any>;
    const date: string | undefined = profile.dateFields.map((f) => f.split(".").reduce((o: any, k) => o?.[k], req)).find((v) => typeof v === "string")?.slice(0, 10);
    const ctx = (m: Map<string, string>) => ({ decisionDate: date!, findAccepted: (k: string) => m.get(k) });
    const db = B.evaluate(r, ctx(acceptedB));
    const dc = C.evaluate(r, ctx(acceptedC));
    const id = String(req[profile.idField!] ?? index);
    // The key spec is the engine's; which decisions count, and the first-stays rule, are this oracle's own.
    const accepted = (d: { outcome: string }, policy: typeof b.policy) => (profile.acceptOutcomes.includes(d.outcome) ? duplicateKeySpec(policy)?.keyOf(r) : undefined);
    const kb = accepted(db, b.policy);
    if (kb && !acceptedB.has(kb)) acceptedB.set(kb, id);
    const kc = accepted(dc, c.policy);
    if (kc && !acceptedC.has(kc)) acceptedC.set(kc, id);
    e.evaluated++;
    inc(e.counts.baseline, db.outcome);
    inc(e.counts.candidate, dc.outcome);
    const cost = profile.costField ? profile.costField.split(".").reduce((o: any, k) => o?.[k], req) : 0;
    if (typeof cost === "number") {
      inc(e.cost.baseline, db.outcome, cost);
      inc(e.cost.candidate, dc.outcome, cost);
    }
    inc(e.transitions, `${db.outcome}->${dc.outcome}`);
    for (const f of db.fired) inc(e.rulesFired.baseline, f);
    for (const f of dc.fired) inc(e.rulesFired.candidate, f);
    if (date) {
      const w = (e.reviewsPerWeek[weekOf(date)] ??= { baseline: 0, candidate: 0, requests: 0 });
      w.requests++;
      if (profile.reviewOutcomes.includes(db.outcome)) w.baseline++;
      if (profile.reviewOutcomes.includes(dc.outcome)) w.candidate++;
      const y = (e.byFiscalYear[`FY${fiscalYear(date)}`] ??= { baseline: {}, candidate: {} });
      inc(y.baseline, db.outcome);
      inc(y.candidate, dc.outcome);
    }
    if (db.outcome !== dc.outcome) e.changed.push(index);
    else if (db.reasons.map((x) => x.code).join() !== dc.reasons.map((x) => x.code).join()) e.sameOutcomeDifferentReasons++;
  }
  return e;
}
