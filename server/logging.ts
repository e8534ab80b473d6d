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

export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "precept" } });
}

const SANE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Assigns the request id, echoes it in `x-request-id`, and logs one line per finished request. */
export function requestLogger(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers["x-request-id"];
    req.id = typeof given === "string" && SANE_ID.test(given) ? given : randomUUID();
    req.log = logger.child({ reqId: req.id });
    res.setHeader("x-request-id", req.id);
    if (logger.isLevelEnabled("info")) {
      const start = process.hrtime.bigint();
      res.once("finish", () => {
        const ms = Number(process.hrtime.bigint() - start) / 1e6;
        req.log.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, "request");
      });
    }
    next();
  };
}
