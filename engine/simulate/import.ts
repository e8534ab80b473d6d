/**
 * (Node only) Importing a request set from NDJSON, a JSON array or CSV. Every row is checked against the program's
 * request schema; a bad row is reported with its row number (and, for CSV, its line) and then either skipped or
 * fails the whole import, as the caller chooses. Either way nothing is half-imported: rows go to a temporary
 * file that becomes the set only when the import succeeds.
 *
 * CSV: a header row names the fields with dotted paths (`service.category`, `facility.type`); cells are typed by
 * the request schema (numbers, integers, booleans `true`/`false`/`yes`/`no`/`1`/`0`, lists split on `;` or `|`,
 * or a JSON value for a list or object column); an empty cell means the field is absent. Parsing is csv-parse's.
 */
import { createReadStream } from "node:fs";
import { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { parse as parseCsv, type CsvError, type Info } from "csv-parse";
import type { RequestIssue } from "../request.js";
import { requestDate, requestId, type ProgramProfile } from "./profile.js";
import { SetWriter, type SetFileMeta } from "./set-file.js";

export type ImportFormat = "ndjson" | "json" | "csv";

export interface RowError {
  /** 1-based: the line of an NDJSON file, the item of a JSON array, the record of a CSV file (header excluded). */
  readonly row: number;
  /** CSV: the line of the file where the record ends. */
  readonly line?: number;
  readonly id?: string;
  readonly errors: readonly RequestIssue[];
}

export interface ImportOptions {
  readonly program: string;
  readonly name: string;
  readonly description?: string;
  readonly format: ImportFormat;
  /** A file path, or the bytes as they come (an HTTP body). */
  readonly input: string | AsyncIterable<Buffer | string>;
  readonly validate: (request: unknown) => RequestIssue[];
  /** The program's request schema (CSV cells are typed by it). */
  readonly schema: object;
  readonly profile: ProgramProfile;
  /** `fail` (default): any bad row fails the import. `skip`: bad rows are left out and listed. */
  readonly onError?: "skip" | "fail";
  /** How many bad rows are listed (all are counted). */
  readonly maxErrors?: number;
  /** Where the set goes, and its id. */
  readonly dir: string;
  readonly id: string;
  readonly source?: SetFileMeta["source"];
  readonly maxBytes?: number;
}

export interface ImportResult {
  /** The new set; absent when the import failed. */
  readonly set?: SetFileMeta;
  readonly failed: boolean;
  readonly imported: number;
  readonly skipped: number;
  /** Bad rows (up to maxErrors). */
  readonly errors: readonly RowError[];
  /** Total bad rows. */
  readonly badRows: number;
}

export class ImportTooLarge extends Error {}

function inputStream(input: string | AsyncIterable<Buffer | string>): AsyncIterable<Buffer | string> {
  return typeof input === "string" ? createReadStream(input) : input;
}

/** Lines of a byte stream (UTF-8), with their 1-based numbers. */
async function* ndjsonLines(input: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<[string, number]> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let lineNo = 0;
  let total = 0;
  for await (const chunk of input) {
    total += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
    if (total > maxBytes) throw new ImportTooLarge(`the request set is larger than ${maxBytes} bytes`);
    const parts = (rest + (typeof chunk === "string" ? chunk : decoder.write(chunk))).split("\n");
    rest = parts.pop()!;
    for (const p of parts) yield [p.endsWith("\r") ? p.slice(0, -1) : p, ++lineNo];
  }
  rest += decoder.end();
  if (rest !== "") yield [rest.endsWith("\r") ? rest.slice(0, -1) : rest, lineNo + 1];
}

async function readAll(input: AsyncIterable<Buffer | string>, maxBytes: number): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of input) {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    total += b.length;
    if (total > maxBytes) throw new ImportTooLarge(`the request set is larger than ${maxBytes} bytes`);
    parts.push(b);
  }
  return Buffer.concat(parts).toString("utf8");
}

// ---------------------------------------------------------------------------------------------------------------
// CSV cells → typed request fields
// ---------------------------------------------------------------------------------------------------------------

