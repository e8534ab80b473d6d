/**
 * (Node only) Running a simulation: split the request set into slices (by the byte index its meta keeps), evaluate
 * them on a piscina pool of worker threads (all cores by default), merge the tallies in set order as they come
 * back, report progress (0..1) and stop at once when cancelled.
 *
 * Memory: the coordinator holds only tallies (counts, weekly figures, the first page of changed requests); each
 * worker holds one slice's requests one at a time; changed requests are written to files per slice.
 * Policies that look for duplicates (`duplicateOf`) need every earlier decision of their side, so their
 * slices run in order on one thread that keeps each side's accepted keys.
 */
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { Piscina } from "piscina";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { createEvaluator } from "../index.js";
import { bundleWorker, execArgvWithoutTsx } from "../worker-bundle.js";
import { emptyTally, mergeTally, type Tally } from "./aggregate.js";
import { ChangedStore, type ChangedSlice } from "./changed.js";
import type { FundControlParams } from "./fund-control.js";
import type { ProgramManifest } from "../program-manifest.js";
import { profileFor, type ProgramProfile } from "./profile.js";
import { buildReport, type SimulationReport } from "./report.js";
import { slices as sliceRanges, type SetFileMeta } from "./set-file.js";
import { forgetMemory, runSlice, usesDuplicates, type SliceInput } from "./slice.js";
import type { WorkerTask } from "./worker.js";

export interface SimulationSide {
  readonly policy: CompiledPolicy;
  /** Parameter overrides (unknown names or wrong types are refused before anything runs). */
  readonly params?: Readonly<Record<string, unknown>>;
  /** An unpublished draft source (for the report). */
  readonly draft?: boolean;
}

export interface SimulationSpec {
  readonly baseline: SimulationSide;
  readonly candidate: SimulationSide;
  /** The request set: its meta and NDJSON file. */
  readonly set: { readonly meta: SetFileMeta; readonly file: string };
  /** The program's manifest (dates, cost, accepting and review outcomes, id). */
  readonly manifest: ProgramManifest;
  /** Overrides of what the manifest says (a request's own review outcomes). */
  readonly profile?: Partial<ProgramProfile>;
  readonly fundControl?: FundControlParams;
  /** Changed requests kept in the report (the first page). */
  readonly pageSize?: number;
  /** Folder for the changed-request files (paging, CSV). Without it only the first page exists. */
  readonly changedDir?: string;
  /** Include the request body in changed records (default true). */
  readonly changedRequests?: boolean;
  readonly decisionDate?: string;
  /** Worker threads (default: every core). 0 runs in the calling thread. */
  readonly threads?: number;
  readonly linesPerSlice?: number;
}

export interface RunOptions {
  /** Progress 0..1 with the requests done so far. */
  readonly onProgress?: (fraction: number, done: number, total: number) => void;
  readonly signal?: AbortSignal;
  /** `tsx`: threads load the TypeScript sources instead of the bundle (slower to start; for checking the bundle). */
  readonly worker?: "bundled" | "tsx";
}

export interface SimulationResult {
  readonly report: SimulationReport;
  readonly changed: ChangedStore;
}

export class SimulationCancelled extends Error {
  constructor() {
    super("the simulation was cancelled");
    this.name = "SimulationCancelled";
  }
}

export class SimulationError extends Error {}

/** The worker through tsx: always works, but each thread takes about a second to load TypeScript. */
const TSX_WORKER = new URL("./worker-entry.mjs", import.meta.url).href;
let bundled: Promise<string | undefined> | undefined;

/**
 * The worker task bundled into one plain ES module (esbuild, which tsx already brings), so that a thread starts in
 * about 0.2 s instead of 1.2 s: on 110,538 TARs that is a third of the wall time. Built once per process from the
 * current sources (about 0.1 s) into a content-addressed file in the temp folder. Falls back to the tsx entry when
 * esbuild is not there or the build fails; `worker: "tsx"` forces the fallback.
 */
export async function workerFile(worker: RunOptions["worker"]): Promise<string> {
  if (worker === "tsx") return TSX_WORKER;
  bundled ??= bundleWorker(new URL("./worker.ts", import.meta.url), "precept-sim-worker");
  return (await bundled) ?? TSX_WORKER;
}
/** Below this many requests, a pool costs more than it saves. */
export const INLINE_BELOW = 3000;


