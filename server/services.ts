/**
 * Everything the routes use, opened in order: store → shipped policies → registry → duplicate index.
 * main.ts and the tests build the server the same way, through `openServices` and `createApp`.
 */
import { closeAnalysisPool } from "./analysis-pool.js";
import { existsSync } from "node:fs";
import type { PolicyHost } from "../dsl/index.js";
import { loadPolicyDir } from "../engine/policy-files.js";
import { readTestCases, testsFileFor } from "../engine/policy-tests.js";
import { loadManifests } from "../engine/program-manifest-files.js";
import { manifestProblems, Manifests } from "../engine/program-manifest.js";
import { type Auth, createAuth } from "./auth.js";
import type { ServerConfig } from "./config.js";
import { DecisionLog } from "./decision-log.js";
import { AcceptedIndex } from "./duplicates.js";
import type { Logger } from "./logging.js";
import { serverPolicyHost } from "./policy-host.js";
import { Registry } from "./registry.js";
import { openSimulations, type Simulations } from "./simulation-service.js";
import { openStore, type Store } from "./store/index.js";

export interface Services {
  readonly config: ServerConfig;
  readonly log: Logger;
  readonly store: Store;
  readonly registry: Registry;
  readonly decisions: DecisionLog;
  readonly accepted: AcceptedIndex;
  readonly auth: Auth;
  readonly host: PolicyHost;
  /** The programs' manifests (policies/<program>/program.yaml), read once at start. */
  readonly manifests: Manifests;
  /** Request sets and simulation jobs (in the store; every replica works the job queue). */
  readonly simulations: Simulations;
  /** Set on SIGTERM: /ready answers 503, new evaluations are still served until the listener closes. */
  shuttingDown: boolean;
}

/**
 * Stores every shipped policy (policies/<program>/*.policy) the store does not have yet. Published versions are
 * immutable, so a shipped file that changed after it was stored is reported and ignored.
 */
export async function seedShipped(
  store: Store,
  policiesDir: string,
  log: Logger,
  manifests: Manifests = new Manifests(),
): Promise<{ inserted: number; failed: number }> {
  if (!existsSync(policiesDir)) {
    log.warn({ policiesDir }, "no policies folder: nothing shipped to load");
    return { inserted: 0, failed: 0 };
  }
  let inserted = 0;
  let failed = 0;
  const stored = new Map((await store.listVersionKeys()).map((k) => [`${k.program}\u0000${k.version}`, k.hash]));
  for (const f of loadPolicyDir(policiesDir)) {
    if (!f.compiled) {
      failed++;
      log.error({ file: f.file, diagnostics: f.diagnostics.filter((d) => d.severity === "error").slice(0, 5) }, "shipped policy does not compile");
      continue;
    }
    const own = manifests.get(f.program);
    const problems = own ? manifestProblems(own, f.compiled) : [];
    if (problems.length) {
      failed++;
      log.error({ file: f.file, problems }, "shipped policy does not match its program.yaml");
      continue;
    }
    await seedShippedTests(store, f.program, f.version, testsFileFor(f.file), log);
    const have = stored.get(`${f.program}\u0000${f.version}`);
    if (have !== undefined) {
      if (have !== f.compiled.hash) {
        log.warn({ program: f.program, version: f.version }, "shipped policy differs from the stored version; the stored one stays");
      }
      continue;
    }
    const ok = await store.insertVersion({
      program: f.program,
      version: f.version,
      source: f.source,
      compiled: f.compiled,
      hash: f.compiled.hash,
      effective: f.compiled.effective,
      ...(f.compiled.end ? { end: f.compiled.end } : {}),
      origin: "shipped",
    });
    if (ok) inserted++;
  }
  return { inserted, failed };
}

/** A shipped tests file is stored with its version, and refreshed when it changes, unless an author saved cases. */
async function seedShippedTests(store: Store, program: string, version: string, file: string, log: Logger): Promise<void> {
  if (!existsSync(file)) return;
  try {
    if (await store.putTests(program, version, readTestCases(file), "shipped")) log.info({ program, version, file }, "shipped test cases stored");
  } catch (err) {
    log.error({ program, version, file, err: String(err) }, "shipped test cases not stored");
  }
}

export interface OpenOptions {
  auth?: Auth;
  /** Skip loading policies/ (tests that want an empty registry). */
  seed?: boolean;
}

export async function openServices(config: ServerConfig, log: Logger, opts: OpenOptions = {}): Promise<Services> {
  // A wrong program.yaml stops the start with its file, line and column, before anything is opened.
  const manifests = new Manifests(loadManifests(config.policiesDir));
  const store = await openStore(
    { dataDir: config.dataDir, minFreeBytes: config.minFreeBytes, ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}) },
    log.child({ component: "store" }),
  );
  try {
    const registry = new Registry(store, log.child({ component: "registry" }), { pollMs: config.pollMs });
    if (opts.seed !== false) {
      const t0 = performance.now();
      const r = await seedShipped(store, config.policiesDir, log, manifests);
      log.info({ inserted: r.inserted, failed: r.failed, ms: Math.round(performance.now() - t0) }, "shipped policies checked");
    }
    await registry.load();
    await registry.watch();
    const accepted = new AcceptedIndex(store);
    const keys = await accepted.load();
    log.info({ versions: registry.all().length, acceptedKeys: keys }, "registry loaded");
    const host = serverPolicyHost(registry, config.policiesDir);
    const simulations = await openSimulations({ config, store, registry, manifests, host, log: log.child({ component: "simulations" }) });
    return {
      config,
      log,
      store,
      registry,
      decisions: new DecisionLog(store, log.child({ component: "decision-log" })),
      accepted,
      auth: opts.auth ?? createAuth([]),
      host,
      manifests,
      simulations,
      shuttingDown: false,
    };
  } catch (e) {
    await store.close().catch(() => {});
    throw e;
  }
}

/** Flush the decision log, stop following the store, close it: within `timeoutMs` whatever the store does. */
export async function closeServices(s: Services, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const late = (): Promise<"late"> => new Promise((r) => setTimeout(() => r("late"), Math.max(0, deadline - Date.now())).unref());
  if ((await Promise.race([s.decisions.drain(), late()])) === "late") s.log.warn("decision log not drained in time; the journal keeps what was answered");
  await Promise.race([s.registry.stop(), late()]);
  // This replica's slices go back to the queue (others, or this one after a restart, take them again).
  await Promise.race([s.simulations.queue.close(), late()]);
  // Solver threads hold z3's own threads: end them rather than wait for their idle timeout.
  await Promise.race([closeAnalysisPool(s), late()]);
  await s.store.close(Math.max(500, deadline - Date.now()));
}
