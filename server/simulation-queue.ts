/**
 * Simulation jobs run by every replica (a service of the server, opened and closed with the others).
 *
 * A job is a row of sim_jobs (server/store/simulation-store.ts). Its work is two kinds of pg-boss jobs in the same
 * database: one `plan` (open the request set, generating a shipped history if needed, cut it into slices, write
 * the slice rows and their pg-boss jobs in one transaction) and one `slice` per slice. Every replica works both
 * queues with as many slice workers as its pool has threads, so the slices of one job spread over every replica.
 * A replica that dies holding a slice loses its pg-boss lease; after `sliceExpireSeconds` pg-boss hands the slice
 * to another replica (or to the same one after its restart). A slice's tally and changed requests are written in
 * the transaction that marks it done, and only if it was not done yet: a slice run twice counts once. The replica
 * that finishes the last slice merges the tallies from the database into the report; a sweeper on every replica
 * merges jobs whose merger died and fails jobs nothing has happened to for `stallSeconds`, so no job stays running.
 * A cancel is a row update plus NOTIFY: every replica aborts its slices of that job (and checks statuses every
 * sweep in case the notification was lost).
 *
 * On the embedded store (PGlite) the same code runs in one process; pg-boss talks to PGlite through the store's
 * connection (`db: { executeSql }`), and starts on the first simulation (or at once when unfinished jobs exist).
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import PgBoss from "pg-boss";
import { Piscina } from "piscina";
import { emptyTally, mergeTally, type Tally } from "../engine/simulate/aggregate.js";
import { AppError } from "../engine/errors.js";
import type { Resolved } from "../engine/simulate/prepare.js";
import type { SimulationReport } from "../engine/simulate/report.js";
import type { RequestSetCatalog } from "../engine/simulate/request-sets.js";
import {
  checkSpec, INLINE_BELOW, isSequential, reportOf, SimulationCancelled, SimulationError, sliceBase, workerFile, type SimulationSpec,
} from "../engine/simulate/run.js";
import { slices as sliceRanges, type SetFileMeta } from "../engine/simulate/set-file.js";
import { runSlice, SliceCancelled, type SliceInput } from "../engine/simulate/slice.js";
import type { WorkerTask } from "../engine/simulate/worker.js";
import { execArgvWithoutTsx } from "../engine/worker-bundle.js";
import type { Logger } from "./logging.js";
import type { Db, Queryable } from "./store/db.js";
import { isoTime, SIM_CANCEL_CHANNEL, SimulationStore, type SimJobRow, type SimStatus, type SliceRange } from "./store/simulation-store.js";

export type JobStatus = SimStatus;

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
  /** The replica that took the request. */
  readonly startedBy: string;
  readonly slices?: { readonly total: number; readonly done: number };
  /** Each replica's share: the slices and requests it finished. */
  readonly replicas: Readonly<Record<string, { readonly slices: number; readonly requests: number }>>;
  readonly report?: SimulationReport;
  readonly error?: { readonly code: string; readonly message: string; readonly details?: unknown };
}

export interface QueueOptions {
  /** This replica's name in the jobs' records (shares). */
  readonly replicaId: string;
  /** Worker threads of this replica (0: slices run on the main thread). */
  readonly threads: number;
  /** A slice held this long without being finished is handed to another replica (pg-boss expiry). */
  readonly sliceExpireSeconds: number;
  /** A job nothing has happened to for this long is failed (no replica could run it). */
  readonly stallSeconds: number;
  /** Finished jobs kept for polling and paging. */
  readonly keep: number;
  /** Jobs waiting or running past which new ones are refused (503). */
  readonly maxActive: number;
  readonly linesPerSlice: number;
  /** Folder for the slices' temporary files. */
  readonly tmpDir: string;
}

export class QueueFull extends Error {}

