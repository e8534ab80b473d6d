/**
 * (Node only) Simulation jobs for a server: queued, run one at a time (a simulation already uses every core),
 * polled for progress (0..1) and their report, cancellable at any point. Finished jobs are kept (the newest
 * `keep`) with their changed-request files under `<dir>/<id>/`, for paging; older ones are dropped with their files.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ChangedRecord } from "./aggregate.js";
import type { ChangedStore } from "./changed.js";
import { openResolved, PrepareError, type Resolved } from "./prepare.js";
import type { SimulationReport } from "./report.js";
import type { RequestSetCatalog } from "./request-sets.js";
import { runSimulation, SimulationCancelled, SimulationError } from "./run.js";

export type JobStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface JobView {
  readonly id: string;
  readonly status: JobStatus;
  /** 0..1 over the whole job (generating a shipped set, if needed, is the first tenth). */
  readonly progress: number;
  readonly phase?: "generating" | "simulating";
  readonly program: string;
  readonly baseline: string;
  readonly candidate: string;
  readonly requestSet: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly report?: SimulationReport;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown };
}

interface Job {
  id: string;
  status: JobStatus;
  progress: number;
  phase?: "generating" | "simulating";
  resolved: Resolved;
  label: { program: string; baseline: string; candidate: string; requestSet: string };
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  report?: SimulationReport;
  error?: JobView["error"];
  changed?: ChangedStore;
  ac: AbortController;
}

export interface JobsOptions {
  /** Folder for the jobs' files (one sub-folder per job). */
  readonly dir: string;
  readonly catalog: RequestSetCatalog;
  /** Finished jobs kept for polling and paging. */
  readonly keep?: number;
  /** Jobs waiting beyond the running one. */
  readonly maxQueued?: number;
  readonly threads?: number;
  readonly onError?: (err: unknown, id: string) => void;
  /** Polled while jobs run: when it says true (server shutting down), everything is cancelled. */
  readonly stopping?: () => boolean;
}

export class QueueFull extends Error {}

const PREFIX = "sim_";

export class SimulationJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running?: Job;
  private closed = false;

  constructor(private readonly opts: JobsOptions) {
    mkdirSync(opts.dir, { recursive: true });
    // Files of jobs from an earlier process cannot be polled any more: remove those older than a day.
    for (const f of readdirSync(opts.dir)) {
      if (!f.startsWith(PREFIX)) continue;
      const p = join(opts.dir, f);
      try {
        if (Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true });
      } catch {
        /* already gone */
      }
    }
  }

  /** Queues a simulation; throws QueueFull when too many wait. */
  start(resolved: Resolved, label: Job["label"]): JobView {
    if (this.queue.length >= (this.opts.maxQueued ?? 8)) throw new QueueFull("too many simulations are waiting; try again later");
    const job: Job = {
      id: `${PREFIX}${randomBytes(8).toString("hex")}`,
      status: "queued",
      progress: 0,
      resolved,
      label,
      createdAt: new Date().toISOString(),
      ac: new AbortController(),
    };
    this.jobs.set(job.id, job);
    this.queue.push(job);
    this.pump();
    return this.view(job);
  }

  get(id: string): JobView | undefined {
    const job = this.jobs.get(id);
    return job ? this.view(job) : undefined;
  }

  /** Cancels a queued or running job (a finished job stays as it is). */
  cancel(id: string): JobView | undefined {
    const job = this.jobs.get(id);
    if (!job) return undefined;
    if (job.status === "queued") {
      this.queue.splice(this.queue.indexOf(job), 1);
      this.finish(job, "cancelled");
    } else if (job.status === "running") {
      job.ac.abort();
      // The run rejects with SimulationCancelled and finish() follows; answer with the state already decided.
      job.status = "cancelled";
    }
    return this.view(job);
  }

  /** Changed requests of a finished job, [offset, offset + limit). */
  async changed(id: string, offset: number, limit: number): Promise<{ total: number; items: ChangedRecord[] } | undefined> {
    const job = this.jobs.get(id);
    if (!job?.changed) return undefined;
    return { total: job.changed.total, items: await job.changed.page(offset, limit) };
  }

  changedStore(id: string): ChangedStore | undefined {
    return this.jobs.get(id)?.changed;
  }

  /** Cancels everything (server shutdown). */
  close(): void {
    this.closed = true;
    for (const j of [...this.queue]) this.cancel(j.id);
    if (this.running) this.cancel(this.running.id);
  }

  private view(j: Job): JobView {
    return {
      id: j.id,
      status: j.status,
      progress: Math.round(j.progress * 10_000) / 10_000,
      ...(j.phase && j.status === "running" ? { phase: j.phase } : {}),
      ...j.label,
      createdAt: j.createdAt,
      ...(j.startedAt ? { startedAt: j.startedAt } : {}),
      ...(j.finishedAt ? { finishedAt: j.finishedAt } : {}),
      ...(j.report ? { report: j.report } : {}),
      ...(j.error ? { error: j.error } : {}),
    };
  }

  private pump(): void {
    if (this.opts.stopping?.()) this.close();
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    void this.run(job).finally(() => {
      this.running = undefined;
      this.prune();
      this.pump();
    });
  }

  private async run(job: Job): Promise<void> {
    job.status = "running";
    job.startedAt = new Date().toISOString();
    const dir = join(this.opts.dir, job.id);
    const gen = job.resolved.needsGenerating ? 0.1 : 0;
    try {
      if (gen) job.phase = "generating";
      const prepared = await openResolved(job.resolved, this.opts.catalog, {
        signal: job.ac.signal,
        onGenerate: (f) => {
          job.progress = gen * f;
          if (this.opts.stopping?.()) this.close();
        },
      });
      if (job.ac.signal.aborted) throw new SimulationCancelled();
      job.phase = "simulating";
      const { report, changed } = await runSimulation(
        { ...prepared.spec, changedDir: join(dir, "changed"), ...(this.opts.threads !== undefined ? { threads: this.opts.threads } : {}) },
        {
          signal: job.ac.signal,
          onProgress: (f) => {
            job.progress = gen + (1 - gen) * f;
            if (this.opts.stopping?.()) this.close();
          },
        },
      );
      if (job.ac.signal.aborted) {
        changed.remove();
        throw new SimulationCancelled();
      }
      job.report = report;
      job.changed = changed;
      job.progress = 1;
      this.finish(job, "done");
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      if (e instanceof SimulationCancelled || job.ac.signal.aborted) {
        this.finish(job, "cancelled");
      } else {
        const known = e instanceof PrepareError || e instanceof SimulationError;
        if (!known) this.opts.onError?.(e, job.id);
        job.error = known
          ? { code: e instanceof PrepareError ? e.code : "simulation-failed", message: e.message, ...(e instanceof PrepareError && e.details !== undefined ? { details: e.details } : {}) }
          : { code: "simulation-failed", message: "the simulation failed" };
        this.finish(job, "failed");
      }
    }
  }

  private finish(job: Job, status: JobStatus): void {
    job.status = status;
    job.phase = undefined;
    job.finishedAt = new Date().toISOString();
  }

  private prune(): void {
    const keep = this.opts.keep ?? 20;
    const finished = [...this.jobs.values()].filter((j) => j.status === "done" || j.status === "failed" || j.status === "cancelled");
    for (const j of finished.slice(0, Math.max(0, finished.length - keep))) {
      j.changed?.remove();
      const dir = join(this.opts.dir, j.id);
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
      this.jobs.delete(j.id);
    }
  }
}
