/**
 * The store, written once in SQL for both databases. Tables:
 *  - versions: one row per published version, primary key (program, version): the database, not the app,
 *    decides which of two concurrent publishes wins (INSERT … ON CONFLICT DO NOTHING; the loser sees 0 rows).
 *    `compiled` is kept as text so its bytes (and therefore its hash) survive the round trip unchanged.
 *  - version_tests: a version's test cases (JSON text), replaceable, unlike the version itself.
 *  - drafts: drafts shared through the server, one per program and name, with a revision against lost updates.
 *  - reviews: drafts submitted for review (source, tests, change note, who and when); approving one publishes it.
 *    versions.review keeps who submitted and approved a version, versions.withdrawn who withdrew it and why (JSON
 *    text; added columns, so older databases gain them on start).
 *  - decisions: the decision log; `seq` orders it and pages it, `id` is the public decision id,
 *    `dup_key` holds the duplicate-detection key of accepted requests (policies with duplicateOf), unique per program.
 *    `request` and `decision` are `json`, not `jsonb`: the log is written on every evaluation and read rarely, and
 *    json only validates where jsonb re-encodes (measured in PGlite: 0.16 against 0.26 ms of CPU a row at batches
 *    of ten); `request->>'field'` works on both, and a jsonb index can still be built on a cast if one is needed.
 */
import type { CompiledPolicy } from "../../dsl/index.js";
import type { Db, Queryable } from "./db.js";
import { SIM_SCHEMA } from "./simulation-store.js";
import type {
  AcceptedKey, DecisionPage, DecisionQuery, DecisionRecord, DraftRecord, NewVersion, Person, ReviewInfo, ReviewRecord, Store,
  TestsRecord, VersionRecord, WithdrawInfo,
} from "./types.js";

