/**
 * The policy registry: every published version in memory, with its evaluator built once (the engine generates a
 * fast evaluator per compiled policy). Maps only — never plain objects keyed by request input — so a program
 * called `__proto__` is just an unknown program.
 *
 * On a shared PostgreSQL store other replicas publish too: LISTEN/NOTIFY tells us at once, a poll (every
 * `pollMs`) catches anything a lost notification missed, and a miss on lookup asks the store directly, so a version
 * published a millisecond ago on another replica is served here on the first request that names it.
 */
import { createEvaluator, detectsDuplicates, resolveVersion } from "../engine/index.js";
import type { Logger } from "./logging.js";
import type { Store, VersionRecord } from "./store/types.js";

export type Evaluator = ReturnType<typeof createEvaluator>;

export interface Entry extends VersionRecord {
  readonly title: string;
  /** The policy calls `duplicateOf(...)`: decisions may need a duplicate key (found once per version). */
  readonly usesDuplicates: boolean;
  /** Built on first use and kept. */
  readonly evaluator: Evaluator;
}

function makeEntry(rec: VersionRecord): Entry {
  let evaluator: Evaluator | undefined;
  return {
    ...rec,
    title: rec.compiled.title,
    usesDuplicates: detectsDuplicates(rec.compiled),
    get evaluator(): Evaluator {
      evaluator ??= createEvaluator(rec.compiled);
      return evaluator;
    },
  };
}

export interface RegistryOptions {
  pollMs?: number;
  /** How long "not in the store" is remembered for a name, so unknown names cannot hammer the database. */
  negativeTtlMs?: number;
}

export class Registry {
  private readonly programs = new Map<string, Map<string, Entry>>();
  private readonly misses = new Map<string, number>();
  private unlisten?: () => Promise<void>;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<void>;
  /** Bumped on every change (the OpenAPI document is cached per revision). */
  revision = 0;
  loaded = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly opts: RegistryOptions = {},
  ) {}

  /** Loads every stored version and builds the evaluators. */
  async load(): Promise<void> {
    for (const rec of await this.store.listVersions()) this.add(rec);
    for (const entry of this.all()) this.warm(entry);
    this.loaded = true;
  }

  private warm(entry: Entry): void {
    try {
      void entry.evaluator;
    } catch (err) {
      this.log.error({ err, program: entry.program, version: entry.version }, "evaluator could not be built");
    }
  }

  add(rec: VersionRecord): Entry {
    let versions = this.programs.get(rec.program);
    if (!versions) this.programs.set(rec.program, (versions = new Map()));
    const existing = versions.get(rec.version);
    if (existing) return existing; // published versions are immutable
    const entry = makeEntry(rec);
    versions.set(rec.version, entry);
    this.misses.delete(`${rec.program}\u0000${rec.version}`);
    this.revision++;
    return entry;
  }

  /** Takes a stored version's new state (withdrawn): the one change a published version can undergo. */
  replace(rec: VersionRecord): Entry {
    const versions = this.programs.get(rec.program);
    const existing = versions?.get(rec.version);
    if (!versions || !existing) return this.add(rec);
    if (existing.status === rec.status) return existing;
    const entry = makeEntry(rec);
    versions.set(rec.version, entry);
    this.revision++;
    return entry;
  }

  get(program: string, version: string): Entry | undefined {
    return this.programs.get(program)?.get(version);
  }

  hasProgram(program: string): boolean {
    return this.programs.has(program);
  }

  programNames(): string[] {
    return [...this.programs.keys()].sort();
  }

  /** Versions of a program by effective date (then id). */
  versions(program: string): Entry[] {
    const versions = this.programs.get(program);
    if (!versions) return [];
    return [...versions.values()].sort((a, b) => a.effective.localeCompare(b.effective) || a.version.localeCompare(b.version));
  }

  all(): Entry[] {
    return this.programNames().flatMap((p) => this.versions(p));
  }

  /** The version in force on `date` (YYYY-MM-DD); a withdrawn version is never in force. */
  resolve(program: string, date: string): Entry | undefined {
    const versions = this.versions(program).filter((v) => v.status !== "withdrawn");
    const id = resolveVersion(
      versions.map((v) => ({ version: v.version, effective: v.effective, ...(v.end ? { end: v.end } : {}) })),
      date,
    );
    return id === undefined ? undefined : this.get(program, id);
  }

  /**
   * A version by name; on a shared store, a local miss asks the database (then remembers a miss briefly).
   */
  async lookup(program: string, version: string): Promise<Entry | undefined> {
    const local = this.get(program, version);
    if (local || !this.store.shared) return local;
    const key = `${program}\u0000${version}`;
    const missedAt = this.misses.get(key);
    if (missedAt !== undefined && Date.now() - missedAt < (this.opts.negativeTtlMs ?? 500)) return undefined;
    const rec = await this.store.getVersion(program, version);
    if (rec) {
      this.log.info({ program, version }, "version loaded on demand");
      const entry = this.add(rec);
      this.warm(entry);
      return entry;
    }
    if (this.misses.size > 10_000) this.misses.clear();
    this.misses.set(key, Date.now());
    return undefined;
  }

  /** Loads whatever the store has that we do not (another replica's publishes). */
  sync(): Promise<void> {
    this.syncing ??= (async () => {
      try {
        const keys = await this.store.listVersionKeys();
        for (const k of keys) {
          const have = this.get(k.program, k.version);
          // A version withdrawn elsewhere whose notification was lost: read again.
          if (have && have.status !== k.status) await this.reload(k.program, k.version);
          if (have) continue;
          const rec = await this.store.getVersion(k.program, k.version);
          if (rec) {
            this.warm(this.add(rec));
            this.log.info({ program: rec.program, version: rec.version }, "version loaded from store");
          }
        }
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  /** Follows other replicas' publishes (shared store only). */
  async watch(): Promise<void> {
    if (!this.store.shared) return;
    this.unlisten = await this.store.onVersionPublished(
      (program, version) => {
        // A known version notified again was withdrawn on another replica.
        if (this.get(program, version)) return void this.reload(program, version);
        void this.lookupFresh(program, version);
      },
      () => {
        // LISTEN was lost and is back: whatever was published meanwhile was not heard, so look now.
        this.log.warn("version notifications resumed after a lost connection; catching up");
        this.sync().catch((err: unknown) => this.log.warn({ err }, "registry catch-up failed"));
      },
    );
    const pollMs = this.opts.pollMs ?? 2000;
    this.timer = setInterval(() => {
      this.sync().catch((err: unknown) => this.log.warn({ err }, "registry poll failed"));
    }, pollMs);
    this.timer.unref();
  }

  /** Reads a known version again (its status may have changed). */
  async reload(program: string, version: string): Promise<void> {
    try {
      const rec = await this.store.getVersion(program, version);
      if (rec) this.replace(rec);
    } catch (err) {
      this.log.warn({ err, program, version }, "could not reload a version");
    }
  }

  private async lookupFresh(program: string, version: string): Promise<void> {
    this.misses.delete(`${program}\u0000${version}`);
    try {
      await this.lookup(program, version);
    } catch (err) {
      this.log.warn({ err, program, version }, "could not load a published version");
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    if (unlisten) await unlisten().catch(() => {});
  }
}