type SchemaNode = { type?: string | string[]; properties?: Record<string, SchemaNode>; items?: SchemaNode };
const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);

function schemaAt(schema: SchemaNode, path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema;
  for (const s of path) {
    if (!node?.properties || !Object.hasOwn(node.properties, s)) return undefined;
    node = node.properties[s];
  }
  return node;
}

function typeOf(node: SchemaNode | undefined): string | undefined {
  const t = node?.type;
  return Array.isArray(t) ? t.find((x) => x !== "null") : t;
}

function castCell(text: string, node: SchemaNode | undefined): unknown {
  const t = typeOf(node);
  const v = text.trim();
  switch (t) {
    case "number":
    case "integer": {
      const n = Number(v);
      return v !== "" && Number.isFinite(n) ? n : text; // left as text: the schema check names the cell
    }
    case "boolean": {
      const l = v.toLowerCase();
      if (["true", "yes", "1", "y"].includes(l)) return true;
      if (["false", "no", "0", "n"].includes(l)) return false;
      return text;
    }
    case "array": {
      if (v.startsWith("[")) {
        try {
          return JSON.parse(v) as unknown;
        } catch {
          return text;
        }
      }
      const items = v.split(/[;|]/).map((x) => x.trim()).filter((x) => x !== "");
      return items.map((x) => castCell(x, node?.items));
    }
    case "object": {
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return text;
      }
    }
    default:
      return text;
  }
}

/** One CSV record (header → cell) as a request; throws on a header that cannot be a field path. */
export function csvRecordToRequest(record: Record<string, string>, schema: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [header, cell] of Object.entries(record)) {
    if (cell === undefined || cell === "") continue;
    const path = header.trim().split(".");
    if (path.some((s) => s === "" || FORBIDDEN.has(s))) throw new Error(`column \`${header}\` is not a field path`);
    let cur = out;
    for (let i = 0; i < path.length - 1; i++) {
      const s = path[i]!;
      const next = cur[s];
      if (next === undefined) cur[s] = {};
      else if (typeof next !== "object" || next === null || Array.isArray(next)) throw new Error(`column \`${header}\` conflicts with column \`${path.slice(0, i + 1).join(".")}\``);
      cur = cur[s] as Record<string, unknown>;
    }
    cur[path[path.length - 1]!] = castCell(cell, schemaAt(schema as SchemaNode, path));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------

type Row = { row: number; line?: number } & ({ value: unknown } | { error: RequestIssue[] });

async function* rowsOf(opts: ImportOptions, maxBytes: number): AsyncGenerator<Row> {
  const input = inputStream(opts.input);
  if (opts.format === "ndjson") {
    for await (const [text, lineNo] of ndjsonLines(input, maxBytes)) {
      if (text.trim() === "") continue;
      try {
        yield { row: lineNo, value: JSON.parse(text) as unknown };
      } catch (e) {
        yield { row: lineNo, error: [{ path: "/", message: `not JSON: ${(e as Error).message}` }] };
      }
    }
    return;
  }
  if (opts.format === "json") {
    const text = await readAll(input, maxBytes);
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (e) {
      yield { row: 0, error: [{ path: "/", message: `not JSON: ${(e as Error).message}` }] };
      return;
    }
    const items = Array.isArray(data) ? data : data && typeof data === "object" && Array.isArray((data as { requests?: unknown }).requests) ? (data as { requests: unknown[] }).requests : undefined;
    if (!items) {
      yield { row: 0, error: [{ path: "/", message: "a JSON request set is an array of requests (or { \"requests\": [...] })" }] };
      return;
    }
    for (let i = 0; i < items.length; i++) yield { row: i + 1, value: items[i] };
    return;
  }
  // CSV: a record csv-parse cannot read (wrong number of cells…) is reported for that record
  // (skip_records_with_error), not for the file. csv-parse counts only the records it returns (`records`), so a
  // record's row is its count plus the records skipped before it; skips are reported as parsing meets them,
  // ahead of the records the stream still buffers, and are yielded in row order.
  const skipped: Row[] = [];
  const skipAt: number[] = []; // `records` at each skip, in parse order
  let total = 0;
  const source = Readable.from(
    (async function* () {
      for await (const chunk of input) {
        total += typeof chunk === "string" ? Buffer.byteLength(chunk) : chunk.length;
        if (total > maxBytes) throw new ImportTooLarge(`the request set is larger than ${maxBytes} bytes`);
        yield chunk;
      }
    })(),
  );
  const parser = source.pipe(
    parseCsv({
      columns: true,
      bom: true,
      info: true,
      trim: false,
      relax_column_count: false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined) => {
        const e = err as (CsvError & { lines?: number; records?: number }) | undefined;
        const good = e?.records ?? 0;
        skipped.push({ row: good + skipAt.length + 1, ...(e?.lines !== undefined ? { line: e.lines } : {}), error: [{ path: "/", message: `CSV: ${e?.message ?? "unreadable record"}` }] });
        skipAt.push(good);
        return undefined;
      },
    }),
  );
  source.on("error", (e) => parser.destroy(e));
  let before = 0; // skips before the current record
  for await (const item of parser as AsyncIterable<{ record: Record<string, string>; info: Info }>) {
    const k = item.info.records;
    while (before < skipAt.length && skipAt[before]! < k) before++;
    const row = k + before;
    while (skipped.length && skipped[0]!.row < row) yield skipped.shift()!;
    try {
      yield { row, line: item.info.lines, value: csvRecordToRequest(item.record, opts.schema) };
    } catch (e) {
      yield { row, line: item.info.lines, error: [{ path: "/", message: (e as Error).message }] };
    }
  }
  while (skipped.length) yield skipped.shift()!;
}

