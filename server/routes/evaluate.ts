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
import { Router, type Request } from "express";
import { requireRole } from "../auth.js";
import {
  NDJSON_TYPES, parseJson, readJson, readRaw, requireContentType, requireObject, tooLarge,
} from "../body.js";
import { AppError, badRequest, notFound } from "../errors.js";
import { evaluateOne, keyOf, todayUtc, type EvalOptions, type Evaluated } from "../evaluate.js";
import { isAcceptedTwice } from "../store/sql-store.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import { withCounterfactual } from "./analysis.js";
import { findVersion, isDate, param, queryBool, queryDate, sendJson, unknownProgram, write } from "./common.js";

type BatchItem = { value: unknown } | { error: AppError };

function evalOptions(req: Request, explainByDefault: boolean): Omit<EvalOptions, "startedAt"> {
  const decisionDate = queryDate(req, "decisionDate");
  return { explain: queryBool(req, "explain", explainByDefault), ...(decisionDate ? { decisionDate } : {}) };
}

/** How often a decision is made again after another replica accepted the same request key first. */
const RACE_RETRIES = 3;

/** Evaluate, log, answer: the shared tail of both single-request endpoints. */
async function decideAndLog(s: Services, entry: Entry, request: unknown, opts: EvalOptions): Promise<Evaluated> {
  const key = s.store.shared ? keyOf(entry, request) : undefined;
  if (key !== undefined) await s.accepted.refresh(entry.program, [key]);
  for (let attempt = 0; ; attempt++) {
    const ev = evaluateOne(entry, request, s.accepted, opts);
    try {
      await s.decisions.append([ev.record]);
      return ev;
    } catch (err) {
      if (ev.accepted) s.accepted.remove(entry.program, ev.accepted.key, ev.accepted.ref);
      // Another replica logged an acceptance of this key first: learn it and decide again (now a duplicate).
      if (key !== undefined && isAcceptedTwice(err) && attempt < RACE_RETRIES) {
        await s.accepted.refresh(entry.program, [key]);
        continue;
      }
      throw new AppError(503, "log-unavailable", "the decision could not be logged, so it is not given", { cause: String(err) });
    }
  }
}

/** One chunk of a batch decided and logged; lines are the answers in order. */
async function decideChunk(
  s: Services, entry: Entry, chunk: BatchItem[], first: number, opts: Omit<EvalOptions, "startedAt">,
): Promise<string[]> {
  const keys = s.store.shared ? chunk.flatMap((it) => ("value" in it ? [keyOf(entry, it.value)] : [])).filter((k) => k !== undefined) : [];
  if (keys.length > 0) await s.accepted.refresh(entry.program, keys);
  for (let attempt = 0; ; attempt++) {
    const lines: string[] = [];
    const evaluated: Evaluated[] = [];
    let index = first;
    for (const item of chunk) {
      if ("error" in item) {
        lines.push(JSON.stringify(errorItem(index++, item.error)));
        continue;
      }
      try {
        const ev = evaluateOne(entry, item.value, s.accepted, { ...opts, startedAt: performance.now() });
        evaluated.push(ev);
        lines.push(JSON.stringify(ev.answer));
      } catch (e) {
        lines.push(JSON.stringify(errorItem(index, e)));
      }
      index++;
    }
    try {
      await s.decisions.append(evaluated.map((e) => e.record));
      return lines;
    } catch (err) {
      for (const e of evaluated) if (e.accepted) s.accepted.remove(entry.program, e.accepted.key, e.accepted.ref);
      if (keys.length > 0 && isAcceptedTwice(err) && attempt < RACE_RETRIES) {
        await s.accepted.refresh(entry.program, keys);
        continue;
      }
      throw new AppError(503, "log-unavailable", "decisions could not be logged, so they are not given", { cause: String(err) });
    }
  }
}

function errorItem(index: number, err: unknown): object {
  const e = err instanceof AppError ? err : new AppError(500, "internal", "internal error");
  return { error: { code: e.code, message: e.message, details: { index, ...(e.details as object | undefined) } } };
}

/** NDJSON request body → chunks of parsed lines, reading as it arrives (bad lines become error items). */
async function* ndjsonChunks(req: Request, limit: number, size: number): AsyncGenerator<BatchItem[]> {
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
  for await (const data of req as AsyncIterable<Buffer>) {
    total += data.length;
    if (total > limit) throw tooLarge(limit);
    const lines = (rest + decoder.write(data)).split("\n");
    rest = lines.pop()!;
    for (const line of lines) take(line);
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
    const opts = evalOptions(req, true);
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
    const opts = evalOptions(req, true);
    const request = requireObject(await readJson(req, s.config.bodyLimit));
    // The date of service picks the version; without one (an incomplete request) the decision date does, and
    // the policy then says what is missing.
    const dos = typeof request.dateOfService === "string" ? request.dateOfService.slice(0, 10) : undefined;
    if (dos !== undefined && !isDate(dos)) {
      throw badRequest("invalid-request", "`dateOfService` must be a date (YYYY-MM-DD)", {
        errors: [{ path: "/dateOfService", message: "must be a date" }],
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
    const opts = evalOptions(req, false);
    let chunks: AsyncIterable<BatchItem[]> | Iterable<BatchItem[]>;
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
    for await (const chunk of chunks) {
      const lines = await decideChunk(s, entry, chunk, index, opts);
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