/** Refuses a spec whose sides or set do not belong together, or whose parameters the policies do not take. */
export function checkSpec(spec: Pick<SimulationSpec, "baseline" | "candidate"> & { readonly set: { readonly meta: SetFileMeta } }): void {
  const { baseline, candidate, set } = spec;
  if (baseline.policy.program !== candidate.policy.program) {
    throw new SimulationError(`baseline is ${baseline.policy.program} but candidate is ${candidate.policy.program}`);
  }
  if (set.meta.program !== baseline.policy.program) {
    throw new SimulationError(`request set ${set.meta.id} holds ${set.meta.program} requests, not ${baseline.policy.program}`);
  }
  // Refuse unknown or ill-typed parameters now, not in a worker.
  for (const s of [baseline, candidate]) {
    try {
      createEvaluator(s.policy, { parameters: s.params ?? {} });
    } catch (e) {
      throw new SimulationError((e as Error).message);
    }
  }
}

/** True when the spec's slices must run in order on one thread (a side looks for duplicates). */
export function isSequential(spec: Pick<SimulationSpec, "baseline" | "candidate">): boolean {
  return usesDuplicates(spec.baseline.policy) || usesDuplicates(spec.candidate.policy);
}

/** What every slice of a spec shares (all but the byte range and the changed file). */
export function sliceBase(spec: Omit<SimulationSpec, "set"> & { readonly set: { readonly file: string } }): Omit<SliceInput, "start" | "end" | "firstIndex" | "changedFile"> {
  return {
    file: spec.set.file,
    baseline: { policy: spec.baseline.policy, params: spec.baseline.params ?? {} },
    candidate: { policy: spec.candidate.policy, params: spec.candidate.params ?? {} },
    profile: profileFor(spec.manifest, spec.profile),
    keepChanged: spec.pageSize ?? 50,
    changedRequests: spec.changedRequests ?? true,
    ...(spec.decisionDate ? { decisionDate: spec.decisionDate } : {}),
  };
}

/** The report of merged tallies (the same for one process and for slices run by several replicas). */
export function reportOf(
  tally: Tally,
  spec: Omit<SimulationSpec, "set"> & { readonly set: { readonly meta: SetFileMeta } },
  timing: SimulationReport["timing"],
): SimulationReport {
  const { baseline, candidate, set } = spec;
  return buildReport(tally, {
    program: baseline.policy.program,
    baseline: { policy: baseline.policy, params: baseline.params ?? {}, draft: baseline.draft ?? false },
    candidate: { policy: candidate.policy, params: candidate.params ?? {}, draft: candidate.draft ?? false },
    profile: profileFor(spec.manifest, spec.profile),
    pageSize: spec.pageSize ?? 50,
    requestSet: {
      id: String(set.meta.extra?.descriptor ?? set.meta.id),
      name: set.meta.name,
      count: set.meta.count,
      ...(set.meta.from ? { from: set.meta.from } : {}),
      ...(set.meta.to ? { to: set.meta.to } : {}),
      ...(set.meta.invented !== undefined ? { invented: set.meta.invented } : {}),
    },
    ...(spec.fundControl ? { fundControl: spec.fundControl } : {}),
    timing,
  });
}

