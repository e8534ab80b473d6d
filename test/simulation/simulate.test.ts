/**
 * The simulator against the obvious reference: every count of a report must equal what evaluating the same requests
 * one by one gives (test/simulation/helpers.ts, evaluateOneByOne), on worker threads and in process, for each
 * program (usms-claim with its duplicate detection in order); parameter overrides, drafts, paging and cancellation.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compilePolicy } from "../../dsl/index.js";
import { nodePolicyHost } from "../../engine/policy-files.js";
import { AppError } from "../../engine/errors.js";
import { createEvaluator } from "../../engine/index.js";
import {
  runSimulation, SimulationCancelled, SimulationError, typedParams, type OpenSet, type SimulationReport,
} from "../../engine/simulate/index.js";
import { SetWriter } from "../../engine/simulate/set-file.js";
import { catalog, evaluateOneByOne, manifests, policy, POLICIES, requestsOf, type Expected } from "./helpers.js";

const work = mkdtempSync(join(tmpdir(), "precept-simulate-test-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const cat = catalog();
let tars: OpenSet;
let referrals: OpenSet;
let claims: OpenSet;
/** The first 20,000 TARs of the shipped history, as their own set (big enough for the worker pool). */
let tarSample: OpenSet;

beforeAll(async () => {
  tars = (await cat.open("ice-tar-history"))!;
  referrals = (await cat.open("ihs-chs-history"))!;
  claims = (await cat.open("usms-claim-history"))!;
  const w = new SetWriter(join(work, "sets"), "tar-sample");
  let n = 0;
  for (const r of requestsOf(tars)) {
    w.add(JSON.stringify(r), (r as { submittedAt: string }).submittedAt.slice(0, 10));
    if (++n === 20_000) break;
  }
  const meta = w.commit({ program: "ice-tar", name: "first 20,000 TARs", source: "import" });
  tarSample = { meta, dir: join(work, "sets"), file: join(work, "sets", meta.file) };
}, 120_000);

function sorted(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0).sort(([a], [b]) => a.localeCompare(b)));
}

