/**
 * The real process (`node --import tsx server/main.ts`): first start on an empty data dir, SIGTERM with requests
 * in flight (all answered, all logged), SIGKILL (the journal replays what was answered), and a restart that keeps
 * every published version and logged decision.
 */
import { request as httpRequest, type ClientRequest } from "node:http";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openStore } from "../../server/store/index.js";
import { demoVersion } from "./fixtures/sources.js";
import { call, publish, claim, FIXTURES, freshDataDir, ndjson, removeTempDirs, SHIPPED, spawnServer, tempDir, type Spawned } from "./helpers.js";

const V = "/v1/programs/demo-claim/versions/2020.1";
const running: Spawned[] = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop("SIGKILL")));
  removeTempDirs();
});

async function spawn(env: Record<string, string>): Promise<Spawned> {
  const s = await spawnServer(env);
  running.push(s);
  return s;
}

/** A POST whose body is held back: the server has the request in flight until `finish()`. */
function heldRequest(url: string, path: string, head: string, tail: string, type = "application/json") {
  let req!: ClientRequest;
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req = httpRequest(url + path, { method: "POST", headers: { "content-type": type, "content-length": Buffer.byteLength(head + tail) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  req.write(head);
  req.flushHeaders();
  return { answer, finish: () => req.end(tail) };
}

describe("server process", () => {
  it("when started on an empty data dir, then it creates the store, loads the shipped policies and says it is open to loopback only", async () => {
    const dataDir = tempDir("precept-first-");
    const s = await spawn({ PRECEPT_DATA_DIR: dataDir });
    const programs = (await call(s.url, "/v1/programs")).body.programs.map((p: any) => p.program);
    const shipped = readdirSync(SHIPPED, { withFileTypes: true }).filter((d) => d.isDirectory() && readdirSync(join(SHIPPED, d.name)).some((f) => f.endsWith(".policy")));
    expect(programs.sort()).toEqual(shipped.map((d) => d.name).sort());
    expect(s.logs.join("\n")).toMatch(/loopback clients only/);
    expect(await s.stop()).toBe(0);
  });

  it("when SIGTERM arrives with requests in flight, then every one is answered and logged, and the process exits 0", async () => {
    const dataDir = await freshDataDir();
    const s = await spawn({ PRECEPT_DATA_DIR: dataDir, PRECEPT_POLICIES_DIR: FIXTURES });
    const singles = Array.from({ length: 40 }, (_, i) => {
      const body = JSON.stringify(claim(`TERM-${i}`, { member: { id: `TERM-${i}` } }));
      return heldRequest(s.url, `${V}/evaluate`, body.slice(0, 10), body.slice(10));
    });
    const lines = Array.from({ length: 2000 }, (_, i) => JSON.stringify(claim(`TB-${i}`, { member: { id: `TB-${i}` } }))).join("\n");
    const batch = heldRequest(s.url, `${V}/evaluate-batch`, lines.slice(0, lines.length / 2), lines.slice(lines.length / 2), "application/x-ndjson");
    await new Promise((r) => setTimeout(r, 300)); // the server has read the headers of all of them
    s.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    for (const h of singles) h.finish();
    batch.finish();
    const answers = await Promise.all(singles.map((h) => h.answer));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    const batchAnswer = await batch.answer;
    expect(batchAnswer.status).toBe(200);
    const decisions = ndjson(batchAnswer.text);
    expect(decisions).toHaveLength(2000);
    expect(await s.exited).toBe(0);
    // After the process has gone, every answered decision is in the log.
    const store = await openStore({ dataDir });
    try {
      const ids = new Set([...answers.map((a) => JSON.parse(a.text).id as string), ...decisions.map((d) => d.id as string)]);
      const logged = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await store.queryDecisions({ program: "demo-claim", limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const d of page.items) logged.add(d.id);
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids.size).toBe(2040);
      expect([...ids].filter((id) => !logged.has(id))).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it("when the process is killed outright, then every decision it answered is in the log after the next start", async () => {
    const dataDir = await freshDataDir();
    const env = { PRECEPT_DATA_DIR: dataDir, PRECEPT_POLICIES_DIR: FIXTURES };
    const first = await spawn(env);
    // Answers from the journal come back before the rows reach the database: kill while they are arriving.
    const answered = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call(first.url, `${V}/evaluate`, { body: claim(`KILL-${i}`, { member: { id: `KILL-${i}` } }) })),
    );
    expect(answered.map((a) => a.status)).toEqual(Array(300).fill(200));
    first.proc.kill("SIGKILL");
    await first.exited;

    const second = await spawn(env);
    // The journal held every answered decision; replay inserted the ones the database did not have yet.
    const replay = second.logs.map((l) => JSON.parse(l) as { msg?: string; replayed?: number }).find((l) => l.msg === "decision journal replayed");
    expect(replay?.replayed).toBe(300);
    const logged = new Set<string>();
    let cursor: string | undefined;
    do {
      const page = await call(second.url, `/v1/decisions?program=demo-claim&limit=200${cursor ? `&cursor=${cursor}` : ""}`);
      for (const d of page.body.items) logged.add(d.id);
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(answered.map((a) => a.body.id).filter((id) => !logged.has(id))).toEqual([]);
    expect(logged.size).toBe(300);
    expect(await second.stop()).toBe(0);
    expect(readdirSync(join(dataDir, "journal"))).toEqual([]);
  });

  it("when the server restarts, then every published version and every logged decision is still there", async () => {
    const dataDir = await freshDataDir();
    const env = { PRECEPT_DATA_DIR: dataDir, PRECEPT_POLICIES_DIR: FIXTURES };
    const first = await spawn(env);
    const pub = await publish(first.url, { source: demoVersion() });
    expect(pub.status).toBe(201);
    const made = [];
    for (let i = 0; i < 10; i++) made.push((await call(first.url, `${V}/evaluate`, { body: claim(`RS-${i}`, { member: { id: "RS" }, amount: i }) })).body);
    const accepted = (await call(first.url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("RS-KEEP", { member: { id: "KEEP" } }) })).body;
    expect(accepted.outcome).toBe("valid");
    expect(await first.stop()).toBe(0);

    const second = await spawn(env);
    const v = await call(second.url, "/v1/programs/demo-claim/versions/2021.1");
    expect(v.status).toBe(200);
    expect(v.body.hash).toBe(pub.body.hash);
    expect(v.body.source).toBe(demoVersion());
    const log = await call(second.url, "/v1/decisions?program=demo-claim&limit=100");
    const logged = new Map(log.body.items.map((d: any) => [d.id, d]));
    for (const d of [...made, accepted]) expect(logged.get(d.id), d.id).toMatchObject({ outcome: d.outcome, version: d.version });
    // The duplicate index is rebuilt from the log: the claim accepted before the restart still counts.
    const dup = await call(second.url, "/v1/programs/demo-claim/versions/2021.1/evaluate", { body: claim("RS-AGAIN", { member: { id: "KEEP" } }) });
    expect(dup.body.outcome).toBe("invalid");
    expect(dup.body.attributes.duplicateOf).toBe("RS-KEEP");
    expect(await second.stop()).toBe(0);
  });
});