export async function importRequestSet(opts: ImportOptions): Promise<ImportResult> {
  const onError = opts.onError ?? "fail";
  const maxErrors = opts.maxErrors ?? 100;
  const maxBytes = opts.maxBytes ?? 512 * 1024 * 1024;
  const writer = new SetWriter(opts.dir, opts.id);
  const errors: RowError[] = [];
  let bad = 0;
  try {
    for await (const r of rowsOf(opts, maxBytes)) {
      let issues: RequestIssue[];
      let value: unknown;
      if ("error" in r) issues = r.error;
      else {
        value = r.value;
        issues = opts.validate(value);
      }
      if (issues.length) {
        bad++;
        if (errors.length < maxErrors) {
          const id = value !== undefined ? requestId(opts.profile, value) : undefined;
          errors.push({ row: r.row, ...(r.line !== undefined ? { line: r.line } : {}), ...(id ? { id } : {}), errors: issues.slice(0, 10) });
        }
        continue;
      }
      writer.add(JSON.stringify(value), requestDate(opts.profile, value));
    }
  } catch (e) {
    writer.abort();
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("CSV_")) {
      // A CSV error csv-parse cannot skip past (an unclosed quote): the file is unreadable from there on.
      const line = (e as { lines?: number }).lines;
      return { failed: true, imported: 0, skipped: 0, errors: [...errors, { row: 0, ...(line !== undefined ? { line } : {}), errors: [{ path: "/", message: `CSV: ${(e as Error).message}` }] }], badRows: bad + 1 };
    }
    throw e;
  }
  if (bad > 0 && onError === "fail") {
    writer.abort();
    return { failed: true, imported: 0, skipped: 0, errors, badRows: bad };
  }
  if (writer.count === 0) {
    writer.abort();
    return { failed: true, imported: 0, skipped: bad, errors: [...errors, ...(bad === 0 ? [{ row: 0, errors: [{ path: "/", message: "the request set is empty" }] }] : [])], badRows: bad };
  }
  const set = writer.commit({
    program: opts.program,
    name: opts.name,
    ...(opts.description ? { description: opts.description } : {}),
    source: opts.source ?? "import",
    extra: { format: opts.format, skipped: bad },
  });
  return { set, failed: false, imported: set.count, skipped: bad, errors, badRows: bad };
}
