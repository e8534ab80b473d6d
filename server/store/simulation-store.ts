/**
 * Simulation jobs and request sets in the database, so that every replica sees the same ones:
 *  - sim_jobs: one row per job: what to run (the resolved spec as JSON: compiled policies, manifest, parameters),
 *    its state, counters kept by the slices as they finish, the report once merged, and who started it.
 *  - sim_slices: one row per slice (byte range of the set); `done_at` set, with the slice's tally and its changed
 *    requests (NDJSON), in the one UPDATE that marks it done. `WHERE done_at IS NULL` makes a second finish of the
 *    same slice (a redelivery after a replica was thought dead) write nothing: nothing is counted twice.
 *  - request_sets and request_set_chunks: imported and selected sets (meta, then 1,000-line chunks); files on a
 *    replica's disk are only a cache of these.
 * The claim of slices is pg-boss's (server/simulation-queue.ts); these tables say what a slice is and what it gave.
 */
import type { Db, Queryable } from "./db.js";

export const SIM_CANCEL_CHANNEL = "precept_sim_cancel";

export const SIM_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sim_jobs (
     id              text        PRIMARY KEY,
     status          text        NOT NULL,
     phase           text,
     label           text        NOT NULL,
     spec            text        NOT NULL,
     set_id          text        NOT NULL,
     set_meta        text,
     needs_generating boolean    NOT NULL DEFAULT false,
     gen_progress    real        NOT NULL DEFAULT 0,
     slices_total    integer,
     slices_done     integer     NOT NULL DEFAULT 0,
     requests_total  integer,
     requests_done   integer     NOT NULL DEFAULT 0,
     report          text,
     error           text,
     started_by      text        NOT NULL,
     created_at      timestamptz NOT NULL DEFAULT now(),
     started_at      timestamptz,
     finished_at     timestamptz,
     updated_at      timestamptz NOT NULL DEFAULT now())`,
  `CREATE INDEX IF NOT EXISTS sim_jobs_status ON sim_jobs (status, updated_at)`,
  `CREATE TABLE IF NOT EXISTS sim_slices (
     job_id        text        NOT NULL REFERENCES sim_jobs (id) ON DELETE CASCADE,
     idx           integer     NOT NULL,
     start_byte    bigint      NOT NULL,
     end_byte      bigint      NOT NULL,
     first_index   integer     NOT NULL,
     count         integer     NOT NULL,
     done_by       text,
     done_at       timestamptz,
     tally         text,
     changed_count integer,
     changed       text,
     PRIMARY KEY (job_id, idx))`,
  `CREATE TABLE IF NOT EXISTS request_sets (
     id         text        PRIMARY KEY,
     program    text        NOT NULL,
     meta       text        NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now())`,
  `CREATE TABLE IF NOT EXISTS request_set_chunks (
     set_id text    NOT NULL REFERENCES request_sets (id) ON DELETE CASCADE,
     k      integer NOT NULL,
     lines  text    NOT NULL,
     PRIMARY KEY (set_id, k))`,
];

export type SimStatus = "queued" | "running" | "done" | "failed" | "cancelled";

export interface SimJobRow {
  id: string;
  status: SimStatus;
  phase: string | null;
  label: string;
  spec: string;
  set_id: string;
  set_meta: string | null;
  needs_generating: boolean;
  gen_progress: number;
  slices_total: number | null;
  slices_done: number;
  requests_total: number | null;
  requests_done: number;
  report: string | null;
  error: string | null;
  started_by: string;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

export interface SliceRange {
  readonly idx: number;
  readonly start: number;
  readonly end: number;
  readonly firstIndex: number;
  readonly count: number;
}

export interface SliceDone {
  readonly by: string;
  readonly tally: string;
  readonly changedCount: number;
  readonly changed: string;
}

const iso = (v: Date | string | null): string | undefined => (v === null ? undefined : new Date(v).toISOString());
export { iso as isoTime };

const JOB_COLUMNS = `id, status, phase, label, spec, set_id, set_meta, needs_generating, gen_progress, slices_total, slices_done,
  requests_total, requests_done, report, error, started_by, created_at, started_at, finished_at`;

export class SimulationStore {
  constructor(readonly db: Db) {}

  async insertJob(j: { id: string; label: unknown; spec: string; setId: string; needsGenerating: boolean; startedBy: string }): Promise<void> {
    await this.db.query(
      `INSERT INTO sim_jobs (id, status, label, spec, set_id, needs_generating, started_by) VALUES ($1, 'queued', $2, $3, $4, $5, $6)`,
      [j.id, JSON.stringify(j.label), j.spec, j.setId, j.needsGenerating, j.startedBy],
    );
  }

  /** The job without its spec (which can be large) unless asked. */
  async getJob(id: string, withSpec = false): Promise<SimJobRow | undefined> {
    const cols = withSpec ? JOB_COLUMNS : JOB_COLUMNS.replace("spec, ", "'' AS spec, ");
    const r = await this.db.query<SimJobRow>(`SELECT ${cols} FROM sim_jobs WHERE id = $1`, [id]);
    return r.rows[0];
  }

  /** Jobs queued or running, on every replica. */
  async unfinished(): Promise<number> {
    const r = await this.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM sim_jobs WHERE status IN ('queued', 'running')`);
    return Number(r.rows[0]!.n);
  }

  async status(id: string): Promise<SimStatus | undefined> {
    const r = await this.db.query<{ status: SimStatus }>(`SELECT status FROM sim_jobs WHERE id = $1`, [id]);
    return r.rows[0]?.status;
  }

  /** Replicas' shares: slices and requests each one finished. */
  async shares(id: string): Promise<Record<string, { slices: number; requests: number }>> {
    const r = await this.db.query<{ done_by: string; slices: string | number; requests: string | number }>(
      `SELECT done_by, count(*) AS slices, sum(count) AS requests FROM sim_slices WHERE job_id = $1 AND done_at IS NOT NULL GROUP BY done_by ORDER BY done_by`,
      [id],
    );
    return Object.fromEntries(r.rows.map((x) => [x.done_by, { slices: Number(x.slices), requests: Number(x.requests) }]));
  }

  /** queued → running (the planner took it); false when it is no longer queued or running (cancelled). */
  async markStarted(id: string, phase: string): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE sim_jobs SET status = 'running', phase = $2, started_at = coalesce(started_at, now()), updated_at = now()
        WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, phase],
    );
    return r.rowCount === 1;
  }

  async setGenProgress(id: string, f: number): Promise<void> {
    await this.db.query(`UPDATE sim_jobs SET gen_progress = $2, updated_at = now() WHERE id = $1 AND status = 'running'`, [id, f]);
  }

  /**
   * Writes the slices of a job and hands them to `enqueue` in the same transaction (a planner that dies half-way
   * leaves no half-planned job: it is planned again). False when already planned or no longer running.
   */
  async plan(id: string, meta: unknown, ranges: readonly SliceRange[], requests: number, enqueue: (tx: Queryable) => Promise<void>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query(
        `UPDATE sim_jobs SET set_meta = $2, slices_total = $3, requests_total = $4, phase = 'simulating', gen_progress = 1, updated_at = now()
          WHERE id = $1 AND status = 'running' AND slices_total IS NULL`,
        [id, JSON.stringify(meta), ranges.length, requests],
      );
      if (r.rowCount !== 1) return false;
      // One statement for all slices: unnest over parallel arrays.
      await tx.query(
        `INSERT INTO sim_slices (job_id, idx, start_byte, end_byte, first_index, count)
         SELECT $1, * FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::int[])`,
        [id, ranges.map((x) => x.idx), ranges.map((x) => x.start), ranges.map((x) => x.end), ranges.map((x) => x.firstIndex), ranges.map((x) => x.count)],
      );
      await enqueue(tx);
      return true;
    });
  }

  async slice(id: string, idx: number): Promise<(SliceRange & { done: boolean }) | undefined> {
    const r = await this.db.query<{ idx: number; start_byte: string; end_byte: string; first_index: number; count: number; done: boolean }>(
      `SELECT idx, start_byte, end_byte, first_index, count, done_at IS NOT NULL AS done FROM sim_slices WHERE job_id = $1 AND idx = $2`,
      [id, idx],
    );
    const x = r.rows[0];
    return x && { idx: x.idx, start: Number(x.start_byte), end: Number(x.end_byte), firstIndex: x.first_index, count: x.count, done: x.done };
  }

  /**
   * Marks a slice done with its tally and changed requests, and counts it on the job, in one transaction.
   * Answers `undefined` when nothing was written (done already, or the job is no longer running), otherwise the
   * job's counters after this slice.
   */
  async finishSlice(id: string, idx: number, d: SliceDone): Promise<{ done: number; total: number } | undefined> {
    return this.db.transaction(async (tx) => {
      const r = await tx.query<{ count: number }>(
        `UPDATE sim_slices SET done_by = $3, done_at = now(), tally = $4, changed_count = $5, changed = $6
          WHERE job_id = $1 AND idx = $2 AND done_at IS NULL
            AND EXISTS (SELECT 1 FROM sim_jobs WHERE id = $1 AND status = 'running')
          RETURNING count`,
        [id, idx, d.by, d.tally, d.changedCount, d.changed],
      );
      if (r.rows.length !== 1) return undefined;
      const j = await tx.query<{ slices_done: number; slices_total: number }>(
        `UPDATE sim_jobs SET slices_done = slices_done + 1, requests_done = requests_done + $2, updated_at = now() WHERE id = $1
          RETURNING slices_done, slices_total`,
        [id, r.rows[0]!.count],
      );
      return { done: j.rows[0]!.slices_done, total: j.rows[0]!.slices_total };
    });
  }

  /**
   * Merges a job whose slices are all done: `build` gets the tallies in set order and returns the report, written
   * with status done in the same transaction that locked the job (two replicas finishing at once merge once).
   */
  async finalize(id: string, build: (spec: string, meta: string, tallies: AsyncIterable<string>) => Promise<string>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const j = await tx.query<{ spec: string; set_meta: string }>(
        `SELECT spec, set_meta FROM sim_jobs WHERE id = $1 AND status = 'running' AND slices_total IS NOT NULL AND slices_done = slices_total FOR UPDATE`,
        [id],
      );
      // rows, not rowCount: PGlite counts a SELECT's affected rows as 0.
      if (j.rows.length !== 1) return false;
      const n = (await tx.query<{ n: number }>(`SELECT max(idx) AS n FROM sim_slices WHERE job_id = $1`, [id])).rows[0]!.n;
      const tallies = async function* (): AsyncGenerator<string> {
        // A few slices at a time: a tally holds per-day figures, so all of them at once would be a lot of text.
        for (let from = 0; from <= n; from += 8) {
          const r = await tx.query<{ tally: string }>(`SELECT tally FROM sim_slices WHERE job_id = $1 AND idx >= $2 AND idx < $3 ORDER BY idx`, [id, from, from + 8]);
          for (const row of r.rows) yield row.tally;
        }
      };
      const report = await build(j.rows[0]!.spec, j.rows[0]!.set_meta, tallies());
      await tx.query(`UPDATE sim_jobs SET status = 'done', phase = NULL, report = $2, finished_at = now(), updated_at = now() WHERE id = $1`, [id, report]);
      return true;
    });
  }

  /** Ends a queued or running job (cancelled, failed); false when it had ended already. */
  async end(id: string, status: "cancelled" | "failed", error?: unknown): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE sim_jobs SET status = $2, phase = NULL, error = $3, finished_at = now(), updated_at = now() WHERE id = $1 AND status IN ('queued', 'running')`,
      [id, status, error === undefined ? null : JSON.stringify(error)],
    );
    if (r.rowCount === 1 && status === "cancelled") await this.db.query(`SELECT pg_notify($1, $2)`, [SIM_CANCEL_CHANNEL, id]);
    return r.rowCount === 1;
  }

  /** Running jobs whose slices are all done but which nobody merged (the replica that finished last died). */
  async unmerged(): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(`SELECT id FROM sim_jobs WHERE status = 'running' AND slices_total IS NOT NULL AND slices_done = slices_total`);
    return r.rows.map((x) => x.id);
  }

  /** Queued or running jobs nothing has happened to for `seconds`. */
  async stalled(seconds: number): Promise<string[]> {
    const r = await this.db.query<{ id: string }>(
      `SELECT id FROM sim_jobs WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
      [seconds],
    );
    return r.rows.map((x) => x.id);
  }

  async statuses(ids: readonly string[]): Promise<Map<string, SimStatus>> {
    if (!ids.length) return new Map();
    const r = await this.db.query<{ id: string; status: SimStatus }>(`SELECT id, status FROM sim_jobs WHERE id = ANY($1::text[])`, [ids]);
    return new Map(r.rows.map((x) => [x.id, x.status]));
  }

  /** Drops finished jobs beyond the newest `keep` (with their slices). */
  async prune(keep: number): Promise<void> {
    await this.db.query(
      `DELETE FROM sim_jobs WHERE id IN (SELECT id FROM sim_jobs WHERE status IN ('done', 'failed', 'cancelled') ORDER BY finished_at DESC OFFSET $1)`,
      [keep],
    );
  }

  async changedCounts(id: string): Promise<{ idx: number; n: number }[]> {
    const r = await this.db.query<{ idx: number; n: number }>(`SELECT idx, coalesce(changed_count, 0) AS n FROM sim_slices WHERE job_id = $1 ORDER BY idx`, [id]);
    return r.rows;
  }

  async changedOf(id: string, idx: number): Promise<string> {
    const r = await this.db.query<{ changed: string | null }>(`SELECT changed FROM sim_slices WHERE job_id = $1 AND idx = $2`, [id, idx]);
    return r.rows[0]?.changed ?? "";
  }

  // --- request sets -----------------------------------------------------------------------------------------

  async listSets(): Promise<string[]> {
    const r = await this.db.query<{ meta: string }>(`SELECT meta FROM request_sets ORDER BY created_at, id`);
    return r.rows.map((x) => x.meta);
  }

  async getSet(id: string): Promise<string | undefined> {
    const r = await this.db.query<{ meta: string }>(`SELECT meta FROM request_sets WHERE id = $1`, [id]);
    return r.rows[0]?.meta;
  }

  /** Stores a set: its meta and its lines in chunks, in one transaction (a set is there whole or not at all). */
  async putSet(id: string, program: string, meta: string, chunks: AsyncIterable<string>): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(`INSERT INTO request_sets (id, program, meta) VALUES ($1, $2, $3)`, [id, program, meta]);
      let k = 0;
      for await (const lines of chunks) await tx.query(`INSERT INTO request_set_chunks (set_id, k, lines) VALUES ($1, $2, $3)`, [id, k++, lines]);
    });
  }

  async *setChunks(id: string): AsyncGenerator<string> {
    for (let k = 0; ; k += 16) {
      const r = await this.db.query<{ lines: string }>(`SELECT lines FROM request_set_chunks WHERE set_id = $1 AND k >= $2 AND k < $3 ORDER BY k`, [id, k, k + 16]);
      for (const row of r.rows) yield row.lines;
      if (r.rows.length < 16) return;
    }
  }

  async removeSet(id: string): Promise<boolean> {
    const r = await this.db.query(`DELETE FROM request_sets WHERE id = $1`, [id]);
    return r.rowCount === 1;
  }
}