function close(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(o)
      .filter(([, v]) => v !== 0)
      .map(([k, v]): [string, number] => [k, Math.round(v * 100) / 100])
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Every figure of the report against the one-by-one reference. */
async function expectMatches(r: SimulationReport, e: Expected, changedPages?: (offset: number, limit: number) => Promise<{ index: number }[]>): Promise<void> {
  expect(r.total).toBe(e.evaluated);
  expect(r.invalid.count).toBe(e.invalid);
  expect(sorted(r.baseline.counts)).toEqual(sorted(e.counts.baseline));
  expect(sorted(r.candidate.counts)).toEqual(sorted(e.counts.candidate));
  expect(close(r.cost.baseline)).toEqual(close(e.cost.baseline));
  expect(close(r.cost.candidate)).toEqual(close(e.cost.candidate));
  expect(r.transitions).toEqual(sorted(e.transitions));
  expect(sorted(r.baseline.rulesFired)).toEqual(sorted(e.rulesFired.baseline));
  expect(sorted(r.candidate.rulesFired)).toEqual(sorted(e.rulesFired.candidate));
  expect(r.rulesNeverFired.baseline).toEqual(r.baseline.rulesNeverFired);
  for (const rule of r.rulesNeverFired.candidate) expect(e.rulesFired.candidate[rule] ?? 0).toBe(0);
  for (const [rule, n] of Object.entries(r.candidate.rulesFired)) if (n === 0) expect(r.rulesNeverFired.candidate).toContain(rule);
  for (const [week, v] of Object.entries(r.reviewsPerWeek)) expect(v, week).toEqual(e.reviewsPerWeek[week] ?? { baseline: 0, candidate: 0, requests: 0 });
  for (const week of Object.keys(e.reviewsPerWeek)) expect(r.reviewsPerWeek[week], week).toBeDefined();
  for (const [fy, y] of Object.entries(e.byFiscalYear)) {
    expect(r.byFiscalYear[fy]?.baseline.counts, fy).toEqual(sorted(y.baseline));
    expect(r.byFiscalYear[fy]?.candidate.counts, fy).toEqual(sorted(y.candidate));
  }
  expect(r.changed.total).toBe(e.changed.length);
  expect(r.changed.sameOutcomeDifferentReasons).toBe(e.sameOutcomeDifferentReasons);
  expect(r.changed.first.map((c) => c.index)).toEqual(e.changed.slice(0, r.changed.pageSize));
  const reviews = r.reviewOutcomes.reduce((s, o) => s + (e.counts.baseline[o] ?? 0), 0);
  expect(r.reviews.baseline.total).toBe(reviews);
  if (changedPages) {
    const seen: number[] = [];
    for (let off = 0; off < e.changed.length; off += 997) seen.push(...(await changedPages(off, 997)).map((c) => c.index));
    expect(seen).toEqual(e.changed);
  }
}

describe("a simulation's every count equals evaluating the same requests one by one", () => {
  it("when 20,000 TARs go through 2005.1 and 2010.1 on worker threads, then every figure matches", async () => {
    const b = { policy: policy("ice-tar", "2005.1") };
    const c = { policy: policy("ice-tar", "2010.1") };
    const { report, changed } = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, changedDir: join(work, "ch1"), threads: 2 });
    expect(report.timing?.threads).toBe(2);
    await expectMatches(report, evaluateOneByOne(tarSample, b, c), (o, l) => changed.page(o, l));
    // Each changed record names both decisions and the rules that differ.
    const [first] = await changed.page(0, 1);
    expect(first!.baseline.outcome).not.toBe(first!.candidate.outcome);
    expect(first!.rules.onlyBaseline.length + first!.rules.onlyCandidate.length).toBeGreaterThan(0);
    expect((first!.request as { tarId: string }).tarId).toBe(first!.id);
  });

  it("when the same run is made in process (threads 0), then the report is the same", async () => {
    const b = { policy: policy("ice-tar", "2005.1") };
    const c = { policy: policy("ice-tar", "2010.1") };
    const pooled = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 2 });
    const inline = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 0 });
    const strip = (r: SimulationReport) => ({ ...r, timing: undefined });
    expect(strip(inline.report)).toEqual(strip(pooled.report));
  });

  it("when the workers load the TypeScript sources through tsx instead of the bundle, then the report is the same", async () => {
    const b = { policy: policy("ice-tar", "2005.1") };
    const c = { policy: policy("ice-tar", "2010.1") };
    const bundled = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 2 });
    const viaTsx = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 2 }, { worker: "tsx" });
    expect({ ...viaTsx.report, timing: undefined }).toEqual({ ...bundled.report, timing: undefined });
  });

  it("when a year of ihs-chs referrals is simulated with fundedLevel 4, then every figure matches and only deferrals change", async () => {
    const b = { policy: policy("ihs-chs", "2008.1") };
    const c = { policy: policy("ihs-chs", "2008.1"), params: { fundedLevel: 4 } };
    const { report } = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: referrals, threads: 2 });
    const e = evaluateOneByOne(referrals, b, c);
    await expectMatches(report, e);
    expect(Object.keys(report.transitions).filter((k) => k.split("->")[0] !== k.split("->")[1])).toEqual(["defer->approve"]);
    expect(report.candidate.counts.defer).toBe(0);
    expect(report.candidate.rulesNeverFired).toEqual(["beyond-funded-priority"]);
    expect(report.baseline.rulesNeverFired).toEqual([]);
  });

  it("when a year of usms claims is simulated, then duplicates are found in order on each side and every figure matches", async () => {
    const b = { policy: policy("usms-claim", "2000.1") };
    const c = { policy: policy("usms-claim", "2000.1") };
    const { report } = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: claims, changedDir: join(work, "ch3"), threads: 2 });
    const e = evaluateOneByOne(claims, b, c);
    await expectMatches(report, e);
    expect(report.timing?.threads).toBe(1); // duplicate detection runs its slices in order on one thread
    expect(report.baseline.rulesFired.duplicate).toBeGreaterThan(100);
    expect(report.baseline.rulesNeverFired).toEqual([]);
    expect(report.baseline.amounts?.valid?.allowedAmount).toBeGreaterThan(0);
  });
});

