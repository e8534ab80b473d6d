/**
 * The embedded store as the server uses it: the SQL store on PGlite, with decision rows going through the journal
 * (journal.ts). `insertDecisions` returns once the rows are in the journal; an ingest loop moves them into the
 * database, everything queued per insert. Every read of the decision log first waits for the rows journaled
 * before it, so a caller always reads what it was answered.
 * Only for the embedded store: with PostgreSQL, replicas read each other's decisions (duplicate claims), so rows
 * must be in the shared database before they are answered.
 */
import { appendFileSync, statfsSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { DecisionJournal, type Segment } from "./journal.js";
import type { SqlStore } from "./sql-store.js";
import type { Queryable } from "./db.js";
import { StoreUnavailableError } from "./unavailable.js";
import type {
  AcceptedKey, DecisionPage, DecisionQuery, DecisionRecord, DraftRecord, NewVersion, Person, ReviewRecord, Store, TestsRecord,
  VersionRecord, WithdrawInfo,
} from "./types.js";

/** Decisions journaled together, as their JSON texts. */
interface Queued {
  texts: readonly string[];
  seg: Segment;
}

const MAX_ROWS = 2000;
const REPLAY_CHUNK = 2000;
/** Rows journaled and not yet in the database past which new decisions are refused (503), not queued in memory. */
const MAX_BACKLOG = 200_000;
/** While the store is failing, reads and /ready give up after this long (503) instead of waiting for it. */
const FAILING_WAIT_MS = 1000;
/** An insert that has not answered in this long means the database thread is stuck: it is restarted. */
const INSERT_TIMEOUT_MS = 30_000;

export interface JournalOptions {
  /** Below this many free bytes on the data dir's file system, decisions are refused (503) before PGlite hits ENOSPC. */
  minFreeBytes?: number;
  /** An insert unanswered for this long restarts the database thread (default INSERT_TIMEOUT_MS). */
  insertTimeoutMs?: number;
}

/** Resolves with `work`, or rejects with StoreUnavailableError after `ms`. */
function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`${what} did not answer within ${ms} ms`, "timeout")), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * What PostgreSQL refuses in a row's JSON text: `\u0000`, and lone surrogates (JSON.stringify writes a well-formed
 * pair as itself, so in its output an escaped surrogate is always a lone one). An escaped backslash before the `u`
 * (`\\u0000`, an ordinary string) is no escape: the lookbehind counts backslashes in pairs.
 */
const UNSTORABLE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** ENOSPC and the like, as the database reports them (SQLSTATE 53100 disk_full, or the OS error in the message). */
function isDiskError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === "53100" || /ENOSPC|no space left|read-only file system|EROFS|could not (write|extend|create)/i.test(String(e?.message ?? ""));
}

export class JournaledStore implements Store {
  readonly kind;
  get db(): SqlStore["db"] {
    return this.inner.db;
  }
  readonly shared = false;
  private queue: Queued[] = [];
  private ingesting: Promise<void> | undefined;
  private appended = 0;
  private stored = 0;
  private waiters: { mark: number; resolve: () => void }[] = [];
  /** The last ingest attempt failed (the database is unwell): stopping does not wait for the backlog. */
  private failing = false;
  /** The last journal write failed (disk full, read-only): cleared by the next write or probe that succeeds. */
  private writeFailure: Error | undefined;
  /** An insert failed or was restarted: its rows may be in the database already, so the retry skips stored ids. */
  private retrying = false;
  private freeCheckedAt = 0;
  private lowSpace: string | undefined;
  private closed = false;

  private constructor(
    private readonly inner: SqlStore,
    private readonly journal: DecisionJournal,
    private readonly log: Logger | undefined,
    private readonly opts: JournalOptions,
  ) {
    this.kind = inner.kind;
  }

  /** Opens the journal under `dir`, replays what an earlier process left there, and starts journaling. */
  static async open(inner: SqlStore, dir: string, log?: Logger, opts: JournalOptions = {}): Promise<JournaledStore> {
    const { journal, leftovers } = DecisionJournal.open(dir);
    if (leftovers.lines.length > 0 || leftovers.torn > 0) {
      for (let i = 0; i < leftovers.lines.length; i += REPLAY_CHUNK) {
        await inner.insertDecisionTexts(leftovers.lines.slice(i, i + REPLAY_CHUNK), { skipExisting: true });
      }
      log?.warn({ replayed: leftovers.lines.length, torn: leftovers.torn, files: leftovers.files.length }, "decision journal replayed");
    }
    journal.removeFiles(leftovers.files);
    return new JournaledStore(inner, journal, log, opts);
  }

