/**
 * The store-backed accepted claims behind `duplicateOf(...)` (the engine's AcceptedClaims, engine/duplicates.ts):
 * accepted requests' keys per program → the id of the request accepted first. The engine asks synchronously
 * (EvalContext.findAccepted), so the index lives in memory: loaded from the decision log at start, updated the
 * moment a decision is accepted (before it is even logged, so two identical claims in flight on this process
 * cannot both pass), and — on a shared PostgreSQL store — topped up from the log before each evaluation with
 * exactly the keys about to be asked, so other replicas' claims count. `decideAndLog` is the one retry loop for
 * the race between replicas that the log's unique index settles.
 */
import type { Accepted, AcceptedClaims, AcceptedRef } from "../engine/duplicates.js";
import { isAcceptedTwice } from "./store/sql-store.js";
import type { Store } from "./store/types.js";

/** How often decisions are made again after another replica accepted the same request key first. */
const RACE_RETRIES = 3;

/** The decisions could not be logged (and not for a race that retrying settles): `cause` is the store's error. */
export class LogRefused extends Error {
  constructor(override readonly cause: unknown) {
    super("the decision log refused the decisions");
    this.name = "LogRefused";
  }
}

/** One program's accepted claims, in the shared index. */
export class ProgramClaims implements AcceptedClaims {
  private readonly keys = new Map<string, AcceptedRef>();

  find(key: string): AcceptedRef | undefined {
    return this.keys.get(key);
  }

  add(key: string, ref: AcceptedRef): void {
    if (!this.keys.has(key)) this.keys.set(key, ref);
  }

  /** Undoes `add` when the decision that accepted the key could not be logged. */
  remove(key: string, ref: AcceptedRef): void {
    if (this.keys.get(key) === ref) this.keys.delete(key);
  }
}

export class AcceptedIndex {
  private readonly byProgram = new Map<string, ProgramClaims>();

  constructor(private readonly store: Store) {}

  async load(): Promise<number> {
    const rows = await this.store.loadAcceptedKeys();
    for (const r of rows) this.of(r.program).add(r.key, r.ref);
    return rows.length;
  }

  /** The accepted claims of one program. */
  of(program: string): ProgramClaims {
    let claims = this.byProgram.get(program);
    if (!claims) this.byProgram.set(program, (claims = new ProgramClaims()));
    return claims;
  }

  /** Shared store: fetch the keys we do not know yet from the log (one indexed query for many keys). */
  async refresh(program: string, keys: readonly string[]): Promise<void> {
    if (!this.store.shared) return;
    const claims = this.of(program);
    const unknown = [...new Set(keys)].filter((k) => claims.find(k) === undefined);
    if (unknown.length === 0) return;
    for (const r of await this.store.findAcceptedKeys(program, unknown)) this.of(r.program).add(r.key, r.ref);
  }

  /**
   * Decides (with this index as `findAccepted`) and logs, with `keys` — the keys the requests are
   * about to look up — fetched first on a shared store. When the log refuses an acceptance because another replica
   * logged the same key first, what this attempt accepted is forgotten, the keys fetched again and the decisions
   * made again (now duplicates). A refresh that fails throws the store's error; a log that fails otherwise throws
   * LogRefused.
   */
  async decideAndLog<T>(
    program: string, keys: readonly string[], decide: () => T | Promise<T>, acceptedBy: (t: T) => readonly Accepted[], log: (t: T) => Promise<void>,
  ): Promise<T> {
    const shared = this.store.shared && keys.length > 0;
    if (shared) await this.refresh(program, keys);
    for (let attempt = 0; ; attempt++) {
      const decided = await decide();
      try {
        await log(decided);
        return decided;
      } catch (err) {
        for (const a of acceptedBy(decided)) this.of(program).remove(a.key, a.ref);
        if (shared && isAcceptedTwice(err) && attempt < RACE_RETRIES) {
          await this.refresh(program, keys);
          continue;
        }
        throw new LogRefused(err);
      }
    }
  }
}
