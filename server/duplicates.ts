/**
 * The index behind `duplicateOf(...)`: accepted requests' keys per program → the id of the request
 * that was accepted first. Which outcome accepts, and the key itself, are the engine's (`acceptedKey`). The engine asks synchronously (EvalContext.findAccepted), so the index lives in memory:
 * loaded from the decision log at start, updated the moment a decision is accepted (before it is even logged, so
 * two identical claims in flight on this process cannot both pass), and — on a shared PostgreSQL store — topped
 * up from the log before each evaluation with exactly the keys about to be asked, so other replicas' claims count.
 */
import type { Store } from "./store/types.js";

export class AcceptedIndex {
  private readonly byProgram = new Map<string, Map<string, string>>();

  constructor(private readonly store: Store) {}

  async load(): Promise<number> {
    const rows = await this.store.loadAcceptedKeys();
    for (const r of rows) this.add(r.program, r.key, r.ref);
    return rows.length;
  }

  /** Records an accepted key; the first acceptance stays the original. */
  add(program: string, key: string, ref: string): void {
    let keys = this.byProgram.get(program);
    if (!keys) this.byProgram.set(program, (keys = new Map()));
    if (!keys.has(key)) keys.set(key, ref);
  }

  /** Undoes `add` when the decision that accepted the key could not be logged. */
  remove(program: string, key: string, ref: string): void {
    const keys = this.byProgram.get(program);
    if (keys?.get(key) === ref) keys.delete(key);
  }

  find(program: string, key: string): string | undefined {
    return this.byProgram.get(program)?.get(key);
  }

  /** A findAccepted function for one program. */
  finder(program: string): (key: string) => string | undefined {
    return (key) => this.byProgram.get(program)?.get(key);
  }

  /** Shared store: fetch the keys we do not know yet from the log (one indexed query for many keys). */
  async refresh(program: string, keys: readonly string[]): Promise<void> {
    if (!this.store.shared) return;
    const unknown = [...new Set(keys)].filter((k) => this.find(program, k) === undefined);
    if (unknown.length === 0) return;
    for (const r of await this.store.findAcceptedKeys(program, unknown)) this.add(r.program, r.key, r.ref);
  }
}
