/** Server configuration from the environment, with the defaults of the README. */
import { hostname } from "node:os";
import { resolve } from "node:path";
import { readCompileBudget, type CompileBudget } from "./compile-budget.js";

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
  /** Time, memory, threads and queue of the compile worker pool (compile-budget.ts). */
  compile: CompileBudget;
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

function int(text: string | undefined, fallback: number, name: string): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, not \`${text}\``);
  return n;
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
    compile: readCompileBudget(env),
    simulation: {
      replicaId: env.PRECEPT_REPLICA_ID || `${hostname()}:${process.pid}`,
      ...(env.PRECEPT_SIM_THREADS ? { threads: int(env.PRECEPT_SIM_THREADS, 0, "PRECEPT_SIM_THREADS") } : {}),
      sliceExpireSeconds: Math.max(2, int(env.PRECEPT_SIM_SLICE_EXPIRE_S, 60, "PRECEPT_SIM_SLICE_EXPIRE_S")),
      stallSeconds: Math.max(10, int(env.PRECEPT_SIM_STALL_S, 600, "PRECEPT_SIM_STALL_S")),
      linesPerSlice: Math.max(1000, int(env.PRECEPT_SIM_LINES_PER_SLICE, 2000, "PRECEPT_SIM_LINES_PER_SLICE")),
    },
  };
}
