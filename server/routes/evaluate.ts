/**
 * Evaluation endpoints (role `service`):
 *   POST /v1/programs/:program/versions/:version/evaluate         one request → decision
 *   POST /v1/programs/:program/evaluate                           under the version in force on dateOfService
 *   POST /v1/programs/:program/versions/:version/evaluate-batch   JSON array or NDJSON in, the same out, in order
 * Query: `explain` (default true for one request, false for batches), `decisionDate` (YYYY-MM-DD, fixes today()),
 * `counterfactual` (one request: the nearest requests with another outcome, routes/analysis.ts).
 * Every decision is in the decision log before its bytes leave the server.
 */
import { StringDecoder } from "node:string_decoder";
import { dateOfServiceOf } from "../../engine/program-manifest.js";
import { DRAIN_LIMIT } from "../drain.js";
import { Router, type Request } from "express";
import { requireRole } from "../auth.js";
import {
  NDJSON_TYPES, parseJson, readJson, readRaw, requireContentType, requireObject, tooLarge,
} from "../body.js";
import { AppError, badRequest, errorBody, notFound } from "../errors.js";
import { evaluateOne, keyOf, todayUtc, type EvalOptions, type Evaluated } from "../evaluate.js";
import { refuseWithdrawn } from "../publish-review.js";
import { isAcceptedTwice } from "../store/sql-store.js";
import { isStoreUnavailable } from "../store/unavailable.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import { withCounterfactual } from "./analysis.js";
import { findVersion, isDate, param, queryBool, queryDate, sendJson, unknownProgram, write } from "./common.js";

type BatchItem = { value: unknown } | { error: AppError };
/** What an NDJSON body past the batch limit ends with: where reading stopped. */
interface OverLimit {
  overLimit: { limit: number; line: number; drained: boolean };
}

function evalOptions(s: Services, req: Request, explainByDefault: boolean): Omit<EvalOptions, "startedAt"> {
  const decisionDate = queryDate(req, "decisionDate");
  return {
    explain: queryBool(req, "explain", explainByDefault),
    maxErrors: s.config.maxErrors,
    ...(decisionDate ? { decisionDate } : {}),
  };
}

/** The store could not be asked (duplicate lookups on PostgreSQL): 503, as when the decision cannot be logged. */
async function orUnavailable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (isStoreUnavailable(err)) throw new AppError(503, "store-unavailable", "the store is unavailable; try again shortly", { cause: String(err) });
    throw err;
  }
}

/** How often a decision is made again after another replica accepted the same request key first. */
const RACE_RETRIES = 3;

/** Evaluate, log, answer: the shared tail of both single-request endpoints. */
async function decideAndLog(s: Services, entry: Entry, request: unknown, opts: EvalOptions): Promise<Evaluated> {
  const key = s.store.shared ? keyOf(s.manifests, entry, request) : undefined;
  if (key !== undefined) await orUnavailable(s.accepted.refresh(entry.program, [key]));
  for (let attempt = 0; ; attempt++) {
    const ev = evaluateOne(s.manifests, entry, request, s.accepted, opts);
    try {
      await s.decisions.append([ev.record]);
      return ev;
    } catch (err) {
      if (ev.accepted) s.accepted.remove(entry.program, ev.accepted.key, ev.accepted.ref);
      // Another replica logged an acceptance of this key first: learn it and decide again (now a duplicate).
      if (key !== undefined && isAcceptedTwice(err) && attempt < RACE_RETRIES) {
        await orUnavailable(s.accepted.refresh(entry.program, [key]));
        continue;
      }
      throw new AppError(503, "log-unavailable", "the decision could not be logged, so it is not given", { cause: String(err) });
    }
  }
}

/** Bytes of error detail a batch answer may still carry; past them, a bad item answers its first error only. */
interface ErrorBudget {
  bytes: number;
}

/** A chunk of a batch decided, not yet logged: its answer lines in order and the decisions to log. */
interface Decided {
  lines: string[];
  evaluated: Evaluated[];
}

/** The request keys a chunk's items would be remembered under (replicas look them up before deciding). */
function chunkKeys(s: Services, entry: Entry, chunk: BatchItem[]): string[] {
  if (!s.store.shared) return [];
  return chunk.flatMap((it) => ("value" in it ? [keyOf(s.manifests, entry, it.value)] : [])).filter((k) => k !== undefined);
}

