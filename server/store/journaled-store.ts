/**
 * The embedded store as the server uses it: the SQL store on PGlite, with decision rows going through the journal
 * (journal.ts). `insertDecisions` returns once the rows are in the journal; an ingest loop moves them into the
 * database, everything queued per insert. Every read of the decision log first waits for the rows journaled
 * before it, so a caller always reads what it was answered.
 * Only for the embedded store: with PostgreSQL, replicas read each other's decisions (duplicate claims), so rows
 * must be in the shared database before they are answered.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { DecisionJournal, type Segment } from "./journal.js";
import type { SqlStore } from "./sql-store.js";
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

export class JournaledStore implements Store {
  readonly kind;
  readonly shared = false;
  private queue: Queued[] = [];
  private ingesting: Promise<void> | undefined;
  private appended = 0;
  private stored = 0;
  private waiters: { mark: number; resolve: () => void }[] = [];
  /** The last ingest attempt failed (the database is unwell): stopping does not wait for the backlog. */
  private failing = false;
  private closed = false;

  private constructor(
    private readonly inner: SqlStore,
    private readonly journal: DecisionJournal,
    private readonly log: Logger | undefined,
  ) {
    this.kind = inner.kind;
  }

  /** Opens the journal under `dir`, replays what an earlier process left there, and starts journaling. */
  static async open(inner: SqlStore, dir: string, log?: Logger): Promise<JournaledStore> {
    const { journal, leftovers } = DecisionJournal.open(dir);
    if (leftovers.lines.length > 0 || leftovers.torn > 0) {
      for (let i = 0; i < leftovers.lines.length; i += REPLAY_CHUNK) {
        await inner.insertDecisionTexts(leftovers.lines.slice(i, i + REPLAY_CHUNK), { skipExisting: true });
      }
      log?.warn({ replayed: leftovers.lines.length, torn: leftovers.torn, files: leftovers.files.length }, "decision journal replayed");
    }
    journal.removeFiles(leftovers.files);
    return new JournaledStore(inner, journal, log);
  }

  // ---- decisions: journaled writes, reads after the backlog ----

  async insertDecisions(rows: readonly DecisionRecord[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.closed) throw new Error("the store is closed");
    const texts = rows.map((r) => JSON.stringify(r));
    const seg = this.journal.write(texts);
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

  async queryDecisions(q: DecisionQuery): Promise<DecisionPage> {
    await this.settled();
    return this.inner.queryDecisions(q);
  }

  async getDecision(id: string): Promise<(DecisionRecord & { seq: string }) | undefined> {
    await this.settled();
    return this.inner.getDecision(id);
  }

  async countDecisions(): Promise<number> {
    await this.settled();
    return this.inner.countDecisions();
  }

  async loadAcceptedKeys(): Promise<AcceptedKey[]> {
    await this.settled();
    return this.inner.loadAcceptedKeys();
  }

  async findAcceptedKeys(program: string, keys: readonly string[]): Promise<AcceptedKey[]> {
    await this.settled();
    return this.inner.findAcceptedKeys(program, keys);
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
        delay = 50;
      } catch (err) {
        // The database is unwell: keep the rows (they are in the journal too), wait, try again.
        this.failing = true;
        this.queue.unshift(...batch);
        this.log?.error({ err, backlog: this.backlog, retryMs: delay }, "decision journal: ingest failed; retrying");
        if (this.closed) break;
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
    try {
      await this.inner.insertDecisionTexts(batch.flatMap((q) => q.texts), { skipExisting: false });
      for (const q of batch.splice(0)) this.done(q);
      return;
    } catch {
      await this.inner.ping(); // throws if the database is down
    }
    batch.splice(0, batch.length, ...batch.flatMap((q) => q.texts.map((text) => ({ texts: [text], seg: q.seg }))));
    while (batch.length > 0) {
      const one = batch[0]!;
      try {
        await this.inner.insertDecisionTexts(one.texts, { skipExisting: false });
        this.done(one);
      } catch (err) {
        await this.inner.ping();
        this.reject(one, err);
      }
      batch.shift();
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

  onVersionPublished(cb: (program: string, version: string) => void): Promise<() => Promise<void>> {
    return this.inner.onVersionPublished(cb);
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

  withdrawVersion(program: string, version: string, info: WithdrawInfo): Promise<boolean> {
    return this.inner.withdrawVersion(program, version, info);
  }

  /** Reads the log: after the journaled backlog, like every read. */
  async decisionDates(program: string): Promise<{ version: string; date: string }[]> {
    await this.settled();
    return this.inner.decisionDates(program);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  /** Stores the backlog (unless the database is failing: then the journal keeps it for the next start) and closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    // Wait for the backlog while inserts succeed; stop waiting as soon as one fails.
    while (this.backlog > 0 && !this.failing) await Promise.race([this.settled(), new Promise((r) => setTimeout(r, 100))]);
    this.closed = true;
    const everythingStored = this.backlog === 0;
    this.journal.close(everythingStored);
    if (!everythingStored) this.log?.warn({ backlog: this.backlog }, "decision journal: closing with rows not yet in the database; the next start replays them");
    await this.ingesting?.catch(() => {});
    await this.inner.close();
  }
}
