/**
 * (Node only) Named request sets: the shipped synthetic histories (descriptors under policies/<program>/history,
 * generated on demand into `<dataDir>/request-sets/cache`), imports and decision-log selections (stored under
 * `<dataDir>/request-sets`). Sets are immutable once written.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createReadStream } from "node:fs";
import { cacheKey, materialize, readDescriptors, type HistoryDescriptor } from "./history/index.js";
import { importRequestSet, type ImportOptions, type ImportResult } from "./import.js";
import { requestDate, type ProgramProfile } from "./profile.js";
import { metaPath, removeSet, SetWriter, setExists, writeMeta, type SetFileMeta } from "./set-file.js";

/**
 * Where imported and selected sets live when several processes share them (the server's database): the meta and
 * the lines, in chunks of lines. The catalog's files are then only a cache of it.
 */
export interface SetStore {
  list(): Promise<SetFileMeta[]>;
  /** Stores the set whole (meta and lines) or not at all. */
  put(meta: SetFileMeta, chunks: AsyncIterable<string>): Promise<void>;
  chunks(id: string): AsyncIterable<string>;
  remove(id: string): Promise<boolean>;
}

/** The lines of a set file, `per` lines to a chunk (each line with its newline). */
async function* fileChunks(file: string, per = 1000): AsyncGenerator<string> {
  const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let buf: string[] = [];
  for await (const line of rl) {
    buf.push(`${line}\n`);
    if (buf.length >= per) {
      yield buf.join("");
      buf = [];
    }
  }
  if (buf.length) yield buf.join("");
}

export interface RequestSetSummary {
  readonly id: string;
  readonly program: string;
  readonly name: string;
  readonly count: number;
  readonly from?: string;
  readonly to?: string;
  readonly source: SetFileMeta["source"];
  readonly invented?: boolean;
  readonly description?: string;
  readonly createdAt?: string;
}

export interface OpenSet {
  readonly meta: SetFileMeta;
  /** Folder holding the meta and the NDJSON file. */
  readonly dir: string;
  readonly file: string;
  readonly descriptor?: HistoryDescriptor;
}

const ID = /^[a-z0-9][a-z0-9._-]{0,99}$/;

export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40) || "set";
}

export class RequestSetCatalog {
  readonly dir: string;
  readonly cacheDir: string;
  private descriptors?: HistoryDescriptor[];
  private readonly materializing = new Map<string, Promise<SetFileMeta>>();
  /** With a store: the sets it holds, as of the last refresh(). */
  private known?: Map<string, SetFileMeta>;

  constructor(
    dataDir: string,
    private readonly policiesDir: string,
    private readonly profileOf: (program: string) => ProgramProfile,
    private readonly store?: SetStore,
  ) {
    this.dir = join(dataDir, "request-sets");
    this.cacheDir = join(this.dir, "cache");
  }

  shipped(): HistoryDescriptor[] {
    this.descriptors ??= readDescriptors(this.policiesDir);
    return this.descriptors;
  }

  /** With a store: reads which sets it holds (another replica may have imported or deleted one). */
  async refresh(): Promise<void> {
    if (!this.store) return;
    this.known = new Map((await this.store.list()).map((m) => [m.id, m]));
  }

