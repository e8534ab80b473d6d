/** The store contract: published versions and the decision log. One interface, two databases (PGlite, PostgreSQL). */
import type { CompiledPolicy } from "../../dsl/index.js";
import type { Db } from "./db.js";

export interface VersionRecord {
  readonly program: string;
  readonly version: string;
  readonly source: string;
  readonly compiled: CompiledPolicy;
  readonly hash: string;
  readonly effective: string;
  readonly end?: string;
  /** `published`, or `withdrawn` (still readable and explainable, never in force by date). */
  readonly status: string;
  /** `shipped` (loaded from policies/ at start) or `api` (published over HTTP). */
  readonly origin: string;
  readonly publishedAt: string;
  /** Who submitted and who approved it, when, and the change note (versions published over the API since reviews). */
  readonly review?: ReviewInfo;
  /** Set when the version was withdrawn. */
  readonly withdrawn?: WithdrawInfo;
}

/** A person, as far as the server can tell: the fingerprint of the key they used, and the name they gave. */
export interface Person {
  /** `key:<first 12 hex of the key's SHA-256>`, or `loopback` when no keys are configured. */
  readonly id: string;
  readonly name?: string;
}

export interface ReviewInfo {
  readonly reviewId?: string;
  readonly note: string;
  readonly submittedBy: Person;
  readonly submittedAt: string;
  readonly approvedBy: Person;
  readonly approvedAt: string;
  /** Approved by the person who submitted it: allowed only with no keys configured (loopback only). */
  readonly selfApproved: boolean;
  /** Published with an effective date before the day it was approved, confirmed with this many decisions affected. */
  readonly retroactive?: { readonly confirmedDecisions: number };
}

export interface WithdrawInfo {
  readonly at: string;
  readonly by: Person;
  readonly reason: string;
}

/** A draft submitted for review: published when a second person approves it. */
export interface ReviewRecord {
  readonly id: string;
  readonly program: string;
  readonly version: string;
  readonly source: string;
  readonly tests?: readonly unknown[];
  readonly note: string;
  /** The submitter said the effective date may lie in the past. */
  readonly retroactive: boolean;
  readonly status: "pending" | "published" | "rejected";
  readonly submittedBy: Person;
  readonly submittedAt: string;
  readonly decidedBy?: Person;
  readonly decidedAt?: string;
  /** Why it was rejected. */
  readonly reason?: string;
}

export type NewVersion = Omit<VersionRecord, "status" | "publishedAt" | "withdrawn"> & {
  /** Test cases stored with the version, in the same statement. */
  readonly tests?: readonly unknown[];
};

export interface DecisionRecord {
  readonly id: string;
  readonly program: string;
  readonly version: string;
  readonly hash: string;
  readonly request: unknown;
  /**
   * The decision as answered, without the explanation, plus what reproduces it: `decisionDate` (what today() was)
   * and, for policies with duplicate detection, `lookups` (each key duplicateOf asked about → the ref found or null).
   */
  readonly decision: unknown;
  readonly outcome: string;
  /** ISO date-time. */
  readonly decidedAt: string;
  readonly latencyMs: number;
  /** Duplicate-detection key of an accepted request (policies with duplicateOf), opaque, from the engine. */
  readonly dupKey?: string;
  /** The request's own id (`claimId` …), answered by findAccepted for later duplicates. */
  readonly requestRef?: string;
}

/** A version's test cases. Unlike the version, they can be replaced: an author adds cases to a published version. */
export interface TestsRecord {
  readonly program: string;
  readonly version: string;
  readonly cases: readonly unknown[];
  /** `shipped` (policies/<program>/<version>.tests.yaml, refreshed at start) or `api` (saved over HTTP: kept). */
  readonly origin: "shipped" | "api";
  readonly updatedAt: string;
}

/** A draft shared through the server: the editor's draft of one route (`2010.1`, or `2010.1+new` for a new version). */
export interface DraftRecord {
  readonly program: string;
  readonly name: string;
  /** The published version it starts from. */
  readonly base: string;
  readonly source: string;
  /** 1 on creation, +1 on every save: a save names the revision it replaces, so two authors cannot overwrite unseen. */
  readonly revision: number;
  readonly updatedAt: string;
}

