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
import { LogRefused } from "../duplicates.js";
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

/**
 * Decisions that could not be logged are not given (503 `log-unavailable`); when the store could not be asked for
 * the duplicate lookups (PostgreSQL), 503 `store-unavailable`, as when the decision cannot be logged.
 */
async function logged<T>(work: Promise<T>, message: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof LogRefused) throw new AppError("log-unavailable", message, { cause: String(err.cause) });
    if (isStoreUnavailable(err)) throw new AppError("store-unavailable", "the store is unavailable; try again shortly", { cause: String(err) });
    throw err;
  }
}

/** Evaluate, log, answer: the shared tail of both single-request endpoints. */
async function decideAndLog(s: Services, entry: Entry, request: unknown, opts: EvalOptions): Promise<Evaluated> {
  const key = s.store.shared ? keyOf(entry, request) : undefined;
  return logged(s.accepted.decideAndLog(
    entry.program, key === undefined ? [] : [key],
    () => evaluateOne(s.manifests, entry, request, s.accepted, opts),
    (ev) => (ev.accepted ? [ev.accepted] : []),
    (ev) => s.decisions.append([ev.record]),
  ), "the decision could not be logged, so it is not given");
}

/** Bytes of error detail a batch answer may still carry; past them, a bad item answers its first error only. */
interface ErrorBudget {
  bytes: number;
}

/** One chunk of a batch decided and logged; lines are the answers in order. */
async function decideChunk(
  s: Services, entry: Entry, chunk: BatchItem[], first: number, opts: Omit<EvalOptions, "startedAt">, budget: ErrorBudget,
): Promise<string[]> {
  const keys = s.store.shared ? chunk.flatMap((it) => ("value" in it ? [keyOf(entry, it.value)] : [])).filter((k) => k !== undefined) : [];
  const decided = await logged(s.accepted.decideAndLog(entry.program, keys, async () => {
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
  }, (d) => d.evaluated.flatMap((e) => (e.accepted ? [e.accepted] : [])), (d) => s.decisions.append(d.evaluated.map((e) => e.record))), "decisions could not be logged, so they are not given");
  return decided.lines;
}

function errorItem(index: number, err: unknown): { error: { code: string; message: string; details: Record<string, unknown> } } {
  const e = err instanceof AppError ? err : new AppError("internal", "internal error");
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
    for await (const chunk of chunks) {
      if ("overLimit" in chunk) {
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
      const lines = await decideChunk(s, entry, chunk, index, opts, budget);
      index += chunk.length;
      if (!started) {
        res.status(200).type(ndjson ? "application/x-ndjson" : "application/json");
        if (!ndjson) res.write("[");
        started = true;
      }
      const text = ndjson ? lines.join("\n") + "\n" : (first ? "" : ",") + lines.join(",");
      first = false;
      if (!(await write(res, text))) return; // the client left; what was decided is logged
    }
    if (!started) res.status(200).type(ndjson ? "application/x-ndjson" : "application/json");
    res.end(ndjson ? "" : started ? "]" : "[]");
  });

  return r;
}