export async function runSimulation(spec: SimulationSpec, opts: RunOptions = {}): Promise<SimulationResult> {
  const t0 = performance.now();
  const { set } = spec;
  checkSpec(spec);
  const pageSize = spec.pageSize ?? 50;
  const sequential = isSequential(spec);
  const threads = spec.threads ?? availableParallelism();
  const inline = threads === 0 || set.meta.count < INLINE_BELOW;
  const ranges = sliceRanges(set.meta, spec.linesPerSlice ?? 2000);
  if (spec.changedDir) mkdirSync(spec.changedDir, { recursive: true });
  const changedFiles: ChangedSlice[] = [];
  const base = sliceBase(spec);
  const inputs: SliceInput[] = ranges.map((r, i) => ({
    ...base,
    start: r.start,
    end: r.end,
    firstIndex: r.firstIndex,
    ...(spec.changedDir ? { changedFile: join(spec.changedDir, `slice-${String(i).padStart(5, "0")}.ndjson`) } : {}),
  }));
  const total = set.meta.count;
  const tally = emptyTally();
  let done = 0;
  const memoryKey = sequential ? `sim-${process.pid}-${Math.random().toString(36).slice(2)}` : undefined;
  const signal = opts.signal;
  const checkAbort = (): void => {
    if (signal?.aborted) throw new SimulationCancelled();
  };
  const finished = (i: number, t: Tally): void => {
    mergeTally(tally, t, pageSize);
    if (spec.changedDir) changedFiles[i] = { file: inputs[i]!.changedFile!, count: t.changed };
    done += ranges[i]!.count;
    opts.onProgress?.(Math.min(1, done / Math.max(1, total)), Math.min(done, total), total);
  };
  opts.onProgress?.(0, 0, total);
  let usedThreads = 0;

  if (inline) {
    try {
      for (let i = 0; i < inputs.length; i++) {
        checkAbort();
        let t: Tally;
        try {
          t = runSlice(inputs[i]!, { cancelled: () => signal?.aborted === true, ...(memoryKey ? { memoryKey } : {}) });
        } catch (e) {
          if (signal?.aborted) throw new SimulationCancelled();
          throw e;
        }
        finished(i, t);
        await new Promise<void>((r) => setImmediate(r)); // let a cancel or a progress poll in
      }
      checkAbort();
    } finally {
      if (memoryKey) forgetMemory(memoryKey);
    }
  } else {
    usedThreads = sequential ? 1 : Math.max(1, Math.min(threads, inputs.length));
    const filename = await workerFile(opts.worker);
    const pool = new Piscina<WorkerTask, Tally | null>({
      filename,
      minThreads: usedThreads,
      maxThreads: usedThreads,
      idleTimeout: 1000,
      // The pool's own queue stays short: slices are submitted as threads free up.
      maxQueue: usedThreads * 2,
      // Neither worker needs the inherited `--import tsx` (worker-entry.mjs registers tsx itself; the bundle is
      // plain JavaScript), and loading it anyway slows every thread's start.
      execArgv: execArgvWithoutTsx(),
    });
    const ac = new AbortController();
    const onAbort = (): void => ac.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      checkAbort();
      if (sequential) {
        for (let i = 0; i < inputs.length; i++) {
          checkAbort();
          const t = await pool.run({ slice: inputs[i]!, memoryKey: memoryKey! }, { signal: ac.signal });
          finished(i, t!);
        }
      } else {
        // Keep every thread busy with one slice in hand and one queued; merge in set order.
        const ready = new Map<number, Tally>();
        let next = 0;
        let merged = 0;
        const inFlight = new Set<Promise<void>>();
        let failure: unknown;
        const launch = (i: number): void => {
          const tracked: Promise<void> = pool
            .run({ slice: inputs[i]! }, { signal: ac.signal })
            .then(
              (t) => {
                ready.set(i, t!);
                while (ready.has(merged)) {
                  finished(merged, ready.get(merged)!);
                  ready.delete(merged);
                  merged++;
                }
              },
              (e: unknown) => {
                failure ??= e;
              },
            )
            .finally(() => inFlight.delete(tracked));
          inFlight.add(tracked);
        };
        while (next < inputs.length) {
          checkAbort();
          if (failure) throw failure;
          while (next < inputs.length && inFlight.size < usedThreads * 2) launch(next++);
          await Promise.race(inFlight);
        }
        await Promise.all(inFlight);
        checkAbort();
        if (failure) throw failure;
      }
      checkAbort();
    } catch (e) {
      if (signal?.aborted || (e as { name?: string }).name === "AbortError") throw new SimulationCancelled();
      throw e;
    } finally {
      signal?.removeEventListener("abort", onAbort);
      await pool.destroy().catch(() => {});
    }
  }

  const seconds = (performance.now() - t0) / 1000;
  const report = reportOf(tally, spec, {
    seconds: Math.round(seconds * 1000) / 1000,
    threads: inline ? 0 : usedThreads,
    slices: inputs.length,
    requestsPerSecond: Math.round(tally.read / Math.max(seconds, 1e-6)),
  });
  return { report, changed: new ChangedStore(spec.changedDir, spec.changedDir ? changedFiles : []) };
}