/** Decides every item of a chunk (acceptances go into the duplicate index at once, so later items see them). */
async function decide(
  s: Services, entry: Entry, chunk: BatchItem[], first: number, opts: Omit<EvalOptions, "startedAt">, budget: ErrorBudget,
): Promise<Decided> {
  const lines: string[] = [];
  const evaluated: Evaluated[] = [];
  let index = first;
  let since = performance.now();
  for (const item of chunk) {
    // Let other requests (and /health) in every 20 ms: a chunk of large bad items can take seconds.
    if (performance.now() - since > 20) {
      await new Promise((r) => setImmediate(r));
      since = performance.now();
    }
    if ("error" in item) {
      lines.push(errorLine(index++, item.error, budget));
      continue;
    }
    try {
      const ev = evaluateOne(s.manifests, entry, item.value, s.accepted, { ...opts, startedAt: performance.now() });
      evaluated.push(ev);
      lines.push(JSON.stringify(ev.answer));
    } catch (e) {
      lines.push(errorLine(index, e, budget));
    }
    index++;
  }
  return { lines, evaluated };
}

/** Takes a chunk's acceptances out of the duplicate index again (its decisions were not logged, so never given). */
function undo(s: Services, entry: Entry, d: Decided): void {
  for (const e of d.evaluated) if (e.accepted) s.accepted.remove(entry.program, e.accepted.key, e.accepted.ref);
}

/** One chunk of a batch decided and logged, deciding again after losing a race with a replica; the answer lines. */
async function decideChunk(
  s: Services, entry: Entry, chunk: BatchItem[], first: number, opts: Omit<EvalOptions, "startedAt">, budget: ErrorBudget,
): Promise<string[]> {
  const keys = chunkKeys(s, entry, chunk);
  if (keys.length > 0) await orUnavailable(s.accepted.refresh(entry.program, keys));
  for (let attempt = 0; ; attempt++) {
    const d = await decide(s, entry, chunk, first, opts, budget);
    try {
      await s.decisions.append(d.evaluated.map((e) => e.record));
      return d.lines;
    } catch (err) {
      undo(s, entry, d);
      if (keys.length > 0 && isAcceptedTwice(err) && attempt < RACE_RETRIES) {
        await orUnavailable(s.accepted.refresh(entry.program, keys));
        continue;
      }
      throw logUnavailable(err);
    }
  }
}

const logUnavailable = (err: unknown): AppError =>
  new AppError(503, "log-unavailable", "decisions could not be logged, so they are not given", { cause: String(err) });

/** A chunk whose decisions are being logged while the next one is decided. */
interface InFlight {
  chunk: BatchItem[];
  first: number;
  decided: Decided;
  /** Resolves with the error of the log write, or undefined once the decisions are logged. */
  logged: Promise<unknown>;
}

/**
 * A batch's chunks decided and logged as a pipeline: chunk k+1 is decided while chunk k's decisions are being
 * written (on PostgreSQL that write is the database's work, in another process), and chunk k's answers are sent
 * once they are logged. The log receives the chunks in order, one insert after the other, so it holds the batch
 * in order. If a write fails, neither that chunk nor the one decided behind it was answered: both lose their
 * acceptances and go through decideChunk one after the other (which decides again after a lost race, or 503s).
 */
class BatchPipeline {
  private inFlight: InFlight | undefined;

  constructor(
    private readonly s: Services,
    private readonly entry: Entry,
    private readonly opts: Omit<EvalOptions, "startedAt">,
    private readonly budget: ErrorBudget,
  ) {}

  /** Decides `chunk`; returns the answer lines of the chunk before it, now logged (none for the first chunk). */
  async push(chunk: BatchItem[], first: number): Promise<string[]> {
    const { s, entry } = this;
    const keys = chunkKeys(s, entry, chunk);
    if (keys.length > 0) await orUnavailable(s.accepted.refresh(entry.program, keys));
    const decided = await decide(s, entry, chunk, first, this.opts, this.budget);
    const before = this.inFlight;
    this.inFlight = undefined;
    if (before && (await before.logged) !== undefined) {
      undo(s, entry, decided);
      const lines = await this.redo(before);
      this.inFlight = this.start({ chunk, first, decided: await decide(s, entry, chunk, first, this.opts, this.budget) });
      return lines;
    }
    this.inFlight = this.start({ chunk, first, decided });
    return before ? before.decided.lines : [];
  }

  /** The last chunk's answer lines, once logged. */
  async flush(): Promise<string[]> {
    const last = this.inFlight;
    this.inFlight = undefined;
    if (!last) return [];
    return (await last.logged) === undefined ? last.decided.lines : this.redo(last);
  }

