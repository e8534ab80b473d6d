/**
 * Opens the configured store: PostgreSQL when a connection string is given, otherwise PGlite under the data dir
 * with its decision journal (`<dataDir>/journal`, see journal.ts).
 */
import { mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "pino";
import { openPglite, openPostgres } from "./db.js";
import { JournaledStore } from "./journaled-store.js";
import { migrate, SqlStore } from "./sql-store.js";
import type { Store } from "./types.js";

export type { Store } from "./types.js";
export { SqlStore } from "./sql-store.js";

export interface StoreConfig {
  /** postgres://… — a shared database for several replicas. */
  databaseUrl?: string;
  /** Where PGlite keeps its files when no databaseUrl is given (`<dataDir>/pglite`). */
  dataDir: string;
  /** Embedded store: refuse decisions below this much free space (see JournaledStore). */
  minFreeBytes?: number;
}

/** Fails with a message saying what is wrong when the data dir cannot be written (read-only, no permission, full). */
export function checkWritable(dir: string): void {
  const probe = join(dir, `.write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(probe, "ok");
    unlinkSync(probe);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "EROFS" ? "is on a read-only file system"
        : code === "EACCES" || code === "EPERM" ? "is not writable by this process (permission denied)"
          : code === "ENOSPC" || code === "EDQUOT" ? "has no space left"
            : code === "ENOTDIR" || code === "EEXIST" ? "is not a directory"
              : `cannot be written (${code ?? (err as Error).message})`;
    throw new Error(`the data dir ${dir} ${why}: PRECEPT_DATA_DIR must name a writable directory`, { cause: err });
  }
}

export async function openStore(config: StoreConfig, log?: Logger): Promise<Store> {
  if (!config.databaseUrl) checkWritable(config.dataDir);
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(join(config.dataDir, "pglite"));
  try {
    await migrate(db);
    const sql = new SqlStore(db);
    return db.kind === "postgres"
      ? sql
      : await JournaledStore.open(sql, join(config.dataDir, "journal"), log, { ...(config.minFreeBytes !== undefined ? { minFreeBytes: config.minFreeBytes } : {}) });
  } catch (e) {
    await db.close().catch(() => {});
    throw e;
  }
}

export function describeStore(store: Store, config: StoreConfig): string {
  if (store.kind === "postgres") {
    try {
      const u = new URL(config.databaseUrl!);
      return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}`;
    } catch {
      return "postgres";
    }
  }
  return `pglite ${join(config.dataDir, "pglite")}`;
}
