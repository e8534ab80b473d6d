/**
 * Faults an operator meets (issue 11): the database going away under a running server (PostgreSQL: every program's
 * evaluations answer 503, never 500, and it recovers by itself), the LISTEN connection dying (it comes back and
 * the registry catches up without waiting for the poll), a malformed PRECEPT_KEYS (refused without logging the
 * key), and a data dir that cannot be written at start (said plainly, non-zero exit).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LISTEN_APPLICATION } from "../../server/store/db.js";
import { demoVersion } from "./fixtures/sources.js";
import {
  call, claim, publish, createPgDatabase, eventually, FIXTURES, PG_ADMIN_URL, removeTempDirs, spawnServer, startTestServer, tempDir,
  type TestDatabase, type TestServer,
} from "./helpers.js";

afterAll(() => removeTempDirs());

async function admin<T = any>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Cuts every connection to the database except the admin's own (what a restart or pg_terminate_backend does). */
const terminateAll = (name: string) =>
  admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", [name]);

describe("PostgreSQL goes away under a running server", () => {
  let db: TestDatabase;
  let srv: TestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    srv = await startTestServer({ databaseUrl: db.url });
    expect((await publish(srv.url, { source: demoVersion() })).status).toBe(201);
  });
  afterAll(async () => {
    await admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`).catch(() => {});
    await srv?.stop();
    await db?.drop();
  });

  it("when the database refuses connections, then every evaluation answers 503 (duplicate lookups included) and it recovers by itself", async () => {
    // 2021.1 detects duplicates (its evaluations look keys up in the shared log first); 2020.1 does not.
    expect((await call(srv.url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("OUT-0") })).status).toBe(200);
    await admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
    await terminateAll(db.name);
    try {
      const statuses: Record<string, number> = {};
      const paths = [
        ["2020.1", "/v1/programs/demo-claim/versions/2020.1/evaluate"],
        ["2021.1", "/v1/programs/demo-claim/versions/2021.1/evaluate"],
        ["by-date", "/v1/programs/demo-claim/evaluate"],
      ];
      for (let i = 0; i < 5; i++) {
        for (const [name, path] of paths) {
          const r = await call(srv.url, path!, { body: claim(`OUT-${name}-${i}`, { dateOfService: "2021-03-01" }) });
          statuses[`${name} ${r.status}`] = (statuses[`${name} ${r.status}`] ?? 0) + 1;
          expect(r.status, `${name}: ${r.text}`).toBe(503);
        }
        const batch = await call(srv.url, "/v1/programs/demo-claim/versions/2021.1/evaluate-batch", { body: [claim(`OUT-B-${i}`)] });
        expect(batch.status, batch.text).toBe(503);
      }
      const log = await call(srv.url, "/v1/decisions?limit=5");
      expect(log.status).toBe(503);
      expect((await call(srv.url, "/ready")).status).toBe(503);
      expect((await call(srv.url, "/v1/programs/demo-claim/versions/2099.9")).status).not.toBe(500);
    } finally {
      await admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
    }
    await eventually(async () => (await call(srv.url, "/ready")).status === 200, 10_000);
    const after = await call(srv.url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("OUT-0") });
    expect(after.status).toBe(200);
    expect(after.body.outcome).toBe("invalid"); // a duplicate of the claim accepted before the outage
  });
});

describe("the LISTEN connection dies", () => {
  let db: TestDatabase;
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    db = await createPgDatabase();
    // A poll of ten minutes: only LISTEN/NOTIFY (or its catch-up) can bring b the version within seconds.
    const env = { PRECEPT_POLL_MS: "600000" };
    a = await startTestServer({ databaseUrl: db.url, env });
    b = await startTestServer({ databaseUrl: db.url, env });
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
    await db?.drop();
  });

  it("when every connection is terminated, then LISTEN comes back and a version published afterwards reaches the other replica at once", async () => {
    const listening = () =>
      admin<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND query ILIKE 'LISTEN%'", [db.name, LISTEN_APPLICATION]);
    // Each server listens for versions and for simulation cancels: two listening connections per server.
    await eventually(async () => (await listening())[0]!.n === 4, 5_000);
    await terminateAll(db.name);
    await eventually(async () => (await listening())[0]!.n === 4, 10_000);
    const t0 = Date.now();
    const pub = await call(a.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2031.1", "2031-01-01") } });
    expect(pub.status).toBe(201);
    await eventually(async () => b.services.registry.get("demo-claim", "2031.1") !== undefined, 3_000, 20);
    console.log(`after LISTEN reconnected: published on a, in b's registry after ${Date.now() - t0} ms`);
  });

  it("when a version is published while LISTEN is down, then the reconnect catches up without the poll", async () => {
    // Block b's reconnects for a moment by refusing connections, publish through a (its pool is allowed back first).
    await admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS false`);
    await terminateAll(db.name);
    await new Promise((r) => setTimeout(r, 300));
    await admin(`ALTER DATABASE ${db.name} ALLOW_CONNECTIONS true`);
    // The publish may land before b's LISTEN is back: the catch-up on reconnect must find it.
    const pub = await call(a.url, "/v1/programs/demo-claim/versions", { body: { source: demoVersion("2032.1", "2032-01-01") } });
    expect(pub.status).toBe(201);
    await eventually(async () => b.services.registry.get("demo-claim", "2032.1") !== undefined, 10_000, 50);
  });
});

describe("starting with bad configuration", () => {
  it("when PRECEPT_KEYS is malformed, then the server does not start and no part of the key is logged", async () => {
    const key = "Zq7rT3xW9vL2pK8m";
    for (const spec of [`service${key}`, `${key}`, `servce:${key}`, `service:${key},analyst:${key.slice(0, 6)}`]) {
      const err = await spawnServer({ PRECEPT_DATA_DIR: tempDir(), PRECEPT_POLICIES_DIR: FIXTURES, PRECEPT_KEYS: spec }, 30_000).then(
        () => undefined,
        (e: Error) => e.message,
      );
      expect(err, spec).toMatch(/exited with 1/);
      expect(err).toMatch(/PRECEPT_KEYS: entry \d/);
      // No run of 5 characters of the key (whole or in part) appears anywhere in what was logged.
      for (let i = 0; i + 5 <= key.length; i++) expect(err, `${spec}: ${key.slice(i, i + 5)}`).not.toContain(key.slice(i, i + 5));
    }
  });

  it("when the data dir is a file, then starting fails and says so", async () => {
    const dir = tempDir();
    const file = join(dir, "not-a-dir");
    writeFileSync(file, "x");
    const err = await spawnServer({ PRECEPT_DATA_DIR: file, PRECEPT_POLICIES_DIR: FIXTURES }, 30_000).then(() => undefined, (e: Error) => e.message);
    expect(err).toMatch(/exited with 1/);
    expect(err).toMatch(/is not a directory/);
  });

  it("when the data dir is on a read-only file system, then starting fails and says so", async (ctx) => {
    const mnt = tempDir("precept-ro-");
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt], { stdio: "pipe" });
    } catch (e) {
      ctx.skip(`cannot mount a tmpfs here (${String(e).split("\n")[0]}): the read-only data dir test needs root`);
      return;
    }
    try {
      mkdirSync(join(mnt, "data"));
      execFileSync("mount", ["-o", "remount,ro", mnt]);
      const err = await spawnServer({ PRECEPT_DATA_DIR: join(mnt, "data"), PRECEPT_POLICIES_DIR: FIXTURES }, 30_000).then(() => undefined, (e: Error) => e.message);
      expect(err).toMatch(/exited with 1/);
      expect(err).toMatch(/read-only file system/);
    } finally {
      execFileSync("umount", [mnt]);
    }
  });
});