  /**
   * The answer stops early (the client left, or a later chunk failed): the chunk in flight is still logged, or,
   * if its write fails, its acceptances come out of the index (its decisions were never given).
   */
  abandon(): void {
    const last = this.inFlight;
    this.inFlight = undefined;
    if (last) void last.logged.then((err) => err !== undefined && undo(this.s, this.entry, last.decided));
  }

  private start(c: Omit<InFlight, "logged">): InFlight {
    const logged = this.s.decisions.append(c.decided.evaluated.map((e) => e.record)).then(() => undefined, (err: unknown) => err ?? new Error("log write failed"));
    return { ...c, logged };
  }

  /** A chunk whose write failed: its acceptances out, then decided and logged again on its own. */
  private redo(c: InFlight): Promise<string[]> {
    undo(this.s, this.entry, c.decided);
    return decideChunk(this.s, this.entry, c.chunk, c.first, this.opts, this.budget);
  }
}

function errorItem(index: number, err: unknown): { error: { code: string; message: string; details: Record<string, unknown> } } {
  const e = err instanceof AppError ? err : new AppError(500, "internal", "internal error");
  return { error: { code: e.code, message: e.message, details: { index, ...(e.details as object | undefined) } } };
}

/**
 * A bad item's answer line. Each carries at most `maxErrors` errors already; once the batch's answers have used
 * `batchErrorBytes` on errors, each further one carries its first error and the count of the rest, so the answer
 * stays within a small multiple of the request however many items are bad.
 */
function errorLine(index: number, err: unknown, budget: ErrorBudget): string {
  const item = errorItem(index, err);
  if (budget.bytes > 0) {
    const text = JSON.stringify(item);
    budget.bytes -= text.length;
    return text;
  }
  const { errors, more, ...rest } = item.error.details as { errors?: unknown[]; more?: number };
  if (Array.isArray(errors) && errors.length > 0) {
    item.error.details = { ...rest, errors: errors.slice(0, 1), more: errors.length - 1 + (more ?? 0) };
  }
  return JSON.stringify(item);
}

/**
 * NDJSON request body → chunks of parsed lines, reading as it arrives (bad lines become error items). Past the
 * limit, the complete lines within it are still answered, the rest of the upload is read away (up to a bound, so
 * that the client finishes sending and reads the answer), and the last item says where reading stopped.
 */
async function* ndjsonChunks(req: Request, limit: number, size: number): AsyncGenerator<BatchItem[] | OverLimit> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  const decoder = new StringDecoder("utf8");
  let rest = "";
  let total = 0;
  let lineNo = 0;
  let chunk: BatchItem[] = [];
  const take = (line: string): void => {
    lineNo++;
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.trim() === "") return;
    try {
      chunk.push({ value: parseJson(text, ` on line ${lineNo}`) });
    } catch (e) {
      chunk.push({ error: e as AppError });
    }
  };
  const stream = req as AsyncIterable<Buffer>;
  const it = stream[Symbol.asyncIterator]();
  for (;;) {
    const { value: data, done } = await it.next();
    if (done) break;
    const over = total + data.length > limit;
    const part = over ? data.subarray(0, limit - total) : data;
    total += part.length;
    const lines = (rest + decoder.write(part)).split("\n");
    rest = lines.pop()!;
    for (const line of lines) take(line);
    if (over) {
      // The line cut by the limit is not answered: the client resends from it.
      if (chunk.length > 0) yield chunk;
      chunk = [];
      // Read the rest away through the same iterator (returning from it would destroy the connection).
      let seen = 0;
      let drained = false;
      const deadline = Date.now() + 10_000;
      while (seen <= DRAIN_LIMIT && Date.now() < deadline) {
        const next = await Promise.race([it.next(), new Promise<"late">((r) => setTimeout(() => r("late"), deadline - Date.now()).unref())]);
        if (next === "late") break;
        if (next.done) {
          drained = true;
          break;
        }
        seen += next.value.length;
      }
      yield { overLimit: { limit, line: lineNo + 1, drained } };
      return;
    }
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  rest += decoder.end();
  if (rest !== "") take(rest);
  if (chunk.length > 0) yield chunk;
}

function* arrayChunks(items: unknown[], size: number): Generator<BatchItem[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size).map((value) => ({ value }));
}

