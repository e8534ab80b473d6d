/**
 * One error type (engine/errors.ts), one table from its codes to HTTP statuses, one error middleware. Every
 * failure the API reports has the shape `{ error: { code, message, details? } }`; codes are stable (clients and tests match on them), messages are
 * lowercase without a final period, and nothing internal (stack, SQL, file paths) ever reaches the client.
 */
import type { ErrorRequestHandler, RequestHandler } from "express";
import { DRAIN_LIMIT, drainRequest } from "./drain.js";
import { isStoreUnavailable } from "./store/unavailable.js";
import { AppError, type ErrorCode } from "../engine/errors.js";

export { AppError, type ErrorCode } from "../engine/errors.js";

/** The one table from error code to HTTP status (the OpenAPI document's error responses are listed per status). */
export const HTTP_STATUS = {
  "bad-json": 400, "bad-request": 400, "invalid-body": 400, "invalid-query": 400, "invalid-parameter": 400,
  "invalid-request": 400, "invalid-name": 400, "too-deep": 400, "forbidden-key": 400, "forbidden-character": 400,
  "non-finite-number": 400, "unknown-parameter": 400, "unknown-outcome": 400, "no-request-set": 400,
  "request-set-program": 400,
  unauthorized: 401,
  forbidden: 403, "loopback-only": 403, "review-required": 403, "same-person": 403,
  "not-found": 404, "unknown-program": 404, "unknown-version": 404, "unknown-decision": 404, "unknown-draft": 404,
  "unknown-request-set": 404, "unknown-simulation": 404, "no-version-in-force": 404, "no-decisions": 404,
  "version-withdrawn": 410,
  "version-exists": 409, "already-withdrawn": 409, "version-unavailable": 409, "review-decided": 409,
  "draft-changed": 409, "shipped-request-set": 409, "simulation-not-done": 409,
  "payload-too-large": 413,
  "unsupported-media-type": 415,
  "policy-invalid": 422, "policy-limit": 422, "policy-unevaluable": 422, "program-mismatch": 422,
  "publish-refused": 422, "test-cases-invalid": 422, "import-failed": 422, "draft-does-not-compile": 422,
  "draft-wrong-program": 422,
  internal: 500, "evaluation-failed": 500, "analysis-failed": 500,
  "store-unavailable": 503, "log-unavailable": 503, "compile-busy": 503, "compile-failed": 503,
  "simulations-busy": 503, "analysis-busy": 503, unreachable: 503,
} as const satisfies Record<ErrorCode, number>;

/** Codes answered with status S. */
export type CodeWith<S extends number> = { [K in ErrorCode]: (typeof HTTP_STATUS)[K] extends S ? K : never }[ErrorCode];

export const statusOf = (e: AppError): number => HTTP_STATUS[e.code];

export const badRequest = (code: CodeWith<400>, message: string, details?: unknown): AppError =>
  new AppError(code, message, details);
export const notFound = (code: CodeWith<404>, message: string, details?: unknown): AppError =>
  new AppError(code, message, details);

/** The body of an error response. */
export function errorBody(code: string, message: string, details?: unknown): object {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Unknown routes: a JSON 404 instead of Express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError("not-found", `no route for ${req.method} ${req.path}`));
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
    status = statusOf(err);
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
