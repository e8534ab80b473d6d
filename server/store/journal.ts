/**
 * The embedded store's decision journal: append-only NDJSON segment files under `<dataDir>/journal/`.
 *
 * Why: an insert into PGlite costs ~0.4 ms of database time even for one row, plus two thread hops, and under
 * load the response waited ~4 ms for it. A write(2) of the batch to a file costs a few microseconds and gives
 * the same durability PGlite's own files have (the OS page cache; PGlite never fsyncs): it survives the process,
 * not the machine. So a decision is answered once it is in the journal; the journaled store moves it into
 * PGlite behind the responses, many rows per insert, and deletes a segment once all its rows are there.
 * After a crash the segments left over are replayed (inserts skip ids already stored) before the server is ready.
 */
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

/** One segment file; rows are counted so it can be deleted when every one is in the database. */
export interface Segment {
  readonly path: string;
  written: number;
  ingested: number;
  bytes: number;
  fd: number | undefined;
}

export interface Leftovers {
  /** The JSON text of each decision a previous process left behind, oldest first. */
  lines: string[];
  /** Segment files they came from (delete them once the records are stored). */
  files: string[];
  /** Lines that did not parse: a write cut short by a crash, whose decision was therefore never answered. */
  torn: number;
}

const SEGMENT = /^(\d{12})\.ndjson$/;

export class DecisionJournal {
  private current: Segment | undefined;
  private readonly live: Segment[] = [];
  private next: number;

  private constructor(
    readonly dir: string,
    private readonly segmentBytes: number,
    first: number,
  ) {
    this.next = first;
  }

  /** Opens the journal directory; what an earlier process left there comes back as leftovers, to be replayed. */
  static open(dir: string, segmentBytes = 16 * 1024 * 1024): { journal: DecisionJournal; leftovers: Leftovers } {
    mkdirSync(dir, { recursive: true });
    const names = readdirSync(dir).filter((n) => SEGMENT.test(n)).sort();
    const leftovers: Leftovers = { lines: [], files: [], torn: 0 };
    for (const name of names) {
      const path = join(dir, name);
      leftovers.files.push(path);
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (line === "") continue;
        try {
          JSON.parse(line);
          leftovers.lines.push(line);
        } catch {
          leftovers.torn++;
        }
      }
    }
    const last = names.at(-1);
    const first = last ? Number(SEGMENT.exec(last)![1]) + 1 : 1;
    return { journal: new DecisionJournal(dir, segmentBytes, first), leftovers };
  }

  /** Deletes the given segment files (leftovers, once replayed). */
  removeFiles(files: readonly string[]): void {
    for (const f of files) rmSync(f, { force: true });
  }

  /**
   * Appends decisions, each given as its JSON text (one line: JSON.stringify never writes a raw newline), in one
   * write, and returns the segment holding them. Throws if the disk refuses.
   */
  write(texts: readonly string[]): Segment {
    const buf = Buffer.from(texts.join("\n") + "\n", "utf8");
    const seg = this.segmentFor(buf.length);
    let off = 0;
    try {
      while (off < buf.length) off += writeSync(seg.fd!, buf, off, buf.length - off);
    } catch (err) {
      // The caller answers 503 for these rows, so none of them may be replayed: a full disk can take some whole
      // lines of the write and tear the next. Cut the segment back to where this write began (truncating needs no
      // space), then end it, so that nothing later is glued to a torn line.
      if (off > 0) {
        try {
          ftruncateSync(seg.fd!, seg.bytes);
        } catch (cut) {
          this.endCurrent();
          throw Object.assign(err as Error, { untruncated: { path: seg.path, bytes: seg.bytes, error: String(cut) } });
        }
      }
      this.endCurrent();
      throw err;
    }
    seg.bytes += buf.length;
    seg.written += texts.length;
    return seg;
  }

  /** Records that `n` rows of `seg` are in the database; a finished segment that is no longer written is deleted. */
  ingested(seg: Segment, n: number): void {
    seg.ingested += n;
    if (seg !== this.current) this.retire(seg);
  }

  /** Rows written and not yet ingested, over all live segments. */
  get backlog(): number {
    return this.live.reduce((n, s) => n + s.written - s.ingested, 0);
  }

  /**
   * Closes the journal. With `everythingStored`, the segments are deleted (a clean stop leaves an empty
   * directory); otherwise they stay for the next start to replay.
   */
  close(everythingStored: boolean): void {
    for (const seg of this.live.splice(0)) {
      if (seg.fd !== undefined) closeSync(seg.fd);
      seg.fd = undefined;
      if (everythingStored) rmSync(seg.path, { force: true });
    }
    this.current = undefined;
  }

  private segmentFor(bytes: number): Segment {
    const cur = this.current;
    if (cur && (cur.bytes === 0 || cur.bytes + bytes <= this.segmentBytes)) return cur;
    if (cur) this.endCurrent();
    const path = join(this.dir, `${String(this.next++).padStart(12, "0")}.ndjson`);
    const seg: Segment = { path, written: 0, ingested: 0, bytes: 0, fd: openSync(path, "a") };
    this.live.push(seg);
    this.current = seg;
    return seg;
  }

  /** Stops writing to the current segment; it is deleted once its rows are stored. */
  private endCurrent(): void {
    const cur = this.current;
    if (!cur) return;
    this.current = undefined;
    try {
      if (cur.fd !== undefined) closeSync(cur.fd);
    } catch {
      // already closed: nothing more to write there anyway
    }
    cur.fd = undefined;
    this.retire(cur);
  }

  private retire(seg: Segment): void {
    if (seg.ingested < seg.written || seg.fd !== undefined) return;
    const i = this.live.indexOf(seg);
    if (i >= 0) this.live.splice(i, 1);
    if (existsSync(seg.path)) unlinkSync(seg.path);
  }
}