  /** The store cannot take decisions now: why, or undefined. Checks free space at most every 250 ms. */
  private refusal(): string | undefined {
    if (this.backlog >= MAX_BACKLOG) return `${this.backlog} decisions are waiting for the database`;
    const min = this.opts.minFreeBytes ?? 0;
    if (min > 0 && Date.now() - this.freeCheckedAt > 250) {
      this.freeCheckedAt = Date.now();
      try {
        const fs = statfsSync(this.journal.dir);
        const free = fs.bavail * fs.bsize;
        this.lowSpace = free < min ? `only ${free} bytes free on the data dir's file system (at least ${min} wanted)` : undefined;
      } catch {
        this.lowSpace = undefined; // statfs unsupported: rely on the write itself failing
      }
    }
    return this.lowSpace;
  }

  // ---- decisions: journaled writes, reads after the backlog ----

  async insertDecisions(rows: readonly DecisionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.closed) throw new StoreUnavailableError("the store is closed");
    const refused = this.refusal();
    if (refused) throw new StoreUnavailableError(`decisions are not taken: ${refused}`, "disk");
    const texts = rows.map((r) => JSON.stringify(r));
    // The routes refuse such requests (400); this keeps the promise whatever the caller: a row the database would
    // refuse is never journaled, so it is never answered and then parked in rejected.ndjson.
    for (const t of texts) if (UNSTORABLE.test(t)) throw new Error("a decision holds text the database cannot store (NUL or a lone surrogate)");
    let seg: Segment;
    try {
      seg = this.journal.write(texts);
    } catch (err) {
      this.writeFailure = err as Error;
      const untruncated = (err as { untruncated?: unknown }).untruncated;
      if (untruncated) this.log?.error({ untruncated }, "decision journal: a failed write could not be cut back; the next start may replay refused decisions");
      throw new StoreUnavailableError(`the decision journal cannot be written: ${(err as Error).message}`, "disk");
    }
    this.writeFailure = undefined;
    this.appended += texts.length;
    this.queue.push({ texts, seg });
    this.ingesting ??= this.ingest();
  }

  /** Resolves when every row journaled before this call is in the database. */
  settled(): Promise<void> {
    const mark = this.appended;
    if (this.stored >= mark) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ mark, resolve }));
  }

  get backlog(): number {
    return this.appended - this.stored;
  }

  /**
   * A read of the log: after the rows journaled before it are stored. While the database is failing (disk full,
   * stuck) the read answers or gives up (503) within a second or two rather than waiting for it to recover: every
   * second spent waiting for the backlog, the database must answer a ping within a second.
   */
  private async read<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.stored < this.appended) {
      const settled = this.settled().then(() => true);
      for (;;) {
        const done = await Promise.race([settled, new Promise<false>((r) => setTimeout(() => r(false), FAILING_WAIT_MS).unref())]);
        if (done) break;
        if (this.failing) throw new StoreUnavailableError(`${what}: ${this.backlog} decisions are waiting for the database`, "ingest");
        await within(this.inner.ping(), FAILING_WAIT_MS, `${what} (${this.backlog} decisions not yet stored)`);
      }
    }
    return this.failing ? within(fn(), FAILING_WAIT_MS, what) : fn();
  }

  queryDecisions(q: DecisionQuery): Promise<DecisionPage> {
    return this.read("the decision log", () => this.inner.queryDecisions(q));
  }

  getDecision(id: string): Promise<(DecisionRecord & { seq: string }) | undefined> {
    return this.read("the decision log", () => this.inner.getDecision(id));
  }

  countDecisions(): Promise<number> {
    return this.read("the decision log", () => this.inner.countDecisions());
  }

  loadAcceptedKeys(): Promise<AcceptedKey[]> {
    return this.read("the decision log", () => this.inner.loadAcceptedKeys());
  }

  findAcceptedKeys(program: string, keys: readonly string[]): Promise<AcceptedKey[]> {
    return this.read("the decision log", () => this.inner.findAcceptedKeys(program, keys));
  }

  private async ingest(): Promise<void> {
    let delay = 50;
    while (this.queue.length > 0) {
      const batch: Queued[] = [];
      let n = 0;
      while (this.queue.length > 0 && (batch.length === 0 || n + this.queue[0]!.texts.length <= MAX_ROWS)) {
        const q = this.queue.shift()!;
        batch.push(q);
        n += q.texts.length;
      }
      try {
        await this.store(batch);
        this.failing = false;
        this.retrying = false;
        delay = 50;
      } catch (err) {
        // The database is unwell (its disk is full, it is stuck): keep the rows (they are in the journal too),
        // wait, try again; it recovers by itself once the disk has room. A stuck database thread is restarted.
        this.failing = true;
        this.retrying = true;
        this.queue.unshift(...batch);
        this.log?.error({ err, backlog: this.backlog, retryMs: delay }, "decision journal: ingest failed; retrying");
        if (this.closed) break;
        if (err instanceof StoreUnavailableError && err.reason === "timeout") await this.restartDatabase();
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5000);
      }
    }
    this.ingesting = undefined;
  }

  /**
   * One insert for the batch; if it fails while the database answers, row by row, setting aside rows it refuses.
   * Stored rows leave `batch`; if the database stops answering, what is left in it is retried later.
   */
  private async store(batch: Queued[]): Promise<void> {
    const insert = (texts: readonly string[]): Promise<void> =>
      within(this.inner.insertDecisionTexts(texts, { skipExisting: this.retrying }), this.opts.insertTimeoutMs ?? INSERT_TIMEOUT_MS, "the embedded database");
    const ping = (): Promise<void> => within(this.inner.ping(), 2000, "the embedded database");
    try {
      await insert(batch.flatMap((q) => q.texts));
      for (const q of batch.splice(0)) this.done(q);
      return;
    } catch (err) {
      if (err instanceof StoreUnavailableError) throw err;
      await ping(); // throws if the database is down
      // A database that answers but cannot write (its disk is full) is down too: that is no bad row.
      if (isDiskError(err)) throw err;
    }
    batch.splice(0, batch.length, ...batch.flatMap((q) => q.texts.map((text) => ({ texts: [text], seg: q.seg }))));
    while (batch.length > 0) {
      const one = batch[0]!;
      try {
        await insert(one.texts);
        this.done(one);
      } catch (err) {
        if (err instanceof StoreUnavailableError || isDiskError(err)) throw err;
        await ping();
        this.reject(one, err);
      }
      batch.shift();
    }
  }

  /** The database thread stopped answering: start it again (PGlite recovers from its WAL). */
  private async restartDatabase(): Promise<void> {
    this.log?.error("decision journal: the embedded database stopped answering; restarting it");
    try {
      await this.inner.restart();
      this.log?.warn("decision journal: the embedded database was restarted");
    } catch (err) {
      this.log?.error({ err }, "decision journal: the embedded database could not be restarted; trying again later");
    }
  }

  /** A row the database refuses while working: kept in `rejected.ndjson` next to the journal, never dropped. */
  private reject(q: Queued, err: unknown): void {
    appendFileSync(join(this.journal.dir, "rejected.ndjson"), q.texts.join("\n") + "\n");
    this.log?.error({ err, decisions: q.texts.length }, "decision journal: the database refused a decision; kept in rejected.ndjson");
    this.done(q);
  }

  private done(q: Queued): void {
    this.stored += q.texts.length;
    this.journal.ingested(q.seg, q.texts.length);
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.mark <= this.stored) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  // ---- the rest goes straight to the database ----

  listVersions(): Promise<VersionRecord[]> {
    return this.inner.listVersions();
  }

  listVersionKeys(): Promise<{ program: string; version: string; hash: string; status: string }[]> {
    return this.inner.listVersionKeys();
  }

  getVersion(program: string, version: string): Promise<VersionRecord | undefined> {
    return this.inner.getVersion(program, version);
  }

  insertVersion(v: NewVersion): Promise<boolean> {
    return this.inner.insertVersion(v);
  }

  getTests(program: string, version: string): Promise<TestsRecord | undefined> {
    return this.inner.getTests(program, version);
  }

  putTests(program: string, version: string, cases: readonly unknown[], origin: "shipped" | "api"): Promise<boolean> {
    return this.inner.putTests(program, version, cases, origin);
  }

  onVersionPublished(cb: (program: string, version: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
    return this.inner.onVersionPublished(cb, onReconnect);
  }

  listDrafts(program: string): Promise<Omit<DraftRecord, "source">[]> {
    return this.inner.listDrafts(program);
  }

  getDraft(program: string, name: string): Promise<DraftRecord | undefined> {
    return this.inner.getDraft(program, name);
  }

  putDraft(d: { program: string; name: string; base: string; source: string; revision?: number }): Promise<DraftRecord | { conflict: DraftRecord }> {
    return this.inner.putDraft(d);
  }

  deleteDraft(program: string, name: string): Promise<boolean> {
    return this.inner.deleteDraft(program, name);
  }

  insertReview(r: ReviewRecord): Promise<void> {
    return this.inner.insertReview(r);
  }

  getReview(program: string, id: string): Promise<ReviewRecord | undefined> {
    return this.inner.getReview(program, id);
  }

  listReviews(program: string): Promise<ReviewRecord[]> {
    return this.inner.listReviews(program);
  }

  decideReview(program: string, id: string, status: "published" | "rejected", by: Person, reason?: string): Promise<boolean> {
    return this.inner.decideReview(program, id, status, by, reason);
  }

  /** For tests and tools: run SQL directly on the database (past the journal). */
  raw(): Queryable {
    return this.inner.raw();
  }

  publishReview(program: string, id: string, by: Person, v: NewVersion): Promise<"published" | "decided" | "version-exists"> {
    return this.inner.publishReview(program, id, by, v);
  }

  withdrawVersion(program: string, version: string, info: WithdrawInfo): Promise<boolean> {
    return this.inner.withdrawVersion(program, version, info);
  }

  /** Reads the log: after the journaled backlog, like every read. */
  async decisionDates(program: string, dateOfService: string): Promise<{ version: string; date: string }[]> {
    await this.settled();
    return this.inner.decisionDates(program, dateOfService);
  }

  /**
   * Ready to take decisions: the journal can be written (after a failed write, a probe file is written to find
   * out: so the store recovers by itself when space returns, even with no traffic), the disk is not nearly full,
   * the database answers within a second and is storing what it is given.
   */
  async ping(): Promise<void> {
    if (this.writeFailure) {
      const probe = join(this.journal.dir, ".probe");
      try {
        writeFileSync(probe, Buffer.alloc(4096));
        unlinkSync(probe);
        this.writeFailure = undefined;
      } catch (err) {
        try {
          unlinkSync(probe);
        } catch {
          // not there
        }
        throw new StoreUnavailableError(`the decision journal cannot be written: ${(err as Error).message}`, "disk");
      }
    }
    this.freeCheckedAt = 0;
    const refused = this.refusal();
    if (refused) throw new StoreUnavailableError(refused, "disk");
    await within(this.inner.ping(), FAILING_WAIT_MS, "the embedded database");
    if (this.failing) throw new StoreUnavailableError(`the embedded database is not storing decisions (${this.backlog} waiting in the journal)`, "ingest");
  }

  /**
   * Stores the backlog (unless the database is failing: then the journal keeps it for the next start) and closes,
   * within `timeoutMs` whatever the database does.
   */
  async close(timeoutMs = 10_000): Promise<void> {
    if (this.closed) return;
    const deadline = Date.now() + timeoutMs;
    // Wait for the backlog while inserts succeed; stop waiting as soon as one fails, or at the deadline.
    while (this.backlog > 0 && !this.failing && Date.now() < deadline) await Promise.race([this.settled(), new Promise((r) => setTimeout(r, 100))]);
    this.closed = true;
    const everythingStored = this.backlog === 0;
    this.journal.close(everythingStored);
    if (!everythingStored) this.log?.warn({ backlog: this.backlog }, "decision journal: closing with rows not yet in the database; the next start replays them");
    const left = (): number => Math.max(100, deadline - Date.now());
    await within(this.ingesting ?? Promise.resolve(), left(), "the last insert").catch(() => {});
    await this.inner.close(left());
  }
}
