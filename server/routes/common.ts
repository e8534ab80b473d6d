/** Small helpers the routes share: looking up versions (404s), query parameters, stream writing. */
import { once } from "node:events";
import type { Request, RequestHandler, Response } from "express";
import { badRequest, notFound } from "../errors.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";

/** Ids in paths (programs, versions, decisions, drafts …) are at most this long; longer ones are 400. */
export const MAX_ID = 200;

/** NUL, other control characters and lone surrogates: no id holds them, and PostgreSQL text cannot hold NUL. */
// eslint-disable-next-line no-control-regex
const BAD_TEXT = /[\u0000-\u001f\u007f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A route parameter as one string; 400 `invalid-parameter` (naming it) when it is over-long or holds NUL. */
export function param(req: Request, name: string, max = MAX_ID): string {
  const v = (req.params as Record<string, unknown>)[name];
  const text = typeof v === "string" ? v : "";
  if (text.length > max) throw badRequest("invalid-parameter", `path parameter \`${name}\` is longer than ${max} characters`, { parameter: name, limit: max });
  if (BAD_TEXT.test(text)) throw badRequest("invalid-parameter", `path parameter \`${name}\` holds a control character or a lone surrogate`, { parameter: name });
  return text;
}

export function queryString(req: Request, name: string, max = MAX_ID): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string") throw badRequest("invalid-query", `query parameter \`${name}\` must be given once`, { parameter: name });
  if (v.length > max) throw badRequest("invalid-query", `query parameter \`${name}\` is longer than ${max} characters`, { parameter: name, limit: max });
  if (BAD_TEXT.test(v)) throw badRequest("invalid-query", `query parameter \`${name}\` holds a control character or a lone surrogate`, { parameter: name });
  return v;
}

/**
 * Refuses, on every route, a query the routes would otherwise misread: a repeated parameter (`?program=a&program=b`
 * arrives as an array) or one spelled with brackets (`?program[]=x` arrives under the name `program[]`, so a
 * route asking for `program` would silently see no filter at all). 400 `invalid-query` naming the parameter.
 */
export const strictQuery: RequestHandler = (req, _res, next) => {
  const q = req.query as Record<string, unknown>;
  for (const key in q) {
    if (/[[\]]/.test(key) || BAD_TEXT.test(key)) {
      return next(badRequest("invalid-query", `query parameter \`${key.replace(BAD_TEXT, "?").slice(0, 40)}\` is not a parameter name (no brackets)`, { parameter: key.slice(0, 40) }));
    }
    if (typeof q[key] !== "string") {
      return next(badRequest("invalid-query", `query parameter \`${key.slice(0, 40)}\` must be given once`, { parameter: key.slice(0, 40) }));
    }
  }
  next();
};

/** 400 for a query parameter the route does not know (a misspelt filter must not answer the unfiltered log). */
export function onlyQuery(req: Request, known: readonly string[]): void {
  for (const key in req.query as Record<string, unknown>) {
    if (!known.includes(key)) {
      throw badRequest("invalid-query", `unknown query parameter \`${key.slice(0, 40)}\` (known: ${known.join(", ")})`, { parameter: key.slice(0, 40), known });
    }
  }
}

export function queryBool(req: Request, name: string, fallback: boolean): boolean {
  const v = queryString(req, name);
  if (v === undefined || v === "") return fallback;
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  throw badRequest("invalid-query", `query parameter \`${name}\` must be true or false`);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A calendar date YYYY-MM-DD from 0001-01-01 (PostgreSQL has no year 0) to 9999-12-31. */
export function isDate(text: string): boolean {
  if (!DATE.test(text) || text.startsWith("0000")) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

export function queryDate(req: Request, name: string): string | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  if (!isDate(v)) throw badRequest("invalid-query", `query parameter \`${name}\` must be a date (YYYY-MM-DD, 0001 to 9999)`, { parameter: name });
  return v;
}

/** A date or an ISO date-time with a zone. */
export function queryInstant(req: Request, name: string): string | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  const ok = isDate(v) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && isDate(v.slice(0, 10)) && !Number.isNaN(Date.parse(v)));
  if (!ok) throw badRequest("invalid-query", `query parameter \`${name}\` must be a date or an ISO date-time with a time zone (years 0001 to 9999)`, { parameter: name });
  return v;
}

/** The version named in the path, or 404 `unknown-program` / `unknown-version`. */
export async function findVersion(s: Services, program: string, version: string): Promise<Entry> {
  const entry = await s.registry.lookup(program, version);
  if (entry) return entry;
  if (!s.registry.hasProgram(program)) throw unknownProgram(program);
  throw notFound("unknown-version", `program \`${program}\` has no version \`${version}\``, {
    program,
    version,
    versions: s.registry.versions(program).map((v) => v.version),
  });
}

export function unknownProgram(program: string) {
  return notFound("unknown-program", `unknown program \`${program}\``, { program });
}

/**
 * Sends a JSON answer on the evaluate path: what `res.json` does, less what this API never uses there (ETag,
 * freshness checks, replacer and spacing settings); Node sets Content-Length. Measured: res.json's stringify and
 * send were ~7% of the main thread's time under load.
 */
export function sendJson(res: Response, value: unknown): void {
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.end(JSON.stringify(value));
}

/** Writes to a streamed response, waiting when the socket is full; false when the client went away. */
export async function write(res: Response, text: string): Promise<boolean> {
  if (res.destroyed || res.writableEnded) return false;
  if (res.write(text)) return true;
  const ac = new AbortController();
  try {
    // Both listeners are removed by the abort, so long streams do not pile up listeners.
    return await Promise.race([
      once(res, "drain", { signal: ac.signal }).then(() => true, () => false),
      once(res, "close", { signal: ac.signal }).then(() => false, () => false),
    ]);
  } finally {
    ac.abort();
  }
}
