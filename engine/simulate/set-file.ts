/**
 * (Node only) A request set on disk: one NDJSON file (one request per line, in set order) and a meta file beside
 * it, written last, so that a set without its meta does not exist. The meta holds the byte offset of every
 * `step`-th line, which lets workers read slices without scanning the file.
 */
import { createHash, randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";

export const INDEX_STEP = 1000;

export interface SetFileMeta {
  readonly id: string;
  readonly program: string;
  readonly name: string;
  readonly description?: string;
  /** `synthetic` (a shipped generator), `import` (NDJSON, JSON or CSV), `decision-log` (a selection). */
  readonly source: "synthetic" | "import" | "decision-log";
  /** True for sets whose figures are invented (histories not calibrated to a seed's figures). */
  readonly invented?: boolean;
  readonly count: number;
  /** First and last request date (the program profile's date fields). */
  readonly from?: string;
  readonly to?: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly createdAt: string;
  /** Byte offset of line k·step, for k = 0, 1, … (the first is 0). */
  readonly index: { readonly step: number; readonly offsets: readonly number[] };
  /** NDJSON file name, in the same folder as the meta. */
  readonly file: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Writes a set: append lines, then commit (atomic rename) or abort (nothing left behind). */
export class SetWriter {
  private readonly tmp: string;
  private readonly fd: number;
  private readonly hash = createHash("sha256");
  private buffered: string[] = [];
  private bufferedBytes = 0;
  private bytes = 0;
  private offsets: number[] = [];
  count = 0;
  from?: string;
  to?: string;
  private closed = false;

  constructor(private readonly dir: string, private readonly id: string) {
    mkdirSync(dir, { recursive: true });
    this.tmp = join(dir, `.${id}.${randomBytes(4).toString("hex")}.tmp`);
    this.fd = openSync(this.tmp, "w");
  }

  /** One request, already serialized (no newline); `date` widens the set's date range. */
  add(json: string, date?: string): void {
    if (this.count % INDEX_STEP === 0) this.offsets.push(this.bytes + this.bufferedBytes);
    const line = `${json}\n`;
    this.buffered.push(line);
    this.bufferedBytes += Buffer.byteLength(line);
    this.count++;
    if (date) {
      if (!this.from || date < this.from) this.from = date;
      if (!this.to || date > this.to) this.to = date;
    }
    if (this.bufferedBytes > 1 << 20) this.flush();
  }

  private flush(): void {
    if (!this.buffered.length) return;
    const chunk = this.buffered.join("");
    this.hash.update(chunk);
    writeSync(this.fd, chunk);
    this.bytes += this.bufferedBytes;
    this.buffered = [];
    this.bufferedBytes = 0;
  }

  commit(meta: Omit<SetFileMeta, "id" | "count" | "bytes" | "sha256" | "createdAt" | "index" | "file" | "from" | "to"> & { from?: string; to?: string }): SetFileMeta {
    this.flush();
    closeSync(this.fd);
    this.closed = true;
    const file = `${this.id}.ndjson`;
    renameSync(this.tmp, join(this.dir, file));
    const full: SetFileMeta = {
      ...meta,
      id: this.id,
      count: this.count,
      ...(meta.from ?? this.from ? { from: meta.from ?? this.from } : {}),
      ...(meta.to ?? this.to ? { to: meta.to ?? this.to } : {}),
      bytes: this.bytes,
      sha256: this.hash.digest("hex"),
      createdAt: new Date().toISOString(),
      index: { step: INDEX_STEP, offsets: this.offsets },
      file,
    };
    writeMeta(this.dir, full);
    return full;
  }

  abort(): void {
    if (!this.closed) {
      closeSync(this.fd);
      this.closed = true;
    }
    rmSync(this.tmp, { force: true });
  }
}

export function metaPath(dir: string, id: string): string {
  return join(dir, `${id}.meta.json`);
}

export function writeMeta(dir: string, meta: SetFileMeta): void {
  const path = metaPath(dir, meta.id);
  const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(tmp, JSON.stringify(meta));
  renameSync(tmp, path);
}

export function removeSet(dir: string, meta: SetFileMeta): void {
  rmSync(metaPath(dir, meta.id), { force: true });
  rmSync(join(dir, meta.file), { force: true });
}

export function setFilePath(dir: string, meta: SetFileMeta): string {
  return join(dir, meta.file);
}

export function setExists(dir: string, meta: SetFileMeta): boolean {
  return existsSync(join(dir, meta.file));
}

/**
 * Byte ranges of about `linesPerSlice` lines each, from the meta's index: [{ start, end, firstIndex }].
 */
export function slices(meta: SetFileMeta, linesPerSlice: number): { start: number; end: number; firstIndex: number; count: number }[] {
  const { step, offsets } = meta.index;
  const per = Math.max(1, Math.round(linesPerSlice / step));
  const out: { start: number; end: number; firstIndex: number; count: number }[] = [];
  for (let k = 0; k < offsets.length; k += per) {
    const start = offsets[k]!;
    const end = k + per < offsets.length ? offsets[k + per]! : meta.bytes;
    const firstIndex = k * step;
    out.push({ start, end, firstIndex, count: Math.min(meta.count, (k + per) * step) - firstIndex });
  }
  return out;
}
