/**
 * The one error type of the project: a stable code (clients and tests match on it), a message in words, and
 * details. It knows nothing of HTTP, so the engine (simulation preparation), the server and the editor's client
 * all use it; the server maps codes to statuses in one table (server/errors.ts, typed against ERROR_CODES so that
 * a code without a status does not compile). Browser-safe: no imports.
 */
export const ERROR_CODES = [
  // The request itself (400).
  "bad-json", "bad-request", "invalid-body", "invalid-query", "invalid-parameter", "invalid-request", "invalid-name",
  "too-deep", "forbidden-key", "forbidden-character", "non-finite-number",
  "unknown-parameter", "unknown-outcome", "no-request-set", "request-set-program",
  // Who asks (401, 403).
  "unauthorized", "forbidden", "loopback-only", "review-required", "same-person",
  // What is asked for (404, 410).
  "not-found", "unknown-program", "unknown-version", "unknown-decision", "unknown-draft", "unknown-request-set",
  "unknown-simulation", "no-version-in-force", "no-decisions", "version-withdrawn",
  // Conflicts with what is stored (409).
  "version-exists", "already-withdrawn", "version-unavailable", "review-decided", "draft-changed",
  "shipped-request-set", "simulation-not-done",
  // Size and type of the body (413, 415).
  "payload-too-large", "unsupported-media-type",
  // The policy or data refused on its merits (422).
  "policy-invalid", "policy-limit", "policy-unevaluable", "program-mismatch", "publish-refused", "test-cases-invalid",
  "import-failed", "draft-does-not-compile", "draft-wrong-program",
  // The server's own trouble (500, 503); `unreachable` is the client's: no answer came at all.
  "internal", "evaluation-failed", "store-unavailable", "log-unavailable", "compile-busy", "compile-failed",
  "simulations-busy", "analysis-busy", "analysis-failed", "unreachable",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** The HTTP status it arrived with, on the client (0: no answer). The server takes statuses from its table. */
    readonly status?: number,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export const isErrorCode = (code: unknown): code is ErrorCode => (ERROR_CODES as readonly unknown[]).includes(code);
