/** Reading away the rest of a request body that will not be used (see errors.ts and the batch route). */
import type { Request } from "express";

/**
 * Reads and discards what is left of a request body, at most `maxBytes` and `maxMs`; true when the body was read
 * to its end. A client such as `fetch` only reads an early answer (413) once its upload is done: cutting the
 * connection under it surfaces as a reset, not as the answer.
 */
export function drainRequest(req: Request, maxBytes: number, maxMs = 10_000): Promise<boolean> {
  if (req.complete || req.readableEnded || req.destroyed) return Promise.resolve(req.complete);
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(false);
  return new Promise((resolve) => {
    let seen = 0;
    const finish = (ok: boolean): void => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onFail);
      req.off("close", onClose);
      if (!ok) req.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer): void => {
      seen += chunk.length;
      if (seen > maxBytes) finish(false);
    };
    const onEnd = (): void => finish(true);
    const onFail = (): void => finish(false);
    const onClose = (): void => finish(req.complete);
    const timer = setTimeout(() => finish(false), maxMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onFail);
    req.on("close", onClose);
    req.resume();
  });
}

/** Bytes of an oversized upload read and thrown away so that the client reads its 413 (see drainRequest). */
export const DRAIN_LIMIT = 64 * 1024 * 1024;
