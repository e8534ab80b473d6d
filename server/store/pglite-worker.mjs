// The embedded PostgreSQL (PGlite, WASM) in its own thread: every query costs the thread that runs it about a
// millisecond of CPU, which on the server's main thread halved evaluate throughput. The main thread sends
// { id, kind, … } messages (server/store/db.ts) and gets { id, result } or { id, error } back.
// Plain JavaScript so the worker starts without a TypeScript loader, under tsx, vitest or plain node.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite } from "@electric-sql/pglite";

const port = parentPort;
const listeners = new Map();
let db;

function reply(id, result) {
  port.postMessage({ id, result });
}

function fail(id, e) {
  const err = e instanceof Error ? e : new Error(String(e));
  port.postMessage({ id, error: { message: err.message, code: err.code, detail: err.detail } });
}

async function handle(msg) {
  switch (msg.kind) {
    case "query": {
      const r = await db.query(msg.sql, msg.params);
      return { rows: r.rows, rowCount: r.affectedRows ?? r.rows.length };
    }
    case "listen": {
      const unlisten = await db.listen(msg.channel, (payload) => port.postMessage({ kind: "notify", channel: msg.channel, payload }));
      listeners.set(msg.id, unlisten);
      return { handle: msg.id };
    }
    case "unlisten": {
      const unlisten = listeners.get(msg.handle);
      listeners.delete(msg.handle);
      if (unlisten && !db.closed) await unlisten();
      return {};
    }
    case "close": {
      if (!db.closed) await db.close();
      return {};
    }
    default:
      throw new Error(`unknown message kind ${msg.kind}`);
  }
}

try {
  db = await PGlite.create(workerData.dataDir);
  port.on("message", (msg) => {
    handle(msg).then(
      (result) => reply(msg.id, result),
      (e) => fail(msg.id, e),
    );
  });
  port.postMessage({ kind: "ready" });
} catch (e) {
  port.postMessage({ kind: "failed", error: { message: e instanceof Error ? e.message : String(e) } });
}