export const VERSION_CHANNEL = "precept_versions";
const ACCEPTED_ONCE = "decisions_accepted_once";
// Arbitrary constant: serializes schema creation when several replicas start at once.
const MIGRATION_LOCK = 727_274_001;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS versions (
     program      text        NOT NULL,
     version      text        NOT NULL,
     source       text        NOT NULL,
     compiled     text        NOT NULL,
     hash         text        NOT NULL,
     effective    text        NOT NULL,
     ends         text,
     status       text        NOT NULL DEFAULT 'published',
     origin       text        NOT NULL DEFAULT 'api',
     published_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (program, version))`,
  `CREATE TABLE IF NOT EXISTS version_tests (
     program    text        NOT NULL,
     version    text        NOT NULL,
     cases      text        NOT NULL,
     origin     text        NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (program, version))`,
  `CREATE TABLE IF NOT EXISTS drafts (
     program    text        NOT NULL,
     name       text        NOT NULL,
     base       text        NOT NULL,
     source     text        NOT NULL,
     revision   integer     NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (program, name))`,
  `ALTER TABLE versions ADD COLUMN IF NOT EXISTS review text`,
  `ALTER TABLE versions ADD COLUMN IF NOT EXISTS withdrawn text`,
  `CREATE TABLE IF NOT EXISTS reviews (
     id           text        PRIMARY KEY,
     program      text        NOT NULL,
     version      text        NOT NULL,
     source       text        NOT NULL,
     tests        text,
     note         text        NOT NULL,
     retroactive  boolean     NOT NULL DEFAULT false,
     status       text        NOT NULL DEFAULT 'pending',
     submitted_by text        NOT NULL,
     submitted_at timestamptz NOT NULL DEFAULT now(),
     decided_by   text,
     decided_at   timestamptz,
     reason       text)`,
  `CREATE INDEX IF NOT EXISTS reviews_program ON reviews (program, submitted_at)`,
  `CREATE TABLE IF NOT EXISTS decisions (
     seq         bigserial   PRIMARY KEY,
     id          text        NOT NULL UNIQUE,
     program     text        NOT NULL,
     version     text        NOT NULL,
     hash        text        NOT NULL,
     request     json        NOT NULL,
     decision    json        NOT NULL,
     outcome     text        NOT NULL,
     decided_at  timestamptz NOT NULL,
     latency_ms  real        NOT NULL,
     dup_key     text,
     request_ref text)`,
  `CREATE INDEX IF NOT EXISTS decisions_program_seq ON decisions (program, seq)`,
  `CREATE INDEX IF NOT EXISTS decisions_decided_at ON decisions (decided_at)`,
  // A request key is accepted once per program: two replicas accepting the same claim in the same instant cannot
  // both log it, and the loser evaluates again and finds the winner. A log written before this index existed may
  // hold a key twice; only the first acceptance is ever answered (findAcceptedKeys), so later ones lose the key.
  `UPDATE decisions d SET dup_key = NULL
     WHERE dup_key IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = '${ACCEPTED_ONCE}')
       AND EXISTS (SELECT 1 FROM decisions e WHERE e.program = d.program AND e.dup_key = d.dup_key AND e.seq < d.seq)`,
  `CREATE UNIQUE INDEX IF NOT EXISTS ${ACCEPTED_ONCE} ON decisions (program, dup_key) WHERE dup_key IS NOT NULL`,
  `DROP INDEX IF EXISTS decisions_dup_key`,
  // Simulation jobs, their slices and stored request sets (simulation-store.ts).
  ...SIM_SCHEMA,
];

/** The decision log's columns for COPY, and the DecisionRecord field each is taken from. */
const DECISION_TARGET = "decisions (id, program, version, hash, request, decision, outcome, decided_at, latency_ms, dup_key, request_ref)";
const DECISION_FIELDS = ["id", "program", "version", "hash", "request", "decision", "outcome", "decidedAt", "latencyMs", "dupKey", "requestRef"];

/** True for the error of logging a second acceptance of one request key (another replica accepted it first). */
export function isAcceptedTwice(err: unknown): boolean {
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown } | null;
  return e?.code === "23505" && (e.constraint === ACCEPTED_ONCE || String(e.message).includes(ACCEPTED_ONCE));
}

/** Creates the tables if needed (idempotent, safe when replicas start together). */
export async function migrate(db: Db): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    for (const stmt of SCHEMA) await tx.query(stmt);
  });
}

interface VersionRow {
  program: string;
  version: string;
  source: string;
  compiled: string;
  hash: string;
  effective: string;
  ends: string | null;
  status: string;
  origin: string;
  published_at: Date | string;
  review: string | null;
  withdrawn: string | null;
}

interface ReviewRow {
  id: string;
  program: string;
  version: string;
  source: string;
  tests: string | null;
  note: string;
  retroactive: boolean;
  status: ReviewRecord["status"];
  submitted_by: string;
  submitted_at: Date | string;
  decided_by: string | null;
  decided_at: Date | string | null;
  reason: string | null;
}

const toReview = (r: ReviewRow): ReviewRecord => ({
  id: r.id,
  program: r.program,
  version: r.version,
  source: r.source,
  ...(r.tests ? { tests: JSON.parse(r.tests) as unknown[] } : {}),
  note: r.note,
  retroactive: Boolean(r.retroactive),
  status: r.status,
  submittedBy: JSON.parse(r.submitted_by) as Person,
  submittedAt: iso(r.submitted_at),
  ...(r.decided_by ? { decidedBy: JSON.parse(r.decided_by) as Person } : {}),
  ...(r.decided_at ? { decidedAt: iso(r.decided_at) } : {}),
  ...(r.reason ? { reason: r.reason } : {}),
});
const REVIEW_COLUMNS = "id, program, version, source, tests, note, retroactive, status, submitted_by, submitted_at, decided_by, decided_at, reason";

interface DecisionRow {
  seq: string;
  id: string;
  program: string;
  version: string;
  hash: string;
  request: unknown;
  decision: unknown;
  outcome: string;
  decided_at: Date | string;
  latency_ms: number;
  dup_key: string | null;
  request_ref: string | null;
}

interface DraftRow {
  program: string;
  name: string;
  base: string;
  source: string;
  revision: number;
  updated_at: Date | string;
}

const toDraft = (r: DraftRow): DraftRecord => ({
  program: r.program, name: r.name, base: r.base, source: r.source, revision: Number(r.revision), updatedAt: iso(r.updated_at),
});

const iso = (d: Date | string): string => (d instanceof Date ? d.toISOString() : new Date(d).toISOString());

function toVersion(r: VersionRow): VersionRecord {
  return {
    program: r.program,
    version: r.version,
    source: r.source,
    compiled: JSON.parse(r.compiled) as CompiledPolicy,
    hash: r.hash,
    effective: r.effective,
    ...(r.ends ? { end: r.ends } : {}),
    status: r.status,
    origin: r.origin,
    publishedAt: iso(r.published_at),
    ...(r.review ? { review: JSON.parse(r.review) as ReviewInfo } : {}),
    ...(r.withdrawn ? { withdrawn: JSON.parse(r.withdrawn) as WithdrawInfo } : {}),
  };
}

function toDecision(r: DecisionRow): DecisionRecord & { seq: string } {
  return {
    seq: r.seq,
    id: r.id,
    program: r.program,
    version: r.version,
    hash: r.hash,
    outcome: r.outcome,
    decidedAt: iso(r.decided_at),
    latencyMs: r.latency_ms,
    ...(r.dup_key ? { dupKey: r.dup_key } : {}),
    ...(r.request_ref ? { requestRef: r.request_ref } : {}),
    request: r.request,
    decision: r.decision,
  };
}

const VERSION_COLUMNS = "program, version, source, compiled, hash, effective, ends, status, origin, published_at, review, withdrawn";
// INVARIANT: `seq` is selected as text (int8 arrives as a string from pg, a number from PGlite); ORDER BY must
// name `decisions.seq`, or PostgreSQL sorts by the text alias.
const DECISION_COLUMNS =
  "seq::text AS seq, id, program, version, hash, request, decision, outcome, decided_at, latency_ms, dup_key, request_ref";

export const encodeCursor = (seq: string): string => Buffer.from(`s:${seq}`).toString("base64url");
const MAX_BIGINT = 9223372036854775807n;
/** The seq a cursor names, or undefined when it is not one this server gave (seq is a positive bigint). */
export function decodeCursor(cursor: string): string | undefined {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (!/^s:\d{1,19}$/.test(text)) return undefined;
  const seq = BigInt(text.slice(2));
  return seq >= 1n && seq <= MAX_BIGINT ? seq.toString() : undefined;
}

/** `to` given as a bare date means "up to the end of that day"; after 9999-12-31 there is no bound at all. */
function upperBound(to: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) return to;
  const d = new Date(`${to}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.getUTCFullYear() > 9999 ? undefined : d.toISOString();
}

