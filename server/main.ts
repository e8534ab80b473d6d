/**
 * `npm start`: serve the API and the editor. Environment: HOST, PORT (127.0.0.1:3000), PRECEPT_DATA_DIR (./data),
 * DATABASE_URL (PostgreSQL instead of the embedded PGlite), PRECEPT_KEYS, PRECEPT_BODY_LIMIT (1mb),
 * PRECEPT_BATCH_LIMIT (50mb), PRECEPT_POLICIES_DIR (policies), PRECEPT_EDITOR_DIR (editor/dist), LOG_LEVEL,
 * PRECEPT_COMPILE_TIMEOUT_MS (20000), PRECEPT_COMPILE_MEMORY_MB (512), PRECEPT_COMPILE_THREADS, PRECEPT_COMPILE_QUEUE (16).
 */
import { existsSync } from "node:fs";
import { loadAuth } from "./auth.js";
import { readConfig } from "./config.js";
import { createLogger } from "./logging.js";
import { startServer } from "./start.js";
import { describeStore } from "./store/index.js";

const config = readConfig();
const log = createLogger(config.logLevel);

try {
  const auth = loadAuth(config);
  const t0 = performance.now();
  const running = await startServer(config, log, { auth });
  const s = running.services;
  if (auth.open) {
    log.warn("no API keys configured (PRECEPT_KEYS or keys.json in the data dir): every role is allowed, from loopback clients only");
  } else {
    log.info({ keys: auth.keyCount }, "API keys loaded");
  }
  log.info(
    {
      url: running.url,
      store: describeStore(s.store, { dataDir: config.dataDir, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) }),
      programs: s.registry.programNames(),
      versions: s.registry.all().length,
      editor: existsSync(config.editorDir) ? config.editorDir : "not built",
      startMs: Math.round(performance.now() - t0),
    },
    "listening",
  );
  let signalled = false;
  const onSignal = (signal: string): void => {
    if (signalled) return;
    signalled = true;
    log.info({ signal }, "shutting down: draining requests and the decision log");
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  process.on("SIGINT", () => onSignal("SIGINT"));
} catch (err) {
  log.fatal({ err }, "could not start");
  process.exitCode = 1;
}
