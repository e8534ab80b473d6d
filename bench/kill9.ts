/**
 * kill -9 under load, then restart: is every acknowledged decision in the log? (issue 11). Not part of `npm run bench`.
 *   node --import tsx bench/kill9.ts            embedded store (the journal replays)
 *   DATABASE_URL=postgres://… node --import tsx bench/kill9.ts
 * 20 clients evaluate as fast as they can (singles and 50-item batches); after KILL_AFTER_MS (1500) the server gets
 * SIGKILL mid-flight; a new process starts on the same store and every acknowledged id is looked up.
 * Prints one JSON line per round (ROUNDS, default 3): acknowledged, stored of those, lost, and logged but not
 * acknowledged (stored, but the answer was cut by the kill: expected, the client resends and gets a duplicate).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = new URL("..", import.meta.url).pathname;
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const KILL_AFTER_MS = Number(process.env.KILL_AFTER_MS ?? 1500);
const V = "/v1/programs/demo-claim/versions/2020.1";

function start(env: Record<string, string>): Promise<{ url: string; proc: ChildProcess }> {
  const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", LOG_LEVEL: "info", PRECEPT_POLICIES_DIR: join(ROOT, "test/server/fixtures/policies"), ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buf = "";
    proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split("\n");
      buf = lines.pop()!;
      for (const line of lines) {
        try {
          const rec = JSON.parse(line) as { msg?: string; url?: string };
          if (rec.msg === "listening" && rec.url) resolve({ url: rec.url, proc });
        } catch {
          /* not JSON */
        }
      }
    });
    proc.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
}

const claim = (id: string) => ({ claimId: id, member: { id }, dateOfService: "2020-03-01", amount: 100, category: "lab" });

for (let round = 1; round <= ROUNDS; round++) {
  const dataDir = mkdtempSync(join(tmpdir(), "precept-kill9-"));
  if (process.env.PGLITE_TEMPLATE) cpSync(join(process.env.PGLITE_TEMPLATE, "pglite"), join(dataDir, "pglite"), { recursive: true });
  const env = { PRECEPT_DATA_DIR: dataDir, ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}) };
  const first = await start(env);
  const acknowledged: string[] = [];
  let sent = 0;
  let failed = 0;
  let stop = false;
  const client = async (c: number): Promise<void> => {
    for (let i = 0; !stop; i++) {
      const id = `K${round}-${c}-${i}`;
      sent++;
      try {
        if (i % 10 === 9) {
          const ids = Array.from({ length: 50 }, (_, j) => `${id}-${j}`);
          const r = await fetch(`${first.url}${V}/evaluate-batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ids.map(claim)) });
          const body = (await r.json()) as { id?: string }[];
          if (r.status === 200) for (const d of body) if (d.id) acknowledged.push(d.id);
        } else {
          const r = await fetch(`${first.url}${V}/evaluate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(claim(id)) });
          const body = (await r.json()) as { id?: string };
          if (r.status === 200 && body.id) acknowledged.push(body.id);
        }
      } catch {
        failed++; // cut by the kill: never acknowledged
      }
    }
  };
  const clients = Array.from({ length: 20 }, (_, c) => client(c));
  await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
  first.proc.kill("SIGKILL");
  stop = true;
  await Promise.all(clients);
  await new Promise((r) => (first.proc.exitCode !== null || first.proc.signalCode !== null ? r(null) : first.proc.once("exit", r)));

  const second = await start(env);
  const logged = new Set<string>();
  let cursor: string | undefined;
  do {
    const r = await fetch(`${second.url}/v1/decisions?program=demo-claim&limit=1000${cursor ? `&cursor=${cursor}` : ""}`);
    const page = (await r.json()) as { items: { id: string; request: { claimId: string } }[]; nextCursor?: string };
    // This round's decisions only (on PostgreSQL the rounds share a database).
    for (const d of page.items) if (d.request.claimId.startsWith(`K${round}-`)) logged.add(d.id);
    cursor = page.nextCursor;
  } while (cursor);
  const lost = acknowledged.filter((id) => !logged.has(id)).length;
  console.log(JSON.stringify({ round, store: process.env.DATABASE_URL ? "postgres" : "embedded", requests: sent, cutByKill: failed, acknowledged: acknowledged.length, storedOfThose: acknowledged.length - lost, lost, loggedNotAcknowledged: logged.size - (acknowledged.length - lost) }));
  second.proc.kill("SIGTERM");
  await new Promise((r) => second.proc.once("exit", r));
  rmSync(dataDir, { recursive: true, force: true });
}