const PLAN = "precept-sim-plan";
const SLICE = "precept-sim-slice";
const PREFIX = "sim_";
const POLL_SECONDS = 0.5;
const SWEEP_MS = 2000;
/** Generating the largest shipped history takes seconds; a planner gets longer than a slice. */
const PLAN_EXPIRE_SECONDS = 600;

interface PlanData {
  readonly job: string;
}
interface SliceData {
  readonly job: string;
  readonly idx: number;
}

/** A job as this replica runs its slices: the spec with the set opened here, and what every slice shares. */
interface Runnable {
  readonly base: Omit<SliceInput, "start" | "end" | "firstIndex" | "changedFile">;
  readonly inline: boolean;
}

type ResolvedSpec = Resolved["spec"];

/** A tally read back from JSON: maps get a null prototype again (keys such as `constructor` are outcomes too). */
function parseTally(text: string): Tally {
  return JSON.parse(text, (_k, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.assign(Object.create(null) as object, v) : v)) as Tally;
}

/** pg-boss's database seam over ours: parameterised statements as queries, parameterless scripts as exec. */
function bossDb(q: Queryable & { exec?: Db["exec"] }, busy?: { n: number }): PgBoss.Db {
  return {
    executeSql: async (text: string, values?: unknown[]) => {
      if (busy) busy.n++;
      try {
        return await (values?.length || !q.exec ? q.query(text, values ?? []) : q.exec(text));
      } finally {
        if (busy) busy.n--;
      }
    },
  };
}

