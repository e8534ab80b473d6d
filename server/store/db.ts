/**
 * The thin database seam both stores share: `query(sql, params) → { rows, rowCount }`, a transaction, LISTEN.
 * PGlite and node-postgres speak the same SQL dialect, so everything above this file is written once.
 */
import { mkdirSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { copyText } from "./copy-text.mjs";

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
}

export interface Db extends Queryable {
  readonly kind: "pglite" | "postgres";
  /** Several statements in one string, no parameters (a library's migrations); answers the last statement's rows. */
  exec(sql: string): Promise<QueryResult<Record<string, unknown>>>;
  /**
   * PostgreSQL only: bulk load, one COPY into `target` (`table (col, …)`) of `rows` (objects, or their JSON texts),
   * taking `fields` of each for the columns in order; objects and arrays as JSON. One statement: every row or
   * none, in order.
   */
  copy?(target: string, fields: readonly string[], rows: readonly (object | string)[]): Promise<number>;
  /** Runs `fn` on one connection inside BEGIN/COMMIT (ROLLBACK on throw). */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** `onReconnect`: the listening connection was lost and is back; notifications sent meanwhile are lost. */
  listen(channel: string, cb: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
  /** Embedded only: replace a database thread that stopped answering. */
  restart?(): Promise<void>;
  /** Closes, giving up on a database that does not answer within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>;
}

interface WorkerReply {
  id?: number;
  kind?: "ready" | "failed" | "notify";
  result?: unknown;
  error?: { message: string; code?: string; detail?: string };
  channel?: string;
  payload?: string;
}

/**
 * PGlite: PostgreSQL in WASM, one connection, data under `dataDir` (created on first use: ~4 s of initdb).
 * It runs in a worker thread (pglite-worker.mjs) so that its CPU time is not taken from request handling.
 * Transactions hold a lock on this side: while one runs, other queries wait, as they would for PGlite's single
 * connection anyway. `restart()` replaces a worker that stopped answering (it recovers from its WAL on open);
 * `close(ms)` gives up waiting after `ms` and terminates the worker.
 */
export async function openPglite(dataDir: string): Promise<Db> {
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const notify = new Map<string, Set<(payload: string) => void>>();
  let nextId = 1;
  let dead: Error | undefined;
  let worker!: Worker;

  const start = async (): Promise<void> => {
    const w = new Worker(new URL("./pglite-worker.mjs", import.meta.url), { workerData: { dataDir } });
    await new Promise<void>((resolve, reject) => {
      w.on("message", (m: WorkerReply) => {
        if (m.kind === "ready") return resolve();
        if (m.kind === "failed") return reject(new Error(`PGlite could not open ${dataDir}: ${m.error?.message}`));
        if (m.kind === "notify") {
          for (const cb of notify.get(m.channel ?? "") ?? []) cb(m.payload ?? "");
          return;
        }
        const p = pending.get(m.id!);
        if (!p) return;
        pending.delete(m.id!);
        if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code, detail: m.error.detail }));
        else p.resolve(m.result);
      });
      const onGone = (e: Error): void => {
        if (w !== worker) return reject(e);
        dead = e;
        reject(e);
        for (const p of pending.values()) p.reject(e);
        pending.clear();
      };
      w.on("error", onGone);
      w.on("exit", (code) => onGone(new Error(`the PGlite worker exited (${code})`)));
      worker = w;
    }).catch(async (e: unknown) => {
      w.removeAllListeners("exit");
      await w.terminate();
      throw e;
    });
    dead = undefined;
  };
  await start();

  const send = <T>(msg: Record<string, unknown>): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      worker.postMessage({ ...msg, id });
    });
  };
  const direct: Queryable = {
    query: <T>(sql: string, params?: unknown[]) => send<QueryResult<T>>({ kind: "query", sql, params: params ?? [] }),
  };
  let lock: Promise<void> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = lock.then(fn);
    lock = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  };
  const stopWorker = async (): Promise<void> => {
    const w = worker;
    w.removeAllListeners("exit");
    const gone = new Error("the PGlite worker was stopped");
    dead = gone;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
    await w.terminate();
  };
  let closed = false;
  return {
    kind: "pglite",
    // INVARIANT: a query waits for the transactions begun before it, so none slips into someone's BEGIN…COMMIT; it
    // does not wait for other plain queries: the worker runs them in the order sent, and keeping several in flight
    // keeps the database thread busy while this thread is slow to answer.
    query: <T>(sql: string, params?: unknown[]) => lock.then(() => direct.query<T>(sql, params)),
    exec: (sql: string) => lock.then(() => send<QueryResult<Record<string, unknown>>>({ kind: "exec", sql })),
    transaction: (fn) =>
      exclusive(async () => {
        await direct.query("BEGIN");
        try {
          const out = await fn(direct);
          await direct.query("COMMIT");
          return out;
        } catch (e) {
          await direct.query("ROLLBACK").catch(() => {});
          throw e;
        }
      }),
    listen: async (channel, cb) => {
      const { handle } = await send<{ handle: number }>({ kind: "listen", channel });
      let set = notify.get(channel);
      if (!set) notify.set(channel, (set = new Set()));
      set.add(cb);
      return async () => {
        set.delete(cb);
        if (!closed) await send({ kind: "unlisten", handle }).catch(() => {});
      };
    },
    restart: async () => {
      if (closed) return;
      await stopWorker();
      lock = Promise.resolve(); // a transaction stuck in the old worker has been rejected with it
      await start();
    },
    close: async (timeoutMs = 10_000) => {
      if (closed) return;
      closed = true;
      const late = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());
      const t0 = Date.now();
      await Promise.race([lock, late(timeoutMs)]);
      if (!dead) await Promise.race([send({ kind: "close" }).catch(() => {}), late(Math.max(100, timeoutMs - (Date.now() - t0)))]);
      await stopWorker();
    },
  };
}

