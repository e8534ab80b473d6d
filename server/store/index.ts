/**
 * Opens the configured store: PostgreSQL when a connection string is given, otherwise PGlite under the data dir
 * with its decision journal (`<dataDir>/journal`, see journal.ts).
 */
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
}

export async function openStore(config: StoreConfig, log?: Logger): Promise<Store> {
  const db = config.databaseUrl ? await openPostgres(config.databaseUrl) : await openPglite(join(config.dataDir, "pglite"));
  try {
    await migrate(db);
    const sql = new SqlStore(db);
    return db.kind === "postgres" ? sql : await JournaledStore.open(sql, join(config.dataDir, "journal"), log);
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
