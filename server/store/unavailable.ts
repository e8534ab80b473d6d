/**
 * "The store cannot answer right now": the database is away (PostgreSQL down or restarting, a connection cut),
 * the embedded store's disk is full or read-only, or its database thread stopped answering. Routes answer these
 * with 503 (the client may retry), never 500.
 */
export class StoreUnavailableError extends Error {
  constructor(message: string, readonly reason?: string) {
    super(message);
    this.name = "StoreUnavailableError";
  }
}

// node-postgres and the OS: the connection could not be made or was lost.
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
// Disk errors of the embedded store's journal and files.
const DISK_CODES = new Set(["ENOSPC", "EROFS", "EDQUOT", "EIO", "EACCES", "EPERM"]);
const LOST = /connection terminated|connection error|terminating connection|timeout exceeded when trying to connect|the database system is (starting up|shutting down|in recovery mode)|is not currently accepting connections|the PGlite worker|Client was closed|Cannot use a pool after calling end/i;

/** True for errors that mean the store is unavailable rather than that the request is wrong or we have a bug. */
export function isStoreUnavailable(err: unknown): boolean {
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== "object") return false;
  const code = typeof e.code === "string" ? e.code : "";
  // SQLSTATE classes 08 (connection exception), 57P (operator intervention: admin shutdown, crash, cannot connect
  // now), 53 (insufficient resources: disk full, out of memory, too many connections).
  if (NETWORK_CODES.has(code) || DISK_CODES.has(code) || /^08|^57P|^53/.test(code)) return true;
  return typeof e.message === "string" && LOST.test(e.message);
}