  private stored(): SetFileMeta[] {
    if (this.store) return [...(this.known?.values() ?? [])];
    if (!existsSync(this.dir)) return [];
    const out: SetFileMeta[] = [];
    for (const f of readdirSync(this.dir)) {
      if (!f.endsWith(".meta.json")) continue;
      try {
        out.push(JSON.parse(readFileSync(join(this.dir, f), "utf8")) as SetFileMeta);
      } catch {
        /* a meta being written: not a set yet */
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  list(program?: string): RequestSetSummary[] {
    const shipped: RequestSetSummary[] = this.shipped().map((d) => ({
      id: d.id,
      program: d.program,
      name: d.title,
      count: d.count,
      from: d.from,
      to: d.to,
      source: "synthetic",
      invented: d.invented,
      ...(d.description ? { description: d.description } : {}),
    }));
    const stored: RequestSetSummary[] = this.stored().map((m) => ({
      id: m.id,
      program: m.program,
      name: m.name,
      count: m.count,
      ...(m.from ? { from: m.from } : {}),
      ...(m.to ? { to: m.to } : {}),
      source: m.source,
      ...(m.description ? { description: m.description } : {}),
      createdAt: m.createdAt,
    }));
    return [...shipped, ...stored].filter((s) => program === undefined || s.program === program);
  }

  describe(id: string): RequestSetSummary | undefined {
    return this.list().find((s) => s.id === id);
  }

  descriptor(id: string): HistoryDescriptor | undefined {
    return this.shipped().find((d) => d.id === id);
  }

  /** True when a shipped set's generated file is in the cache (opening it will not generate). */
  isCached(id: string): boolean {
    const d = this.descriptor(id);
    if (!d) return true;
    const mp = metaPath(this.cacheDir, `${d.id}.${cacheKey(d)}`);
    if (!existsSync(mp)) return false;
    try {
      return setExists(this.cacheDir, JSON.parse(readFileSync(mp, "utf8")) as SetFileMeta);
    } catch {
      return false;
    }
  }

  /** The set's files; a shipped set is generated first if the cache does not have it. */
  async open(id: string, opts: { onProgress?: (f: number) => void; signal?: AbortSignal } = {}): Promise<OpenSet | undefined> {
    const d = this.descriptor(id);
    if (d) {
      let p = this.materializing.get(id);
      if (!p) {
        p = materialize(d, this.cacheDir, this.profileOf(d.program), opts).finally(() => this.materializing.delete(id));
        this.materializing.set(id, p);
      }
      const meta = await p;
      return { meta, dir: this.cacheDir, file: join(this.cacheDir, meta.file), descriptor: d };
    }
    if (!ID.test(id)) return undefined;
    if (this.store) return this.openStored(id);
    const mp = metaPath(this.dir, id);
    if (!existsSync(mp)) return undefined;
    const meta = JSON.parse(readFileSync(mp, "utf8")) as SetFileMeta;
    if (!setExists(this.dir, meta)) return undefined;
    return { meta, dir: this.dir, file: join(this.dir, meta.file) };
  }

  /** A stored set, written to this process's cache from the store when the cache does not have it. */
  private async openStored(id: string): Promise<OpenSet | undefined> {
    if (!this.known?.has(id)) await this.refresh();
    const meta = this.known!.get(id);
    if (!meta) return undefined;
    const mp = metaPath(this.dir, id);
    if (!existsSync(mp) || !setExists(this.dir, meta)) {
      let p = this.materializing.get(id);
      if (!p) {
        p = this.fetchStored(meta).finally(() => this.materializing.delete(id));
        this.materializing.set(id, p);
      }
      await p;
    }
    return { meta, dir: this.dir, file: join(this.dir, meta.file) };
  }

  private async fetchStored(meta: SetFileMeta): Promise<SetFileMeta> {
    const writer = new SetWriter(this.dir, meta.id);
    try {
      for await (const chunk of this.store!.chunks(meta.id)) {
        for (const line of chunk.split("\n")) if (line !== "") writer.add(line);
      }
      const got = writer.commit({ program: meta.program, name: meta.name, source: meta.source });
      if (got.sha256 !== meta.sha256) {
        removeSet(this.dir, got);
        throw new Error(`request set ${meta.id}: the stored lines do not match its sha256`);
      }
      // The meta as stored (its dates, creation time, extras), over the one the writer made.
      writeMeta(this.dir, meta);
      return meta;
    } catch (e) {
      writer.abort();
      throw e;
    }
  }

  /** Puts a set just written to the cache into the store (then it exists for every process). */
  private async share(meta: SetFileMeta): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.put(meta, fileChunks(join(this.dir, meta.file)));
    } catch (e) {
      removeSet(this.dir, meta);
      throw e;
    }
    (this.known ??= new Map()).set(meta.id, meta);
  }

  newId(program: string, name: string): string {
    return `${slug(program)}-${slug(name)}-${randomBytes(3).toString("hex")}`;
  }

  async import(opts: Omit<ImportOptions, "dir" | "id" | "profile">): Promise<ImportResult> {
    const r = await importRequestSet({ ...opts, dir: this.dir, id: this.newId(opts.program, opts.name), profile: this.profileOf(opts.program) });
    if (r.set) await this.share(r.set);
    return r;
  }

  /**
   * A set from the decision log: `pages` gives the log newest first (as the store pages it); the set is written
   * oldest first, the order the requests were decided in (duplicate detection depends on it). Pages are spilled
   * to temporary files, so no more than one page is held.
   */
  async fromDecisionLog(
    program: string,
    name: string,
    pages: AsyncIterable<readonly { request: unknown; decidedAt?: string }[]>,
    extra: Record<string, unknown> = {},
  ): Promise<SetFileMeta | undefined> {
    const tmpDir = join(this.dir, `.log-${randomBytes(4).toString("hex")}`);
    mkdirSync(tmpDir, { recursive: true });
    const profile = this.profileOf(program);
    let writer: SetWriter | undefined;
    try {
      let n = 0;
      for await (const page of pages) {
        const lines = page.map((r) => JSON.stringify(r.request)).reverse();
        if (lines.length) writeFileSync(join(tmpDir, `${String(n++).padStart(8, "0")}.ndjson`), `${lines.join("\n")}\n`);
      }
      if (n === 0) return undefined;
      writer = new SetWriter(this.dir, this.newId(program, name));
      for (let k = n - 1; k >= 0; k--) {
        const rl = createInterface({ input: createReadStream(join(tmpDir, `${String(k).padStart(8, "0")}.ndjson`)), crlfDelay: Infinity });
        for await (const line of rl) {
          if (line === "") continue;
          writer.add(line, requestDate(profile, JSON.parse(line) as unknown));
        }
      }
      const meta = writer.commit({ program, name, source: "decision-log", extra });
      writer = undefined;
      await this.share(meta);
      return meta;
    } finally {
      writer?.abort();
      rmSync(tmpDir, { recursive: true, force: true });
    }
  }

  /** Deletes an imported or selected set (shipped sets cannot be deleted). */
  async remove(id: string): Promise<boolean> {
    if (this.descriptor(id) || !ID.test(id)) return false;
    if (this.store) {
      const gone = await this.store.remove(id);
      const meta = this.known?.get(id);
      this.known?.delete(id);
      if (meta) removeSet(this.dir, meta);
      return gone;
    }
    const mp = metaPath(this.dir, id);
    if (!existsSync(mp)) return false;
    removeSet(this.dir, JSON.parse(readFileSync(mp, "utf8")) as SetFileMeta);
    return true;
  }
}

/** Removes every file of the cache (tests, `precept simulate --regenerate`). */
export function clearCache(catalog: RequestSetCatalog): void {
  rmSync(catalog.cacheDir, { recursive: true, force: true });
}