/** The application_name of LISTEN connections (so an operator, or a test, can find them in pg_stat_activity). */
export const LISTEN_APPLICATION = "precept-listen";

/** PostgreSQL through a node-postgres pool; LISTEN holds one dedicated client. */
export async function openPostgres(connectionString: string, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client dying (server restart) must not crash the process; the pool replaces it.
  pool.on("error", () => {});
  await pool.query("SELECT 1");
  const listeners: pg.Client[] = [];
  let stoppedAll = false;
  return {
    kind: "postgres",
    async query<T>(sql: string, params?: unknown[]) {
      const r = await pool.query(sql, params);
      return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
    },
    async exec(sql: string) {
      // Without parameters node-postgres uses the simple protocol, which runs several statements (one result each).
      const r = (await pool.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(r) ? r.at(-1) : r;
      return { rows: (last?.rows ?? []) as Record<string, unknown>[], rowCount: last?.rowCount ?? 0 };
    },
    async copy(target, fields, rows) {
      const data = copyText(rows, fields);
      const client = await pool.connect();
      try {
        const stream = client.query(copyFrom(`COPY ${target} FROM STDIN`));
        await pipeline(Readable.from([data]), stream);
        client.release();
        return stream.rowCount;
      } catch (e) {
        // The database refused the rows (it answered, so the connection is fine); anything else may have left
        // the connection mid-COPY, so it is closed rather than handed to the next query.
        const refused = typeof (e as { code?: unknown }).code === "string" && /^[0-9A-Z]{5}$/.test((e as { code: string }).code);
        client.release(refused ? undefined : true);
        throw e;
      }
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn({
          async query<T>(sql: string, params?: unknown[]) {
            const r = await client.query(sql, params);
            return { rows: r.rows as T[], rowCount: r.rowCount ?? r.rows.length };
          },
        });
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        throw e;
      } finally {
        client.release();
      }
    },
    async listen(channel, cb, onReconnect) {
      // One dedicated connection; when it dies (pg_terminate_backend, a database restart) it is made again with
      // backoff, and `onReconnect` lets the caller catch up on what was notified meanwhile.
      let client: pg.Client | undefined;
      let stopped = false;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString, application_name: LISTEN_APPLICATION });
        c.on("error", () => {}); // followed by "end", which reconnects
        try {
          await c.connect();
          c.on("notification", (n) => {
            if (n.channel === channel) cb(n.payload ?? "");
          });
          await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        } catch (e) {
          await c.end().catch(() => {});
          throw e;
        }
        if (stopped || stoppedAll) {
          await c.end().catch(() => {});
          return;
        }
        client = c;
        listeners.push(c);
        c.once("end", () => {
          const i = listeners.indexOf(c);
          if (i >= 0) listeners.splice(i, 1);
          client = undefined;
          if (!stopped && !stoppedAll) void reconnect();
        });
      };
      const reconnect = async (): Promise<void> => {
        for (let delay = 100; !stopped && !stoppedAll; delay = Math.min(delay * 2, 5000)) {
          await new Promise((r) => setTimeout(r, delay).unref());
          if (stopped || stoppedAll) return;
          try {
            await connect();
            onReconnect?.();
            return;
          } catch {
            // still away: try again later
          }
        }
      };
      await connect();
      return async () => {
        stopped = true;
        const c = client;
        client = undefined;
        if (c) {
          const i = listeners.indexOf(c);
          if (i >= 0) listeners.splice(i, 1);
          await c.end().catch(() => {});
        }
      };
    },
    async close() {
      stoppedAll = true;
      await Promise.all(listeners.splice(0).map((c) => c.end().catch(() => {})));
      await pool.end();
    },
  };
}
