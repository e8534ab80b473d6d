/**
 * Request bodies: content-type checks (415), a byte limit (413), JSON parsing (400) and the guard that keeps
 * `__proto__`, `constructor` and `prototype` keys out of anything the server keeps or hands to the engine.
 * We read bodies ourselves instead of using express.json() so that each failure has its own stable code.
 */
import type { Request } from "express";
import { AppError, badRequest } from "./errors.js";

/** The media type of the request without parameters, lowercased (`application/json`), or "" when absent. */
export function mediaType(req: Request): string {
  const ct = req.headers["content-type"];
  if (typeof ct !== "string") return "";
  const semi = ct.indexOf(";");
  return (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
}

export const JSON_TYPES = ["application/json"];
export const NDJSON_TYPES = ["application/x-ndjson", "application/ndjson", "application/jsonl", "application/jsonlines"];

export function isJsonType(type: string): boolean {
  return JSON_TYPES.includes(type) || (type.startsWith("application/") && type.endsWith("+json"));
}

/** Throws 415 unless the request's media type is JSON (or one of `also`). */
export function requireContentType(req: Request, also: readonly string[] = []): string {
  const type = mediaType(req);
  if (isJsonType(type) || also.includes(type)) return type;
  const accepted = ["application/json", ...also];
  throw new AppError("unsupported-media-type", `content type must be ${accepted.join(" or ")}`, {
    received: type || null,
    accepted,
  });
}

export function tooLarge(limit: number): AppError {
  return new AppError("payload-too-large", `request body is larger than the limit of ${limit} bytes`, { limit });
}

/** Reads the whole body, refusing (413) as soon as it passes `limit` bytes; trusts Content-Length to refuse early. */
export function readRaw(req: Request, limit: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  // Plain events rather than `for await`: this runs on every request, and the async iterator costs more.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new AppError("bad-request", "the request body could not be read", { reason: err.message }));
    };
    const onAborted = (): void => onError(new Error("aborted"));
    const cleanup = (): void => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
    };
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
  });
}

const FORBIDDEN = new Set(["__proto__", "constructor", "prototype"]);
/** Deeper than any request, test case or request set; deep enough nesting overflows recursive code downstream. */
export const MAX_DEPTH = 100;

/**
 * Parses JSON text into what both stores can hold exactly, or refuses it with 400 and the JSON pointer:
 * `bad-json` (not JSON), `too-deep` (nested deeper than MAX_DEPTH), `forbidden-key` (`__proto__`, `constructor`,
 * `prototype`), `forbidden-character` (NUL or a lone UTF-16 surrogate in a string or key: PostgreSQL text and json
 * cannot hold them, so the log could not store the request that was decided), `non-finite-number` (`1e309` parses
 * to Infinity, which JSON cannot write back: the log would hold `null`).
 */
export function parseJson(text: string, where = ""): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest("bad-json", `request body is not valid JSON${where}`, { reason: (e as Error).message });
  }
  const bad = inspectJson(value);
  if (bad) throw badRequest(bad.code, `${bad.message}${where}`, { path: bad.path });
  return value;
}

export interface Refusal {
  code: "too-deep" | "forbidden-key" | "forbidden-character" | "non-finite-number";
  message: string;
  /** JSON pointer of the offending key or value. */
  path: string;
}

const pointerToken = (key: string | number): string => (typeof key === "number" ? String(key) : key.replace(/~/g, "~0").replace(/\//g, "~1"));

/** A string PostgreSQL cannot store as it is: NUL, or a lone surrogate (JSON text can spell one as `\ud800`). */
const unstorable = (s: string): boolean => s.includes("\0") || !(s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * The first refusal in a parsed JSON value, or undefined. Iterative (an explicit stack, no recursion), so no
 * nesting overflows it, and linear in the value; the path is only built for the node refused.
 */
export function inspectJson(root: unknown): Refusal | undefined {
  // Frames: the value, its parent frame index and its key in the parent (to rebuild the path on a refusal).
  const values: unknown[] = [root];
  const parents: number[] = [-1];
  const keys: (string | number)[] = [""];
  const depths: number[] = [0];
  const pathOf = (frame: number, last?: string | number): string => {
    const parts: (string | number)[] = last === undefined ? [] : [last];
    for (let f = frame; f > 0; f = parents[f]!) parts.push(keys[f]!);
    return parts.reverse().map((k) => `/${pointerToken(k)}`).join("");
  };
  // Frames are never popped (paths need their parents), so `next` walks the array as a queue.
  for (let next = 0; next < values.length; next++) {
    const v = values[next];
    if (typeof v === "string") {
      if (unstorable(v)) return { code: "forbidden-character", message: "NUL and lone surrogate characters are not allowed", path: pathOf(next) };
      continue;
    }
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return { code: "non-finite-number", message: "numbers must be finite (this one is too large for a double)", path: pathOf(next) };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    const depth = depths[next]! + 1;
    if (depth > MAX_DEPTH) return { code: "too-deep", message: `JSON is nested deeper than ${MAX_DEPTH} levels`, path: pathOf(next) };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        values.push(v[i]);
        parents.push(next);
        keys.push(i);
        depths.push(depth);
      }
      continue;
    }
    for (const key of Object.keys(v)) {
      if (FORBIDDEN.has(key)) return { code: "forbidden-key", message: `key \`${key}\` is not allowed`, path: pathOf(next, key) };
      if (unstorable(key)) return { code: "forbidden-character", message: "NUL and lone surrogate characters are not allowed", path: pathOf(next, key) };
      values.push((v as Record<string, unknown>)[key]);
      parents.push(next);
      keys.push(key);
      depths.push(depth);
    }
  }
  return undefined;
}

/** Reads and parses a JSON body (415, 413, 400 as above). */
export async function readJson(req: Request, limit: number): Promise<unknown> {
  requireContentType(req);
  const raw = await readRaw(req, limit);
  if (raw.length === 0) throw badRequest("bad-json", "request body is empty");
  return parseJson(raw.toString("utf8"));
}

/** A plain JSON object (not an array, not null), or 400 `invalid-body`. */
export function requireObject(value: unknown, what = "request body"): Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw badRequest("invalid-body", `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}