export interface DecisionQuery {
  readonly program?: string;
  readonly version?: string;
  readonly outcome?: string;
  /** Inclusive lower bound on decidedAt (ISO date or date-time). */
  readonly from?: string;
  /** Exclusive upper bound on decidedAt; a bare date means the end of that day. */
  readonly to?: string;
  readonly limit: number;
  /** Opaque cursor from a previous page. */
  readonly cursor?: string;
}

export interface DecisionPage {
  readonly items: (DecisionRecord & { readonly seq: string })[];
  readonly nextCursor?: string;
}

export interface AcceptedKey {
  readonly program: string;
  readonly key: string;
  readonly ref: string;
}

export interface Store {
  readonly kind: "pglite" | "postgres";
  /** True when other processes may write the same database (replicas): registry and duplicate index must refresh. */
  readonly shared: boolean;
  /** The database itself, for the services that keep their own tables in it (simulation jobs, the job queue). */
  readonly db: Db;
  listVersions(): Promise<VersionRecord[]>;
  /** Just the keys, hashes and statuses, for a cheap "anything new (or withdrawn)?" poll. */
  listVersionKeys(): Promise<{ program: string; version: string; hash: string; status: string }[]>;
  getVersion(program: string, version: string): Promise<VersionRecord | undefined>;
  /** Inserts unless (program, version) exists; true when this call inserted it. Notifies listeners atomically. */
  insertVersion(v: NewVersion): Promise<boolean>;
  /** The version's test cases, if any were stored. */
  getTests(program: string, version: string): Promise<TestsRecord | undefined>;
  /**
   * Stores a version's test cases. `api` replaces whatever is there; `shipped` only creates or refreshes cases that
   * came from the shipped file, never cases an author saved. True when something was written.
   */
  putTests(program: string, version: string, cases: readonly unknown[], origin: "shipped" | "api"): Promise<boolean>;
  listDrafts(program: string): Promise<Omit<DraftRecord, "source">[]>;
  getDraft(program: string, name: string): Promise<DraftRecord | undefined>;
  /**
   * Saves a draft. With `revision`, only over that revision (or as a new draft when `revision` is 0); answers the
   * new record, or `{ conflict }` with the stored one when someone saved in between. Without, the save wins.
   */
  putDraft(d: { program: string; name: string; base: string; source: string; revision?: number }): Promise<DraftRecord | { conflict: DraftRecord }>;
  deleteDraft(program: string, name: string): Promise<boolean>;
  insertDecisions(rows: readonly DecisionRecord[]): Promise<void>;
  queryDecisions(q: DecisionQuery): Promise<DecisionPage>;
  /** One decision by its public id. */
  getDecision(id: string): Promise<(DecisionRecord & { readonly seq: string }) | undefined>;
  countDecisions(): Promise<number>;
  /** Every accepted duplicate key, to build the in-memory index at start. */
  loadAcceptedKeys(): Promise<AcceptedKey[]>;
  /** The accepted keys among `keys` for one program (replicas: catch claims accepted elsewhere). */
  findAcceptedKeys(program: string, keys: readonly string[]): Promise<AcceptedKey[]>;
  insertReview(r: ReviewRecord): Promise<void>;
  getReview(program: string, id: string): Promise<ReviewRecord | undefined>;
  listReviews(program: string): Promise<ReviewRecord[]>;
  /** Moves a pending review to `published` or `rejected`; false when it was no longer pending (someone else decided). */
  decideReview(program: string, id: string, status: "published" | "rejected", by: Person, reason?: string): Promise<boolean>;
  /**
   * Approves a pending review and inserts its version in one transaction: `decided` when it was no longer pending,
   * `version-exists` when (program, version) was taken meanwhile (the review then stays pending, nothing written).
   */
  publishReview(program: string, id: string, by: Person, v: NewVersion): Promise<"published" | "decided" | "version-exists">;
  /** Marks a published version withdrawn (and notifies listeners); false when it was not published. */
  withdrawVersion(program: string, version: string, info: WithdrawInfo): Promise<boolean>;
  /** For each logged decision of a program: its version and the date that chose the version in force (the request's date of service at this dotted path, else the decision date). */
  decisionDates(program: string, dateOfService: string): Promise<{ version: string; date: string }[]>;
  /**
   * Calls `cb` when any process publishes a version; `onReconnect` when the listening connection came back after
   * being lost (what was published meanwhile was not heard). Returns the unsubscribe function.
   */
  onVersionPublished(cb: (program: string, version: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  /** Closes; gives up on a database that does not answer within `timeoutMs` (the embedded store). */
  close(timeoutMs?: number): Promise<void>;
}