export function evaluateRouter(s: Services): Router {
  const r = Router();
  const service = requireRole(s.auth, "service");

  r.post("/v1/programs/:program/versions/:version/evaluate", service, async (req, res) => {
    const startedAt = performance.now();
    requireContentType(req);
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    refuseWithdrawn(entry);
    const opts = evalOptions(s, req, true);
    const request = await readJson(req, s.config.bodyLimit);
    const ev = await decideAndLog(s, entry, request, { ...opts, startedAt });
    sendJson(res, await withCounterfactual(s, req, entry, request, ev.answer));
  });

  r.post("/v1/programs/:program/evaluate", service, async (req, res) => {
    const startedAt = performance.now();
    requireContentType(req);
    const program = param(req, "program");
    if (!s.registry.hasProgram(program)) {
      if (s.store.shared) await s.registry.sync();
      if (!s.registry.hasProgram(program)) throw unknownProgram(program);
    }
    const opts = evalOptions(s, req, true);
    const request = requireObject(await readJson(req, s.config.bodyLimit));
    // The date of service picks the version; without one (an incomplete request) the decision date does, and
    // the policy then says what is missing.
    // Which field is the date of service is the program manifest's to say.
    const newest = s.registry.versions(program).at(-1);
    const field = (s.manifests.get(program) ?? (newest ? s.manifests.of(newest.compiled) : undefined))?.dateOfService ?? "dateOfService";
    const given = dateOfServiceOf({ dateOfService: field }, request);
    const dos = typeof given === "string" ? given.slice(0, 10) : undefined;
    if (dos !== undefined && !isDate(dos)) {
      throw badRequest("invalid-request", `\`${field}\` must be a date (YYYY-MM-DD)`, {
        errors: [{ path: `/${field.split(".").join("/")}`, message: "must be a date" }],
      });
    }
    const date = dos ?? opts.decisionDate ?? todayUtc();
    const entry = s.registry.resolve(program, date);
    if (!entry) {
      throw notFound("no-version-in-force", `no version of \`${program}\` is in force on ${date}`, { program, date });
    }
    const ev = await decideAndLog(s, entry, request, { ...opts, startedAt });
    res.setHeader("x-precept-version", entry.version);
    sendJson(res, await withCounterfactual(s, req, entry, request, ev.answer));
  });

  r.post("/v1/programs/:program/versions/:version/evaluate-batch", service, async (req, res) => {
    const type = requireContentType(req, NDJSON_TYPES);
    const ndjson = NDJSON_TYPES.includes(type);
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    refuseWithdrawn(entry);
    const opts = evalOptions(s, req, false);
    let chunks: AsyncIterable<BatchItem[] | OverLimit> | Iterable<BatchItem[]>;
    if (ndjson) {
      chunks = ndjsonChunks(req, s.config.batchLimit, 500);
    } else {
      const raw = await readRaw(req, s.config.batchLimit);
      const body = parseJson(raw.toString("utf8"));
      if (!Array.isArray(body)) throw badRequest("invalid-body", "a JSON batch must be an array of requests");
      chunks = arrayChunks(body, 500);
    }
    let started = false;
    let index = 0;
    let first = true;
    const budget: ErrorBudget = { bytes: s.config.batchErrorBytes };
    const pipeline = new BatchPipeline(s, entry, opts, budget);
    const send = async (lines: string[]): Promise<boolean> => {
      if (lines.length === 0) return true;
      if (!started) {
        res.status(200).type(ndjson ? "application/x-ndjson" : "application/json");
        if (!ndjson) res.write("[");
        started = true;
      }
      const text = ndjson ? lines.join("\n") + "\n" : (first ? "" : ",") + lines.join(",");
      first = false;
      return write(res, text);
    };
    try {
      await answerBatch();
    } finally {
      pipeline.abandon();
    }

    async function answerBatch(): Promise<void> {
      for await (const chunk of chunks) {
        if ("overLimit" in chunk) {
          if (!(await send(await pipeline.flush()))) return;
          // NDJSON only. What was answered is logged; this last line says where to resume.
          const { limit, line, drained } = chunk.overLimit;
          const last = errorBody("payload-too-large", `request body is larger than the limit of ${limit} bytes: answered ${index} requests, stopped reading at line ${line}`, {
            limit, index, line,
          });
          if (!res.headersSent) {
            if (!drained) res.setHeader("Connection", "close");
            res.status(200).type("application/x-ndjson");
          }
          res.end(JSON.stringify(last) + "\n");
          if (!drained) res.once("finish", () => req.socket.destroy());
          return;
        }
        const lines = await pipeline.push(chunk, index);
        index += chunk.length;
        if (!(await send(lines))) return; // the client left; what was decided is logged
      }
      if (!(await send(await pipeline.flush()))) return;
      if (!started) res.status(200).type(ndjson ? "application/x-ndjson" : "application/json");
      res.end(ndjson ? "" : started ? "]" : "[]");
    }
  });

  return r;
}