/** Inserts unless (program, version) exists, with its test cases and the notification, in one statement. */
async function insertVersionOn(db: Queryable, v: NewVersion): Promise<boolean> {
  const r = await db.query(
    `WITH ins AS (
       INSERT INTO versions (program, version, source, compiled, hash, effective, ends, origin, review)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10)
       ON CONFLICT (program, version) DO NOTHING
       RETURNING program, version),
     tests AS (
       INSERT INTO version_tests (program, version, cases, origin)
       SELECT program, version, $9, $8 FROM ins WHERE $9::text IS NOT NULL
       ON CONFLICT (program, version) DO UPDATE SET cases = EXCLUDED.cases, origin = EXCLUDED.origin, updated_at = now())
     SELECT pg_notify('${VERSION_CHANNEL}', json_build_object('program', program, 'version', version)::text) FROM ins`,
    [v.program, v.version, v.source, JSON.stringify(v.compiled), v.hash, v.effective, v.end ?? null, v.origin,
      v.tests ? JSON.stringify(v.tests) : null, v.review ? JSON.stringify(v.review) : null],
  );
  return r.rows.length === 1;
}

export class SqlStore implements Store {
  readonly kind: "pglite" | "postgres";
  readonly shared: boolean;

  constructor(readonly db: Db) {
    this.kind = db.kind;
    this.shared = db.kind === "postgres";
  }

