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
  throw new AppError(415, "unsupported-media-type", `content type must be ${accepted.join(" or ")}`, {
    received: type || null,
    accepted,
  });
}

export function tooLarge(limit: number): AppError {
  return new AppError(413, "payload-too-large", `request body is larger than the limit of ${limit} bytes`, { limit });
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
      reject(new AppError(400, "bad-request", "the request body could not be read", { reason: err.message }));
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
// Cheap pre-check: only texts that could spell a forbidden key (directly or through a \u escape) get walked.
// `\u0000` is refused too: PostgreSQL text cannot hold it (request ids go to text columns), and the decision log
// must take every request it is given.
const SUSPICIOUS = /__proto__|constructor|prototype|\\u/;

/** Parses JSON text; 400 `bad-json` when it is not JSON, 400 `forbidden-key` when it carries a forbidden key. */
export function parseJson(text: string, where = ""): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw badRequest("bad-json", `request body is not valid JSON${where}`, { reason: (e as Error).message });
  }
  if (SUSPICIOUS.test(text)) {
    const bad = findForbidden(value, "");
    if (bad?.kind === "key") {
      throw badRequest("forbidden-key", `key \`${bad.name}\` is not allowed${where}`, { path: bad.path });
    }
    if (bad) throw badRequest("forbidden-character", `the NUL character is not allowed${where}`, { path: bad.path });
  }
  return value;
}

interface Forbidden {
  kind: "key" | "nul";
  name: string;
  path: string;
}

/** The first forbidden key (or string holding NUL) in `value`, with its JSON pointer. */
export function findForbidden(value: unknown, base: string): Forbidden | undefined {
  if (typeof value === "string") return value.includes("\0") ? { kind: "nul", name: "", path: base } : undefined;
  if (value === null || typeof value !== "object") return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const f = findForbidden(value[i], `${base}/${i}`);
      if (f) return f;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const here = `${base}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    if (FORBIDDEN.has(key)) return { kind: "key", name: key, path: here };
    if (key.includes("\0")) return { kind: "nul", name: key, path: here };
    const f = findForbidden((value as Record<string, unknown>)[key], here);
    if (f) return f;
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
