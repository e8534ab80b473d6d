/** Structured logs (pino), one child logger per request carrying its request id. */
import { randomUUID } from "node:crypto";
import type { RequestHandler } from "express";
import { pino, type Logger } from "pino";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request id: the caller's `x-request-id` when it is sane, otherwise a fresh UUID. */
      id: string;
      log: Logger;
    }
  }
}

export type { Logger };

export function createLogger(level = "info"): Logger {
  return pino({ level, base: { service: "precept" } });
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Assigns the request id, echoes it in `x-request-id`, and logs one line per finished request. The per-request
 * child logger is made only when a handler asks for `req.log` (most requests never do).
 */
export function requestLogger(logger: Logger): RequestHandler {
  const perRequest = logger.isLevelEnabled("info");
  return (req, res, next) => {
    const given = req.headers["x-request-id"];
    const id = typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
    req.id = id;
    let child: Logger | undefined;
    Object.defineProperty(req, "log", { configurable: true, get: () => (child ??= logger.child({ reqId: id })) });
    res.setHeader("x-request-id", id);
    if (perRequest) {
      const start = performance.now();
      res.once("finish", () => {
        const ms = Math.round((performance.now() - start) * 100) / 100;
        logger.info({ reqId: id, method: req.method, url: req.originalUrl, status: res.statusCode, ms }, "request");
      });
    }
    next();
  };
}