export class SimulationQueue {
  readonly store: SimulationStore;
  private boss?: PgBoss;
  private starting?: Promise<PgBoss>;
  private pool?: Promise<Piscina<WorkerTask, Tally | null>>;
  /** This replica's in-flight work per job, to abort on cancel or shutdown. */
  private readonly local = new Map<string, { ac: AbortController; n: number }>();
  private readonly runnables = new Map<string, Promise<Runnable>>();
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;
  private unlisten?: () => Promise<void>;
  private readonly workers: string[] = [];
  private readonly inflight = new Set<Promise<void>>();
  /** pg-boss's statements in flight (the store must not close under them). */
  private readonly sql = { n: 0 };
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly catalog: RequestSetCatalog,
    private readonly log: Logger,
    private readonly opts: QueueOptions,
  ) {
    this.store = new SimulationStore(db);
    mkdirSync(opts.tmpDir, { recursive: true });
  }

  /**
   * Starts working the queue now on a shared database (every replica takes slices from the start); on the embedded
   * store only when jobs are unfinished (a restart), otherwise on the first simulation.
   */
  async open(): Promise<void> {
    if (this.db.kind === "postgres" || (await this.store.unfinished()) > 0) await this.started();
  }

  private started(): Promise<PgBoss> {
    if (this.boss) return Promise.resolve(this.boss);
    this.starting ??= this.startBoss().then(
      (b) => (this.boss = b),
      (e: unknown) => {
        this.starting = undefined;
        throw e;
      },
    );
    return this.starting;
  }

  private async startBoss(): Promise<PgBoss> {
    if (this.closed) throw new Error("the simulation queue is closed");
    const boss = new PgBoss({
      db: bossDb(this.db, this.sql),
      schema: "pgboss",
      // Expired slices (a replica died holding them) are noticed by maintenance: often, so they move on quickly.
      maintenanceIntervalSeconds: Math.max(1, Math.min(10, Math.floor(this.opts.sliceExpireSeconds / 2))),
      monitorStateIntervalSeconds: 60,
    });
    boss.on("error", (err) => this.log.warn({ err }, "job queue error"));
    const install = async (): Promise<void> => {
      await boss.start();
      for (const [name, expire] of [[PLAN, PLAN_EXPIRE_SECONDS], [SLICE, this.opts.sliceExpireSeconds]] as const) {
        await boss.createQueue(name, { name, retryLimit: 5, retryDelay: 0, expireInSeconds: expire });
      }
    };
    if (this.db.kind === "postgres") {
      // Replicas starting at once on a new database would race creating pg-boss's schema (a duplicate
      // pg_namespace key, or a deadlock): one installs at a time, under an advisory lock held by a transaction on
      // its own connection while pg-boss works on the pool's others.
      await this.db.transaction(async (tx) => {
        await tx.query("SELECT pg_advisory_xact_lock(hashtext('precept:pg-boss-install'))");
        await install();
      });
    } else {
      await install();
    }
    const work = async <T>(name: string, fn: (data: T) => Promise<void>): Promise<void> => {
      let id = "";
      id = await boss.work<T>(name, { pollingIntervalSeconds: POLL_SECONDS, batchSize: 1 }, async ([job]) => {
        // A job fetched while stopping goes back untouched (pg-boss fails it; it is retried elsewhere).
        if (this.closed) throw new Error(`replica ${this.opts.replicaId} is stopping`);
        const run = fn(job!.data);
        this.inflight.add(run);
        await run.finally(() => this.inflight.delete(run));
        // Straight on to the next one while there is work (pg-boss would wait out its polling interval).
        boss.notifyWorker(id);
      });
      this.workers.push(id);
    };
    await work<PlanData>(PLAN, (d) => this.planJob(d.job));
    for (let i = 0; i < Math.max(1, this.opts.threads); i++) await work<SliceData>(SLICE, (d) => this.sliceJob(d.job, d.idx));
    this.unlisten = await this.db.listen(SIM_CANCEL_CHANNEL, (id) => this.abortLocal(id, "cancelled"));
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    this.log.info({ replica: this.opts.replicaId, threads: this.opts.threads }, "simulation queue working");
    return boss;
  }

  private wake(): void {
    for (const id of this.workers) this.boss?.notifyWorker(id);
  }

  /** Queues a simulation; throws QueueFull when too many are waiting or running. */
  async start(resolved: Resolved, label: { program: string; baseline: string; candidate: string; requestSet: string }): Promise<JobView> {
    if ((await this.store.unfinished()) >= this.opts.maxActive) throw new QueueFull("too many simulations are waiting; try again later");
    const boss = await this.started();
    const id = `${PREFIX}${randomBytes(8).toString("hex")}`;
    await this.store.insertJob({
      id,
      label,
      spec: JSON.stringify(resolved.spec),
      setId: resolved.setId,
      needsGenerating: resolved.needsGenerating,
      startedBy: this.opts.replicaId,
    });
    await boss.send(PLAN, { job: id } satisfies PlanData);
    this.wake();
    return (await this.get(id))!;
  }

  async get(id: string): Promise<JobView | undefined> {
    const row = await this.store.getJob(id);
    return row ? this.view(row, await this.store.shares(id)) : undefined;
  }

  /** Cancels a queued or running job on every replica (a finished job stays as it is). */
  async cancel(id: string): Promise<JobView | undefined> {
    if (await this.store.end(id, "cancelled")) this.abortLocal(id, "cancelled");
    return this.get(id);
  }

  /** Changed requests of a finished job, [offset, offset + limit), in set order. */
  async changed(id: string, offset: number, limit: number): Promise<{ total: number; items: unknown[] }> {
    const counts = await this.store.changedCounts(id);
    const total = counts.reduce((s, c) => s + c.n, 0);
    const items: unknown[] = [];
    let skip = offset;
    for (const c of counts) {
      if (items.length >= limit) break;
      if (skip >= c.n) {
        skip -= c.n;
        continue;
      }
      const lines = (await this.store.changedOf(id, c.idx)).split("\n").filter((l) => l !== "");
      for (const line of lines.slice(skip, skip + (limit - items.length))) items.push(JSON.parse(line));
      skip = 0;
    }
    return { total, items };
  }

  /** Every changed request of a finished job, in set order, a slice at a time. */
  async *allChanged(id: string): AsyncGenerator<unknown> {
    for (const c of await this.store.changedCounts(id)) {
      if (c.n === 0) continue;
      for (const line of (await this.store.changedOf(id, c.idx)).split("\n")) if (line !== "") yield JSON.parse(line);
    }
  }

  /**
   * Stops working the queue: this replica's slices are aborted and handed back (pg-boss fails them and another
   * replica, or this one after its restart, takes them again); jobs stay as they are in the database.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const id of this.local.keys()) this.abortLocal(id, "stopping");
    const boss = this.boss ?? (await this.starting?.catch(() => undefined));
    await this.unlisten?.().catch(() => {});
    await boss?.stop({ graceful: true, wait: true, timeout: 5000, close: false }).catch((err: unknown) => this.log.warn({ err }, "job queue did not stop cleanly"));
    // pg-boss's stop can resolve with a fetch still answering and our handlers still writing: the store closes
    // only once both have been quiet for a moment (bounded: closeServices gives up on us anyway).
    for (let quiet = 0, t = 0; quiet < 2 && t < 50; t++) {
      await Promise.allSettled([...this.inflight]);
      await new Promise((r) => setTimeout(r, 100));
      quiet = this.inflight.size === 0 && this.sql.n === 0 ? quiet + 1 : 0;
    }
    await (await this.pool?.catch(() => undefined))?.destroy().catch(() => {});
  }

  // --- the work ------------------------------------------------------------------------------------------------

  private track(id: string): AbortController {
    let t = this.local.get(id);
    if (!t) this.local.set(id, (t = { ac: new AbortController(), n: 0 }));
    t.n++;
    return t.ac;
  }

  private untrack(id: string): void {
    const t = this.local.get(id);
    if (t && --t.n <= 0) this.local.delete(id);
  }

  private abortLocal(id: string, why: "cancelled" | "stopping" | "ended"): void {
    this.local.get(id)?.ac.abort(why);
    this.local.delete(id);
    if (why !== "stopping") this.runnables.delete(id);
  }

  private async planJob(id: string): Promise<void> {
    const row = await this.store.getJob(id, true);
    if (!row || (row.status !== "queued" && row.status !== "running") || row.slices_total !== null) return;
    const generating = !this.catalog.isCached(row.set_id);
    if (!(await this.store.markStarted(id, generating ? "generating" : "simulating"))) return;
    const ac = this.track(id);
    try {
      let last = 0;
      let set;
      try {
        set = await this.catalog.open(row.set_id, {
          signal: ac.signal,
          onProgress: (f) => {
            if (Date.now() - last < 250) return;
            last = Date.now();
            void this.store.setGenProgress(id, f).catch(() => {});
          },
        });
      } catch (e) {
        if (ac.signal.aborted) return this.abandoned(ac);
        throw e;
      }
      if (!set) return void (await this.fail(id, new AppError("unknown-request-set", `no request set \`${row.set_id}\``)));
      const spec = JSON.parse(row.spec) as ResolvedSpec;
      try {
        checkSpec({ ...spec, set });
      } catch (e) {
        return void (await this.fail(id, e));
      }
      const ranges: SliceRange[] = isSequential(spec)
        ? // Each side remembers what it accepted, in set order: such a job is one slice on one thread.
          [{ idx: 0, start: 0, end: set.meta.bytes, firstIndex: 0, count: set.meta.count }]
        : sliceRanges(set.meta, this.opts.linesPerSlice).map((r, idx) => ({ idx, ...r }));
      const boss = await this.started();
      const planned = await this.store.plan(id, set.meta, ranges, set.meta.count, async (tx) => {
        if (!ranges.length) return;
        await boss.insert(
          ranges.map((r) => ({ name: SLICE, data: { job: id, idx: r.idx } satisfies SliceData, expireInSeconds: this.opts.sliceExpireSeconds, retryLimit: 5, retryDelay: 0 })),
          { db: bossDb(tx) },
        );
      });
      if (planned && !ranges.length) await this.finalize(id);
      this.wake();
    } finally {
      this.untrack(id);
    }
  }

  /** What this replica needs to run a job's slices (the set opened, or generated, here); kept per job. */
  private runnable(id: string): Promise<Runnable> {
    let p = this.runnables.get(id);
    if (!p) {
      p = (async () => {
        const row = (await this.store.getJob(id, true))!;
        const set = await this.catalog.open(row.set_id);
        if (!set) throw new AppError("unknown-request-set", `no request set \`${row.set_id}\``);
        const planned = JSON.parse(row.set_meta!) as SetFileMeta;
        if (set.meta.sha256 !== planned.sha256) throw new SimulationError(`request set ${row.set_id} is not the same on replica ${this.opts.replicaId}`);
        const spec = { ...(JSON.parse(row.spec) as ResolvedSpec), set: { meta: set.meta, file: set.file } };
        return { base: sliceBase(spec), inline: this.opts.threads === 0 || set.meta.count < INLINE_BELOW };
      })();
      p.catch(() => this.runnables.delete(id));
      this.runnables.set(id, p);
      if (this.runnables.size > 8) this.runnables.delete(this.runnables.keys().next().value!);
    }
    return p;
  }

  private workerPool(): Promise<Piscina<WorkerTask, Tally | null>> {
    this.pool ??= workerFile(undefined).then((filename) => {
      const threads = Math.max(1, this.opts.threads);
      // One pool per replica for every job; threads end after a while without slices.
      return new Piscina<WorkerTask, Tally | null>({ filename, minThreads: 0, maxThreads: threads, idleTimeout: 30_000, maxQueue: threads * 2, execArgv: execArgvWithoutTsx() });
    });
    return this.pool;
  }

  private async sliceJob(id: string, idx: number): Promise<void> {
    if ((await this.store.status(id)) !== "running") return; // cancelled, failed, pruned: nothing to do
    const slice = await this.store.slice(id, idx);
    if (!slice || slice.done) return;
    const ac = this.track(id);
    const changedFile = join(this.opts.tmpDir, `${id}-${idx}-${randomBytes(3).toString("hex")}.ndjson`);
    try {
      let tally: Tally;
      try {
        const run = await this.runnable(id);
        const input: SliceInput = { ...run.base, start: slice.start, end: slice.end, firstIndex: slice.firstIndex, changedFile };
        tally = run.inline
          ? runSlice(input, { cancelled: () => ac.signal.aborted })
          : (await (await this.workerPool()).run({ slice: input }, { signal: ac.signal }))!;
      } catch (e) {
        if (ac.signal.aborted) return this.abandoned(ac);
        // The slice itself failed (not the database): running it elsewhere would fail the same way.
        return void (await this.fail(id, e));
      }
      if (ac.signal.aborted) return this.abandoned(ac);
      const r = await this.store.finishSlice(id, idx, {
        by: this.opts.replicaId,
        tally: JSON.stringify(tally),
        changedCount: tally.changed,
        changed: readFileSync(changedFile, "utf8"),
      });
      if (r && r.done === r.total) await this.finalize(id);
    } finally {
      rmSync(changedFile, { force: true });
      this.untrack(id);
    }
  }

  /** After an abort: a cancel ends the work quietly; a shutdown hands the pg-boss job back (it is failed, retried). */
  private abandoned(ac: AbortController): void {
    if (ac.signal.reason === "stopping") throw new Error(`replica ${this.opts.replicaId} is stopping`);
  }

  private async fail(id: string, e: unknown): Promise<void> {
    const known = e instanceof AppError || e instanceof SimulationError;
    if (!known && !(e instanceof SimulationCancelled) && !(e instanceof SliceCancelled)) this.log.error({ err: e, simulation: id }, "simulation failed");
    const error = known
      ? { code: e instanceof AppError ? e.code : "simulation-failed", message: e.message, ...(e instanceof AppError && e.details !== undefined ? { details: e.details } : {}) }
      : { code: "simulation-failed", message: "the simulation failed" };
    if (await this.store.end(id, "failed", error)) this.abortLocal(id, "ended");
  }

  /** Merges the slices' tallies from the database into the report (once, whoever gets here first). */
  private async finalize(id: string): Promise<void> {
    const row = await this.store.getJob(id);
    if (!row) return;
    const t0 = row.started_at ? new Date(row.started_at).getTime() : Date.now();
    await this.store.finalize(id, async (specText, metaText, tallies) => {
      const spec = JSON.parse(specText) as ResolvedSpec;
      const meta = JSON.parse(metaText) as SetFileMeta;
      const pageSize = spec.pageSize ?? 50;
      const tally = emptyTally();
      let n = 0;
      for await (const t of tallies) {
        mergeTally(tally, parseTally(t), pageSize);
        n++;
      }
      const seconds = Math.max(1e-3, (Date.now() - t0) / 1000);
      const full: Omit<SimulationSpec, "set"> & { set: { meta: SetFileMeta } } = { ...spec, set: { meta } };
      const report = reportOf(tally, full, {
        seconds: Math.round(seconds * 1000) / 1000,
        threads: this.opts.threads,
        slices: n,
        requestsPerSecond: Math.round(tally.read / seconds),
      });
      return JSON.stringify(report);
    });
    this.runnables.delete(id);
  }

  /** Every replica, every few seconds: merge what nobody merged, fail what nobody runs, forget what is old. */
  private async sweep(): Promise<void> {
    if (this.sweeping || this.closed) return;
    this.sweeping = true;
    try {
      for (const id of await this.store.unmerged()) await this.finalize(id);
      for (const id of await this.store.stalled(this.opts.stallSeconds)) {
        await this.store.end(id, "failed", { code: "simulation-stalled", message: `no replica made progress on this simulation for ${this.opts.stallSeconds} s` });
      }
      // A cancel whose notification this replica missed (its LISTEN connection was down).
      const statuses = await this.store.statuses([...this.local.keys()]);
      for (const id of [...this.local.keys()]) if (statuses.get(id) !== "running" && statuses.get(id) !== "queued") this.abortLocal(id, "ended");
      await this.store.prune(this.opts.keep);
    } catch (err) {
      this.log.warn({ err }, "simulation sweep failed");
    } finally {
      this.sweeping = false;
    }
  }

  private view(j: SimJobRow, shares: JobView["replicas"]): JobView {
    const label = JSON.parse(j.label) as Pick<JobView, "program" | "baseline" | "candidate" | "requestSet">;
    const gen = j.needs_generating ? 0.1 : 0;
    const sim = j.requests_total ? j.requests_done / j.requests_total : 0;
    const progress = j.status === "done" ? 1 : gen * (j.slices_total !== null ? 1 : j.gen_progress) + (1 - gen) * sim;
    const phase = j.status === "running" ? (j.slices_total === null && j.phase === "generating" ? "generating" : "simulating") : undefined;
    return {
      id: j.id,
      status: j.status,
      progress: Math.round(Math.min(1, progress) * 10_000) / 10_000,
      ...(phase ? { phase } : {}),
      ...label,
      createdAt: isoTime(j.created_at)!,
      ...(j.started_at ? { startedAt: isoTime(j.started_at)! } : {}),
      ...(j.finished_at ? { finishedAt: isoTime(j.finished_at)! } : {}),
      startedBy: j.started_by,
      ...(j.slices_total !== null ? { slices: { total: j.slices_total, done: j.slices_done } } : {}),
      replicas: shares,
      ...(j.report ? { report: JSON.parse(j.report) as SimulationReport } : {}),
      ...(j.error ? { error: JSON.parse(j.error) as NonNullable<JobView["error"]> } : {}),
    };
  }
}