  async listVersions(): Promise<VersionRecord[]> {
    const r = await this.db.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions ORDER BY program, effective, version`);
    return r.rows.map(toVersion);
  }

  async listVersionKeys(): Promise<{ program: string; version: string; hash: string; status: string }[]> {
    const r = await this.db.query<{ program: string; version: string; hash: string; status: string }>(
      "SELECT program, version, hash, status FROM versions",
    );
    return r.rows;
  }

  async getVersion(program: string, version: string): Promise<VersionRecord | undefined> {
    const r = await this.db.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM versions WHERE program = $1 AND version = $2`, [
      program,
      version,
    ]);
    return r.rows[0] ? toVersion(r.rows[0]) : undefined;
  }

  async insertVersion(v: NewVersion): Promise<boolean> {
    return insertVersionOn(this.db, v);
  }

  async publishReview(program: string, id: string, by: Person, v: NewVersion): Promise<"published" | "decided" | "version-exists"> {
    // One transaction: a review is marked published only together with its version, never without it.
    const rollback = new Error("version exists: roll the review back");
    try {
      return await this.db.transaction(async (tx) => {
        const moved = await tx.query(
          `UPDATE reviews SET status = 'published', decided_by = $3, decided_at = now(), reason = NULL
           WHERE program = $1 AND id = $2 AND status = 'pending'`,
          [program, id, JSON.stringify(by)],
        );
        if (moved.rowCount === 0) return "decided";
        if (!(await insertVersionOn(tx, v))) throw rollback;
        return "published";
      });
    } catch (e) {
      if (e === rollback) return "version-exists";
      throw e;
    }
  }

  async insertReview(v: ReviewRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO reviews (id, program, version, source, tests, note, retroactive, status, submitted_by, submitted_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [v.id, v.program, v.version, v.source, v.tests ? JSON.stringify(v.tests) : null, v.note, v.retroactive, v.status,
        JSON.stringify(v.submittedBy), v.submittedAt],
    );
  }

  async getReview(program: string, id: string): Promise<ReviewRecord | undefined> {
    const r = await this.db.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE program = $1 AND id = $2`, [program, id]);
    return r.rows[0] ? toReview(r.rows[0]) : undefined;
  }

  async listReviews(program: string): Promise<ReviewRecord[]> {
    const r = await this.db.query<ReviewRow>(`SELECT ${REVIEW_COLUMNS} FROM reviews WHERE program = $1 ORDER BY submitted_at DESC LIMIT 200`, [program]);
    return r.rows.map(toReview);
  }

  async decideReview(program: string, id: string, status: "published" | "rejected", by: Person, reason?: string): Promise<boolean> {
    // Guarded by the status: of two approvers at once, one moves it.
    const r = await this.db.query(
      `UPDATE reviews SET status = $3, decided_by = $4, decided_at = now(), reason = $5
       WHERE program = $1 AND id = $2 AND status = 'pending'`,
      [program, id, status, JSON.stringify(by), reason ?? null],
    );
    return r.rowCount > 0;
  }

  async withdrawVersion(program: string, version: string, info: WithdrawInfo): Promise<boolean> {
    const r = await this.db.query(
      `WITH up AS (
         UPDATE versions SET status = 'withdrawn', withdrawn = $3
         WHERE program = $1 AND version = $2 AND status = 'published'
         RETURNING program, version)
       SELECT pg_notify('${VERSION_CHANNEL}', json_build_object('program', program, 'version', version, 'withdrawn', true)::text) FROM up`,
      [program, version, JSON.stringify(info)],
    );
    return r.rows.length === 1;
  }

  async decisionDates(program: string, dateOfService: string): Promise<{ version: string; date: string }[]> {
    const r = await this.db.query<{ version: string; date: string }>(
      `SELECT version, left(coalesce(request #>> $2::text[], decision->>'decisionDate', to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')), 10) AS date
       FROM decisions WHERE program = $1`,
      [program, dateOfService.split(".")],
    );
    return r.rows;
  }

  async getTests(program: string, version: string): Promise<TestsRecord | undefined> {
    const r = await this.db.query<{ cases: string; origin: "shipped" | "api"; updated_at: Date | string }>(
      "SELECT cases, origin, updated_at FROM version_tests WHERE program = $1 AND version = $2",
      [program, version],
    );
    const row = r.rows[0];
    return row ? { program, version, cases: JSON.parse(row.cases) as unknown[], origin: row.origin, updatedAt: iso(row.updated_at) } : undefined;
  }

  async putTests(program: string, version: string, cases: readonly unknown[], origin: "shipped" | "api"): Promise<boolean> {
    // Shipped cases refresh only shipped cases, and only when the file changed; saved cases always win.
    const onConflict =
      origin === "api"
        ? "DO UPDATE SET cases = EXCLUDED.cases, origin = 'api', updated_at = now()"
        : "DO UPDATE SET cases = EXCLUDED.cases, updated_at = now() WHERE version_tests.origin = 'shipped' AND version_tests.cases <> EXCLUDED.cases";
    const r = await this.db.query(
      `INSERT INTO version_tests (program, version, cases, origin) VALUES ($1, $2, $3, $4)
       ON CONFLICT (program, version) ${onConflict}`,
      [program, version, JSON.stringify(cases), origin],
    );
    return r.rowCount > 0;
  }

  async listDrafts(program: string): Promise<Omit<DraftRecord, "source">[]> {
    const r = await this.db.query<Omit<DraftRow, "source">>(
      "SELECT program, name, base, revision, updated_at FROM drafts WHERE program = $1 ORDER BY updated_at DESC",
      [program],
    );
    return r.rows.map((d) => ({ program: d.program, name: d.name, base: d.base, revision: Number(d.revision), updatedAt: iso(d.updated_at) }));
  }

  async getDraft(program: string, name: string): Promise<DraftRecord | undefined> {
    const r = await this.db.query<DraftRow>("SELECT program, name, base, source, revision, updated_at FROM drafts WHERE program = $1 AND name = $2", [program, name]);
    return r.rows[0] ? toDraft(r.rows[0]) : undefined;
  }

  async putDraft(d: { program: string; name: string; base: string; source: string; revision?: number }): Promise<DraftRecord | { conflict: DraftRecord }> {
    // One statement: a save over a revision someone else replaced changes nothing and returns no row.
    const guard = d.revision === undefined ? "" : "WHERE drafts.revision = $5";
    const r = await this.db.query<DraftRow>(
      `INSERT INTO drafts (program, name, base, source, revision) VALUES ($1, $2, $3, $4, 1)
       ON CONFLICT (program, name) DO UPDATE SET base = EXCLUDED.base, source = EXCLUDED.source,
         revision = drafts.revision + 1, updated_at = now() ${guard}
       RETURNING program, name, base, source, revision, updated_at`,
      d.revision === undefined ? [d.program, d.name, d.base, d.source] : [d.program, d.name, d.base, d.source, d.revision],
    );
    if (r.rows[0]) return toDraft(r.rows[0]);
    const current = await this.getDraft(d.program, d.name);
    return { conflict: current! };
  }

  async deleteDraft(program: string, name: string): Promise<boolean> {
    const r = await this.db.query("DELETE FROM drafts WHERE program = $1 AND name = $2", [program, name]);
    return r.rowCount > 0;
  }

  insertDecisions(rows: readonly DecisionRecord[], opts: { skipExisting?: boolean } = {}): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    // PostgreSQL: one COPY (measured: 210 instead of 340 ms of backend CPU per 10,000 rows, docs/server.md).
    if (this.db.copy && !opts.skipExisting) return this.db.copy(DECISION_TARGET, DECISION_FIELDS, rows).then(() => undefined);
    return this.insertDecisionTexts(rows.map((r) => JSON.stringify(r)), opts);
  }

  /**
   * Inserts decisions given as the JSON text of each DecisionRecord (the journal's lines, passed on without being
   * parsed again): one `json` parameter whatever the batch size, taken apart by the database. On PGlite this costs
   * about what a COPY does once the COPY text is built from the lines, so the journal keeps it.
   * ORDER BY n: seq follows the order the decisions were made in.
   * `skipExisting`: rows whose id is stored already are skipped (replaying the journal), not an error.
   */
  async insertDecisionTexts(texts: readonly string[], opts: { skipExisting?: boolean } = {}): Promise<void> {
    if (texts.length === 0) return;
    await this.db.query(
      `INSERT INTO decisions (id, program, version, hash, request, decision, outcome, decided_at, latency_ms, dup_key, request_ref)
       SELECT id, program, version, hash, request, decision, outcome, "decidedAt", "latencyMs", "dupKey", "requestRef"
       FROM ROWS FROM (json_to_recordset($1::json) AS (id text, program text, version text, hash text, request json,
              decision json, outcome text, "decidedAt" timestamptz, "latencyMs" real, "dupKey" text, "requestRef" text))
            WITH ORDINALITY AS x(id, program, version, hash, request, decision, outcome, "decidedAt", "latencyMs",
                                 "dupKey", "requestRef", n)
       ORDER BY n${opts.skipExisting ? " ON CONFLICT (id) DO NOTHING" : ""}`,
      [`[${texts.join(",")}]`],
    );
  }

  async getDecision(id: string): Promise<(DecisionRecord & { seq: string }) | undefined> {
    const r = await this.db.query<DecisionRow>(`SELECT ${DECISION_COLUMNS} FROM decisions WHERE id = $1`, [id]);
    return r.rows[0] ? toDecision(r.rows[0]) : undefined;
  }

  async queryDecisions(q: DecisionQuery): Promise<DecisionPage> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(clause.replace("?", `$${params.length}`));
    };
    if (q.program !== undefined) add("program = ?", q.program);
    if (q.version !== undefined) add("version = ?", q.version);
    if (q.outcome !== undefined) add("outcome = ?", q.outcome);
    if (q.from !== undefined) add("decided_at >= ?::timestamptz", q.from);
    const before = q.to === undefined ? undefined : upperBound(q.to);
    if (before !== undefined) add("decided_at < ?::timestamptz", before);
    if (q.cursor !== undefined) {
      const seq = decodeCursor(q.cursor);
      if (seq === undefined) throw new Error("not a decision-log cursor");
      add("seq < ?::bigint", seq);
    }
    params.push(q.limit + 1);
    const sql = `SELECT ${DECISION_COLUMNS} FROM decisions ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
                 ORDER BY decisions.seq DESC LIMIT $${params.length}`;
    const r = await this.db.query<DecisionRow>(sql, params);
    const items = r.rows.slice(0, q.limit).map(toDecision);
    const more = r.rows.length > q.limit;
    return more ? { items, nextCursor: encodeCursor(items[items.length - 1]!.seq) } : { items };
  }

  async countDecisions(): Promise<number> {
    const r = await this.db.query<{ n: number }>("SELECT count(*)::int AS n FROM decisions");
    return r.rows[0]?.n ?? 0;
  }

  async loadAcceptedKeys(): Promise<AcceptedKey[]> {
    const r = await this.db.query<{ program: string; key: string; ref: string }>(
      `SELECT program, dup_key AS key, coalesce(request_ref, id) AS ref FROM decisions
       WHERE dup_key IS NOT NULL ORDER BY seq`,
    );
    return r.rows;
  }

  async findAcceptedKeys(program: string, keys: readonly string[]): Promise<AcceptedKey[]> {
    if (keys.length === 0) return [];
    const r = await this.db.query<{ program: string; key: string; ref: string }>(
      `SELECT DISTINCT ON (dup_key) program, dup_key AS key, coalesce(request_ref, id) AS ref FROM decisions
       WHERE program = $1 AND dup_key = ANY($2::text[]) ORDER BY dup_key, seq`,
      [program, keys],
    );
    return r.rows;
  }

  async onVersionPublished(cb: (program: string, version: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    return this.db.listen(VERSION_CHANNEL, (payload) => {
      try {
        const { program, version } = JSON.parse(payload) as { program: string; version: string };
        cb(program, version);
      } catch {
        /* not ours */
      }
    }, onReconnect);
  }

  async ping(): Promise<void> {
    await this.db.query("SELECT 1");
  }

  /** Embedded only: replace a database thread that stopped answering (no-op elsewhere). */
  async restart(): Promise<void> {
    await this.db.restart?.();
  }

  close(timeoutMs?: number): Promise<void> {
    return this.db.close(timeoutMs);
  }

  /** For tests and tools: run SQL directly. */
  raw(): Queryable {
    return this.db;
  }
}
