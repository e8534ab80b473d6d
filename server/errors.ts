/**
 * One error type and one error middleware. Every failure the API reports has the shape
 * `{ error: { code, message, details? } }`; codes are stable (clients and tests match on them), messages are
 * lowercase without a final period, and nothing internal (stack, SQL, file paths) ever reaches the client.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { DRAIN_LIMIT, drainRequest } from "./drain.js";
import { isStoreUnavailable } from "./store/unavailable.js";

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const badRequest = (code: string, message: string, details?: unknown): AppError =>
  new AppError(400, code, message, details);
export const notFound = (code: string, message: string, details?: unknown): AppError =>
  new AppError(404, code, message, details);

/** The body of an error response. */
export function errorBody(code: string, message: string, details?: unknown): object {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Unknown routes: a JSON 404 instead of Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(404, "not-found", `no route for ${req.method} ${req.path}`));
};

/**
 * Maps anything thrown to a JSON error. Errors that are not AppErrors are logged with their stack and answered
 * with a bare 500; body-parser style errors (status/type) from Express internals keep their status.
 */
export const errorMiddleware: ErrorRequestHandler = (err: unknown, req, res, next) => {
  if (res.headersSent) {
    // A streamed response already started: the only honest signal left is to cut the connection.
    req.log?.error({ err }, "error after response started");
    res.destroy();
    return;
  }
  let status: number;
  let body: object;
  if (err instanceof AppError) {
    status = err.status;
    body = errorBody(err.code, err.message, err.details);
  } else if (isStoreUnavailable(err)) {
    // The database is away or the disk refuses: the request may be retried, it is not our bug.
    status = 503;
    body = errorBody("store-unavailable", "the store is unavailable; try again shortly");
  } else {
    const e = err as { status?: unknown; statusCode?: unknown; type?: unknown };
    const s = typeof e?.status === "number" ? e.status : typeof e?.statusCode === "number" ? e.statusCode : 500;
    if (s === 413) {
      status = 413;
      body = errorBody("payload-too-large", "request body is larger than the limit");
    } else if (s === 400 && e?.type === "entity.parse.failed") {
      status = 400;
      body = errorBody("bad-json", "request body is not valid JSON");
    } else if (s >= 400 && s < 500) {
      status = s;
      body = errorBody("bad-request", "the request could not be processed");
    } else {
      status = 500;
      body = errorBody("internal", "internal error");
    }
  }
  if (status >= 500) (req.log ?? console).error({ err }, "request failed");
  else req.log?.info({ code: (body as { error: { code: string } }).error.code }, "request rejected");
  if (req.complete || req.method === "GET" || req.method === "HEAD") {
    res.status(status).json(body);
    return;
  }
  // A body we did not read (413, or refused before reading) may still be arriving: read it away, up to a bound,
  // so that the client is done sending and reads this answer. Past the bound, answer and let the connection go.
  void drainRequest(req, DRAIN_LIMIT).then((drained) => {
    if (res.headersSent || res.destroyed) return;
    if (!drained) {
      res.set("Connection", "close");
      // Keep reading (and dropping) for a moment: closing on unread input resets the connection at once.
      res.once("finish", () => {
        req.resume();
        setTimeout(() => req.socket.destroy(), 1000).unref();
      });
    }
    res.status(status).json(body);
  });
  void next;
};
