/**
 * Solver work off the event loop (issue 14): diffs, analyses and counterfactuals run on a small piscina pool of
 * worker threads, each with its own z3 context, so evaluations and `/health` never wait behind a solver query. Each
 * task has a time budget from the moment it has a thread: past it the thread is terminated (a z3 query cannot be
 * interrupted from outside its thread) and the answer is `unknown` with the reason "time limit". A full queue
 * answers 503.
 */
import { MessageChannel, type MessagePort } from "node:worker_threads";
import { Piscina } from "piscina";
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { AnalysisResult, AnalyzeOptions } from "../engine/analysis/analyze.js";
import type { CounterfactualOptions, CounterfactualResult } from "../engine/analysis/counterfactual.js";
import type { DiffOptions, DiffResult } from "../engine/analysis/diff.js";
import type { DecisionSummary } from "../engine/analysis/witness.js";
import { bundleWorker, execArgvWithoutTsx } from "../engine/worker-bundle.js";
import type { AnalysisTask, AnalysisTaskResult } from "./analysis-worker.js";
import { AppError } from "./errors.js";
import type { Logger } from "./logging.js";

export interface AnalysisBudget {
  /** Wall time of one task once it has a thread (ms); a request may ask for less (`timeLimitMs`). */
  readonly timeoutMs: number;
  readonly threads: number;
  /** Tasks waiting for a thread before new ones are refused with 503. */
  readonly maxQueue: number;
  /** V8 old-generation heap of a thread (MB); z3's own WebAssembly memory is outside it. */
  readonly memoryMb: number;
  /** `tsx` (PRECEPT_ANALYSIS_WORKER=tsx) forces the unbundled task. */
  readonly worker: "bundled" | "tsx";
}

const TSX_WORKER = new URL("./analysis-worker-entry.mjs", import.meta.url).href;
let bundled: Promise<string | undefined> | undefined;

/** The task bundled by esbuild (engine/worker-bundle.ts), z3-solver kept as installed (it loads its .wasm file). */
async function workerFile(worker: AnalysisBudget["worker"]): Promise<string> {
  if (worker === "tsx") return TSX_WORKER;
  bundled ??= bundleWorker(new URL("./analysis-worker.ts", import.meta.url), "precept-analysis-worker", ["z3-solver"]);
  return (await bundled) ?? TSX_WORKER;
}

type Task = AnalysisTask & { readonly port?: MessagePort };
type Outcome<T> = { readonly done: T } | { readonly timeLimit: string };

export class AnalysisPool {
  private pool?: Promise<Piscina<Task, AnalysisTaskResult>>;

  constructor(
    readonly budget: AnalysisBudget,
    private readonly log?: Logger,
  ) {}