describe("parameter overrides", () => {
  it("when the candidate's costThreshold is lowered, then the report equals evaluating with that parameter", async () => {
    const b = { policy: policy("ice-tar", "2010.1") };
    const c = { policy: policy("ice-tar", "2010.1"), params: { costThreshold: 300 } };
    const { report } = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 2 });
    await expectMatches(report, evaluateOneByOne(tarSample, b, c));
    expect(report.candidate.params).toEqual({ costThreshold: 300 });
    expect(report.candidate.counts.pend).toBeGreaterThan(report.baseline.counts.pend!);
    expect(report.transitions["approve->pend"]).toBeGreaterThan(0);
    expect(report.transitions["pend->approve"]).toBeUndefined();
  });

  it("when a parameter is unknown or of the wrong type, then nothing runs", async () => {
    const p = policy("ice-tar", "2010.1");
    await expect(runSimulation({ manifest: manifests.of(p), baseline: { policy: p }, candidate: { policy: p, params: { costThreshhold: 1 } }, set: tarSample })).rejects.toBeInstanceOf(SimulationError);
    await expect(runSimulation({ manifest: manifests.of(p), baseline: { policy: p }, candidate: { policy: p, params: { costThreshold: "high" } }, set: tarSample })).rejects.toBeInstanceOf(SimulationError);
    expect(() => typedParams(p, { costThreshhold: "1" }, "candidate")).toThrow(AppError);
    expect(typedParams(p, { costThreshold: "5000" }, "candidate")).toEqual({ costThreshold: 5000 });
    expect(typedParams(policy("ihs-chs", "2008.1"), { vaCountsAsAlternateResource: "false" }, "candidate")).toEqual({ vaCountsAsAlternateResource: false });
  });

  it("when the candidate is a draft source, then it is simulated and marked as a draft", async () => {
    const draft = `---
program: ice-tar
version: "2010.2-draft"
effective: 2010-07-01
extends: "2010.1"
title: Draft without the follow-up exemption
---
remove rule follow-up-visit
`;
    const r = compilePolicy(draft, nodePolicyHost(join(POLICIES, "ice-tar")));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const b = { policy: policy("ice-tar", "2010.1") };
    const c = { policy: r.compiled!, draft: true };
    const { report } = await runSimulation({ manifest: manifests.of(b.policy), baseline: b, candidate: c, set: tarSample, threads: 0 });
    await expectMatches(report, evaluateOneByOne(tarSample, b, c));
    expect(report.candidate.draft).toBe(true);
    expect(report.candidate.counts["not-required"]).toBeLessThan(report.baseline.counts["not-required"]!);
    expect(report.candidate.rulesFired["follow-up-visit"]).toBeUndefined();
  });
});

describe("cancellation", () => {
  it("when a running simulation on worker threads is cancelled, then it stops at once with SimulationCancelled", async () => {
    const ac = new AbortController();
    let progressed = 0;
    const t0 = performance.now();
    const run = runSimulation(
      { manifest: manifests.of(policy("ice-tar", "2005.1")), baseline: { policy: policy("ice-tar", "2005.1") }, candidate: { policy: policy("ice-tar", "2010.1") }, set: tars, changedDir: join(work, "cancel"), threads: 2 },
      {
        signal: ac.signal,
        onProgress: (f) => {
          progressed = f;
          if (f > 0.1) ac.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(SimulationCancelled);
    expect(progressed).toBeGreaterThan(0.1);
    expect(progressed).toBeLessThan(1);
    expect(performance.now() - t0).toBeLessThan(20_000);
  });

  it("when an in-process simulation is cancelled before it starts, then it never evaluates", async () => {
    const ac = new AbortController();
    ac.abort();
    let calls = 0;
    await expect(
      runSimulation(
        { manifest: manifests.of(policy("ihs-chs", "2008.1")), baseline: { policy: policy("ihs-chs", "2008.1") }, candidate: { policy: policy("ihs-chs", "2008.1") }, set: referrals, threads: 0 },
        { signal: ac.signal, onProgress: (f) => void (f > 0 && calls++) },
      ),
    ).rejects.toBeInstanceOf(SimulationCancelled);
    expect(calls).toBe(0);
  });
});

describe("requests that break the schema", () => {
  it("when a set holds invalid requests, then they are counted, sampled with their index and left out", async () => {
    const w = new SetWriter(join(work, "sets"), "with-invalid");
    const good = [...requestsOf(referrals)].slice(0, 50);
    good.forEach((r, i) => {
      w.add(JSON.stringify(r));
      if (i === 9) w.add(JSON.stringify({ referralId: "BAD-1", service: { estimatedCost: "lots" } }));
      if (i === 19) w.add("{not json");
    });
    const meta = w.commit({ program: "ihs-chs", name: "with invalid", source: "import" });
    const set = { meta, dir: join(work, "sets"), file: join(work, "sets", meta.file) };
    const p = { policy: policy("ihs-chs", "2008.1") };
    const { report } = await runSimulation({ manifest: manifests.of(p.policy), baseline: p, candidate: p, set, threads: 0 });
    expect(report.read).toBe(52);
    expect(report.total).toBe(50);
    expect(report.invalid.count).toBe(2);
    expect(report.invalid.samples.map((s) => s.index)).toEqual([10, 21]);
    expect(report.invalid.samples[0]!.id).toBe("BAD-1");
    expect(report.invalid.samples[0]!.issues[0]!.path).toBe("/service/estimatedCost");
    const ev = createEvaluator(p.policy);
    expect(ev.validate(good[0]!)).toEqual([]);
  });
});

it("when the changed-request files are listed, then there is one per slice and nothing else", () => {
  const files = readdirSync(join(work, "ch1"));
  expect(files.length).toBe(Math.ceil(20_000 / 2000));
  expect(files.every((f) => /^slice-\d{5}\.ndjson$/.test(f))).toBe(true);
});
