/**
 * Server configuration from the environment, with its defaults: the one place the server reads settings
 * (test/settings.test.ts checks that nothing else in server/ or engine/ reads process.env). Everything else is
 * handed its part of the ServerConfig.
 */
import { availableParallelism, hostname } from "node:os";
import { resolve } from "node:path";
import type { AnalysisBudget } from "./analysis-pool.js";
import type { CompileBudget } from "./compile-budget.js";

export interface ServerConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl?: string;
  /** Shipped policies, loaded into the store at start; also where request schemas of new versions are read. */
  policiesDir: string;
  /** The built editor, served at / when present. */
  editorDir: string;
  /** Byte limits: single requests, and batches. */
  bodyLimit: number;
  batchLimit: number;
  /** Validation errors reported per request (the rest are counted), and bytes of error detail per batch answer. */
  maxErrors: number;
  batchErrorBytes: number;
  /** Embedded store: below this much free space on the data dir's file system, decisions are refused (503). */
  minFreeBytes: number;
  /** Registry poll period on a shared store (ms). */
  pollMs: number;
  /** How long SIGTERM waits for in-flight requests before cutting connections (ms). */
  shutdownGraceMs: number;
  logLevel: string;
  /** PRECEPT_KEYS: `role:key,…` API keys (with those of `<dataDir>/keys.json`); none: every role, loopback only. */
  keys?: string;
  /** Time, memory, threads and queue of the compile worker pool (compile-budget.ts). */
  compile: CompileBudget;
  /** Time, threads, queue and memory of the solver's worker pool (analysis-pool.ts). */
  analysis: AnalysisBudget;
  /** Simulation jobs (server/simulation-queue.ts). */
  simulation: SimulationSettings;
}

export interface SimulationSettings {
  /** This replica's name in the jobs' records (default host:pid). */
  replicaId: string;
  /** Worker threads for slices (default: every core; 0 runs them on the main thread). */
  threads?: number;
  /** A slice not finished this long after a replica took it is handed to another (the lost-replica delay). */
  sliceExpireSeconds: number;
  /** A job nothing happened to for this long is failed. */
  stallSeconds: number;
  linesPerSlice: number;
}

/** `1mb`, `512kb`, `50MB`, `1048576` → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (!m) throw new Error(`not a size: \`${text}\` (use e.g. 1mb, 512kb)`);
  const unit = (m[2] ?? "b").toLowerCase();
  const mult = unit === "gb" ? 1024 ** 3 : unit === "mb" ? 1024 ** 2 : unit === "kb" ? 1024 : 1;
  return Math.floor(Number(m[1]) * mult);
}

function int(text: string | undefined, fallback: number, name: string, min = 0): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, not \`${text}\``);
  return n;
}

/**
 * PRECEPT_COMPILE_TIMEOUT_MS (20000), PRECEPT_COMPILE_MEMORY_MB (512), PRECEPT_COMPILE_THREADS (1 on two cores:
 * the event loop keeps a core), PRECEPT_COMPILE_QUEUE (16), PRECEPT_COMPILE_WORKER (`tsx` forces the unbundled task).
 */
export function readCompileBudget(env: NodeJS.ProcessEnv): CompileBudget {
  return {
    timeoutMs: int(env.PRECEPT_COMPILE_TIMEOUT_MS, 20_000, "PRECEPT_COMPILE_TIMEOUT_MS", 1),
    memoryMb: int(env.PRECEPT_COMPILE_MEMORY_MB, 512, "PRECEPT_COMPILE_MEMORY_MB", 16),
    threads: int(env.PRECEPT_COMPILE_THREADS, Math.max(1, Math.min(2, availableParallelism() - 1)), "PRECEPT_COMPILE_THREADS", 1),
    maxQueue: int(env.PRECEPT_COMPILE_QUEUE, 16, "PRECEPT_COMPILE_QUEUE", 0),
    worker: env.PRECEPT_COMPILE_WORKER === "tsx" ? "tsx" : "bundled",
  };
}

/**
 * PRECEPT_ANALYSIS_TIMEOUT_MS (30000), PRECEPT_ANALYSIS_THREADS (1 on two cores: the event loop keeps a core),
 * PRECEPT_ANALYSIS_QUEUE (4), PRECEPT_ANALYSIS_MEMORY_MB (512), PRECEPT_ANALYSIS_WORKER (`tsx` forces the unbundled task).
 */
export function readAnalysisBudget(env: NodeJS.ProcessEnv): AnalysisBudget {
  return {
    timeoutMs: int(env.PRECEPT_ANALYSIS_TIMEOUT_MS, 30_000, "PRECEPT_ANALYSIS_TIMEOUT_MS", 1),
    threads: int(env.PRECEPT_ANALYSIS_THREADS, Math.max(1, Math.min(2, availableParallelism() - 1)), "PRECEPT_ANALYSIS_THREADS", 1),
    maxQueue: int(env.PRECEPT_ANALYSIS_QUEUE, 4, "PRECEPT_ANALYSIS_QUEUE", 0),
    memoryMb: int(env.PRECEPT_ANALYSIS_MEMORY_MB, 512, "PRECEPT_ANALYSIS_MEMORY_MB", 64),
    worker: env.PRECEPT_ANALYSIS_WORKER === "tsx" ? "tsx" : "bundled",
  };
}

export function readConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerConfig {
  return {
    host: env.HOST || "127.0.0.1",
    port: int(env.PORT, 3000, "PORT"),
    dataDir: resolve(cwd, env.PRECEPT_DATA_DIR || "data"),
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    policiesDir: resolve(cwd, env.PRECEPT_POLICIES_DIR || "policies"),
    editorDir: resolve(cwd, env.PRECEPT_EDITOR_DIR || "editor/dist"),
    bodyLimit: parseSize(env.PRECEPT_BODY_LIMIT || "1mb"),
    batchLimit: parseSize(env.PRECEPT_BATCH_LIMIT || "50mb"),
    maxErrors: Math.max(1, int(env.PRECEPT_MAX_ERRORS, 50, "PRECEPT_MAX_ERRORS")),
    batchErrorBytes: parseSize(env.PRECEPT_BATCH_ERROR_BYTES || "1mb"),
    minFreeBytes: parseSize(env.PRECEPT_MIN_FREE || "16mb"),
    pollMs: int(env.PRECEPT_POLL_MS, 2000, "PRECEPT_POLL_MS"),
    shutdownGraceMs: int(env.PRECEPT_SHUTDOWN_GRACE_MS, 10_000, "PRECEPT_SHUTDOWN_GRACE_MS"),
    logLevel: env.LOG_LEVEL || "info",
    ...(env.PRECEPT_KEYS ? { keys: env.PRECEPT_KEYS } : {}),
    compile: readCompileBudget(env),
    analysis: readAnalysisBudget(env),
    simulation: {
      replicaId: env.PRECEPT_REPLICA_ID || `${hostname()}:${process.pid}`,
      ...(env.PRECEPT_SIM_THREADS ? { threads: int(env.PRECEPT_SIM_THREADS, 0, "PRECEPT_SIM_THREADS") } : {}),
      sliceExpireSeconds: Math.max(2, int(env.PRECEPT_SIM_SLICE_EXPIRE_S, 60, "PRECEPT_SIM_SLICE_EXPIRE_S")),
      stallSeconds: Math.max(10, int(env.PRECEPT_SIM_STALL_S, 600, "PRECEPT_SIM_STALL_S")),
      linesPerSlice: Math.max(1000, int(env.PRECEPT_SIM_LINES_PER_SLICE, 2000, "PRECEPT_SIM_LINES_PER_SLICE")),
    },
  };
}