  private piscina(): Promise<Piscina<Task, AnalysisTaskResult>> {
    this.pool ??= workerFile(this.budget.worker).then(
      (filename) =>
        new Piscina<Task, AnalysisTaskResult>({
          filename,
          // At least one thread: piscina replaces a terminated thread (time limit) only up to minThreads, so with
          // none the tasks queued behind it would wait for the next submission. It also keeps z3 warm.
          minThreads: 1,
          maxThreads: this.budget.threads,
          // A thread keeps its z3 context warm between tasks (starting one takes about half a second).
          idleTimeout: 120_000,
          execArgv: execArgvWithoutTsx(),
          resourceLimits: { maxOldGenerationSizeMb: this.budget.memoryMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
        }),
    );
    return this.pool;
  }

  /** The budget of one task: the server's, or less when the request asks for less. */
  limit(askedMs?: number): number {
    return askedMs === undefined ? this.budget.timeoutMs : Math.min(askedMs, this.budget.timeoutMs);
  }

  async diff(oldP: CompiledPolicy, newP: CompiledPolicy, opts: DiffOptions, askedMs?: number): Promise<DiffResult> {
    const ms = this.limit(askedMs);
    const r = await this.run({ kind: "diff", old: oldP, new: newP, opts: { ...opts, timeoutMs: Math.min(opts.timeoutMs ?? 10_000, ms) } }, ms);
    if ("done" in r && r.done.kind === "diff") return r.done.result;
    const id = (p: CompiledPolicy): DiffResult["old"] => ({ program: p.program, version: p.version, hash: p.hash });
    return { verdict: "unknown", old: id(oldP), new: id(newP), transitions: [], reasons: [], attributes: [], unknown: [this.why(r, ms)], inexact: [], failures: [], stats: { ms, solverCalls: 0 } };
  }

  async analyze(policy: CompiledPolicy, opts: AnalyzeOptions, askedMs?: number): Promise<AnalysisResult & { unknown?: readonly string[] }> {
    const ms = this.limit(askedMs);
    const r = await this.run({ kind: "analyze", policy, opts }, ms);
    if ("done" in r && r.done.kind === "analyze") return r.done.result;
    const at = { line: 1, column: 1, offset: 0 };
    const why = this.why(r, ms);
    return {
      program: policy.program,
      version: policy.version,
      findings: [{ code: "analysis-unknown", severity: "info", message: `${why}: the analysis was not finished`, start: at, end: at, version: policy.version }],
      inexact: [],
      failures: [],
      unknown: [why],
      stats: { ms, solverCalls: 0 },
    };
  }

  async counterfactual(policy: CompiledPolicy, request: Record<string, unknown>, opts: CounterfactualOptions, decision: DecisionSummary, askedMs?: number): Promise<CounterfactualResult> {
    const ms = this.limit(askedMs);
    const r = await this.run({ kind: "counterfactual", policy, request, opts: { ...opts, timeoutMs: Math.min(opts.timeoutMs ?? 10_000, ms) } }, ms);
    if ("done" in r && r.done.kind === "counterfactual") return r.done.result;
    return { decision, actionable: opts.actionable, alternatives: [], unreachable: [], unknown: [this.why(r, ms)], stats: { ms } };
  }

  private why(r: Outcome<unknown>, ms: number): string {
    return "timeLimit" in r ? r.timeLimit : `time limit: longer than ${ms} ms`;
  }

  /** Runs a task; past `ms` on its thread the thread is terminated and the outcome is a time limit. */
  async run(task: AnalysisTask, ms: number): Promise<Outcome<AnalysisTaskResult>> {
    // Counted here rather than by piscina's maxQueue, which also counts threads still starting as room.
    if (this.inFlight >= this.budget.threads + this.budget.maxQueue) {
      throw new AppError("analysis-busy", "the server is running as many analyses as it can: try again shortly", { retryAfterSeconds: 2 });
    }
    this.inFlight++;
    try {
      return await this.runOnThread(task, ms);
    } finally {
      this.inFlight--;
    }
  }

  private inFlight = 0;

  private async runOnThread(task: AnalysisTask, ms: number): Promise<Outcome<AnalysisTaskResult>> {
    const pool = await this.piscina();
    const ac = new AbortController();
    const { port1, port2 } = new MessageChannel();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    // The budget starts when the task has a thread, not while it waits in the queue.
    port2.once("message", () => {
      timer = setTimeout(() => {
        timedOut = true;
        ac.abort();
      }, ms);
    });
    try {
      return { done: await pool.run({ ...task, port: port1 }, { transferList: [port1], signal: ac.signal }) };
    } catch (e) {
      if (timedOut) {
        this.log?.info({ kind: task.kind, ms }, "analysis stopped at its time limit");
        return { timeLimit: `time limit: the ${task.kind === "analyze" ? "analysis" : task.kind} took longer than ${ms} ms` };
      }
      this.log?.error({ err: e, kind: task.kind }, "analysis task failed");
      throw new AppError("analysis-failed", "the analysis stopped unexpectedly: try again");
    } finally {
      if (timer) clearTimeout(timer);
      port2.close();
    }
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    if (p) await (await p).destroy();
  }
}

const pools = new WeakMap<object, AnalysisPool>();

/** One pool per server (per Services object), made on first use; its threads go when idle. */
export function analysisPoolFor(s: { readonly config: { readonly analysis: AnalysisBudget }; readonly log?: Logger }): AnalysisPool {
  let p = pools.get(s);
  if (!p) pools.set(s, (p = new AnalysisPool(s.config.analysis, s.log?.child({ component: "analysis-pool" }))));
  return p;
}

/** Ends the server's analysis threads, if it made any (server shutdown). */
export async function closeAnalysisPool(s: object): Promise<void> {
  await pools.get(s)?.close();
}
