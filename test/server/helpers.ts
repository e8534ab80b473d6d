/**
 * Test helpers for the server suites: real servers (in-process on port 0, or spawned `server/main.ts`), real
 * databases (a PGlite data dir copied from a migrated template, or a fresh PostgreSQL database), and fetch.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { createAuth, parseKeySpec } from "../../server/auth.js";
import { readConfig, type ServerConfig } from "../../server/config.js";
import { createLogger } from "../../server/logging.js";
import { startServer, type Running } from "../../server/start.js";
import { openPglite } from "../../server/store/db.js";
import { migrate } from "../../server/store/sql-store.js";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = join(ROOT, "test/server/fixtures/policies");
export const SHIPPED = join(ROOT, "policies");
export const PG_ADMIN_URL = process.env.PRECEPT_TEST_PG ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * A migrated, closed PGlite data dir, made once per schema (initdb costs ~4 s; copying it costs ~0.1 s).
 * Keyed by the store's source so a schema change makes a new template.
 */
export async function pgliteTemplate(): Promise<string> {
  const schemaHash = createHash("sha256").update(readFileSync(join(ROOT, "server/store/sql-store.ts"))).digest("hex").slice(0, 12);
  const dir = join(tmpdir(), `precept-pglite-template-${schemaHash}`);
  if (existsSync(join(dir, "READY"))) return dir;
  const work = mkdtempSync(join(tmpdir(), "precept-pglite-build-"));
  const db = await openPglite(join(work, "pglite"));
  await migrate(db);
  await db.close();
  writeFileSync(join(work, "READY"), "");
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another worker won the race; its template is as good
  }
  return dir;
}

const made: string[] = [];

/** A temporary directory, removed by `removeTempDirs()` (call it in afterAll). */
export function tempDir(prefix = "precept-data-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh data dir holding a copy of the template PGlite database. */
export async function freshDataDir(): Promise<string> {
  const template = await pgliteTemplate();
  const dataDir = tempDir();
  cpSync(join(template, "pglite"), join(dataDir, "pglite"), { recursive: true });
  return dataDir;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A new PostgreSQL database on the local server (trust auth), dropped by `drop()`. */
export async function createPgDatabase(): Promise<TestDatabase> {
  const name = `precept_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export interface TestServerOptions {
  policiesDir?: string;
  dataDir?: string;
  databaseUrl?: string;
  keys?: string;
  seed?: boolean;
  env?: Record<string, string>;
}

export type TestServer = Running & { dataDir: string };

/** createApp + listen(0) in this process, on a fresh PGlite copy unless a database URL is given. */
export async function startTestServer(opts: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? (opts.databaseUrl ? tempDir() : await freshDataDir());
  const config: ServerConfig = {
    ...readConfig({ PORT: "0", PRECEPT_POLL_MS: "500", ...opts.env }, ROOT),
    dataDir,
    policiesDir: opts.policiesDir ?? FIXTURES,
    ...(opts.databaseUrl ? { databaseUrl: opts.databaseUrl } : {}),
  };
  const auth = createAuth(opts.keys ? parseKeySpec(opts.keys) : []);
  const running = await startServer(config, createLogger(process.env.TEST_LOG_LEVEL ?? "silent"), {
    auth,
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
  });
  const stop = running.stop;
  // Stopping also removes a data dir this helper made (PGlite copies are ~40 MB each).
  return Object.assign(running, {
    dataDir,
    stop: async () => {
      await stop();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface Reply<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

/** fetch with JSON in and out; `body` objects are sent as JSON, strings as they are. */
export async function call<T = any>(
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string>; key?: string } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  const res = await fetch(base + path, { method: init.method ?? (body === undefined ? "GET" : "POST"), headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Parses an NDJSON answer. */
export const ndjson = (text: string): any[] => text.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));

export interface Spawned {
  url: string;
  proc: ChildProcess;
  logs: string[];
  /** Sends the signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs `node --import tsx server/main.ts` with the given environment; resolves once it logs "listening". */
export async function spawnServer(env: Record<string, string>, timeoutMs = 60_000): Promise<Spawned> {
  const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: string[] = [];
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${logs.join("\n")}`)), timeoutMs);
    let buf = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        logs.push(line);
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === "listening" && rec.url) {
            clearTimeout(timer);
            resolve(rec.url);
          }
        } catch {
          /* not JSON */
        }
      }
    });
    proc.stderr!.on("data", (d: Buffer) => logs.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${logs.join("\n")}`));
    });
  });
  return {
    url,
    proc,
    logs,
    exited,
    stop(signal: NodeJS.Signals = "SIGTERM") {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      return exited;
    },
  };
}

/** A request body for the demo-claim fixture program. */
export function claim(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return { claimId: id, member: { id: `M-${id}` }, dateOfService: "2020-03-01", amount: 100, category: "lab", ...over };
}

/** Polls `fn` until it returns a truthy value (or throws after `ms`). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, ms = 5_000, every = 50): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, every));
  }
}

/**
 * Publishes directly (no keys configured: self-approved), confirming a past effective date with the number of
 * affected decisions the server gave, as an approver would (server/publish-review.ts).
 */
export async function publish<T = any>(base: string, body: Record<string, unknown>, key?: string): Promise<Reply<T>> {
  const path = `/v1/programs/${String(/^program:\s*(\S+)/m.exec(String(body.source))?.[1] ?? "demo-claim")}/versions`;
  const first = await call<any>(base, path, { body, ...(key ? { key } : {}) });
  const retro = first.body?.error?.details?.checks?.retroactive;
  if (first.status !== 422 || first.body.error.code !== "publish-refused" || !retro) return first as Reply<T>;
  return call<T>(base, path, { body: { ...body, retroactive: true, confirmRetroactive: retro.decisions }, ...(key ? { key } : {}) });
}
