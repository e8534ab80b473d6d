/** Small helpers the routes share: looking up versions (404s), query parameters, stream writing. */
import { once } from "node:events";
import type { Request, Response } from "express";
import { badRequest, notFound } from "../errors.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";

/** A route parameter or query value as one string (arrays and objects are refused). */
export function param(req: Request, name: string): string {
  const v = (req.params as Record<string, unknown>)[name];
  return typeof v === "string" ? v : "";
}

export function queryString(req: Request, name: string, max = 200): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.length > max) throw badRequest("invalid-query", `query parameter \`${name}\` must be one string`);
  return v;
}

export function queryBool(req: Request, name: string, fallback: boolean): boolean {
  const v = queryString(req, name);
  if (v === undefined || v === "") return fallback;
  if (["true", "1", "yes"].includes(v)) return true;
  if (["false", "0", "no"].includes(v)) return false;
  throw badRequest("invalid-query", `query parameter \`${name}\` must be true or false`);
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export function isDate(text: string): boolean {
  if (!DATE.test(text)) return false;
  const d = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(text);
}

export function queryDate(req: Request, name: string): string | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  if (!isDate(v)) throw badRequest("invalid-query", `query parameter \`${name}\` must be a date (YYYY-MM-DD)`);
  return v;
}

/** A date or an ISO date-time with a zone. */
export function queryInstant(req: Request, name: string): string | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  const ok = isDate(v) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
  if (!ok) throw badRequest("invalid-query", `query parameter \`${name}\` must be a date or an ISO date-time with a time zone`);
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
