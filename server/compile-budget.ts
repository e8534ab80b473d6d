/** The compile pool's budget (compile-pool.ts), read from the environment with the server's other settings. */
import { availableParallelism } from "node:os";

export interface CompileBudget {
  /** Wall time of one task once it has a thread (ms). */
  readonly timeoutMs: number;
  /** V8 old-generation heap of a compile thread (MB). */
  readonly memoryMb: number;
  readonly threads: number;
  /** Tasks waiting for a thread before new ones are refused with 503. */
  readonly maxQueue: number;
}

function int(text: string | undefined, fallback: number, name: string, min: number): number {
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer of at least ${min}, not \`${text}\``);
  return n;
}

/**
 * PRECEPT_COMPILE_TIMEOUT_MS (20000), PRECEPT_COMPILE_MEMORY_MB (512), PRECEPT_COMPILE_THREADS (1 on two cores:
 * the event loop keeps a core), PRECEPT_COMPILE_QUEUE (16).
 */
export function readCompileBudget(env: NodeJS.ProcessEnv = process.env): CompileBudget {
  return {
    timeoutMs: int(env.PRECEPT_COMPILE_TIMEOUT_MS, 20_000, "PRECEPT_COMPILE_TIMEOUT_MS", 1),
    memoryMb: int(env.PRECEPT_COMPILE_MEMORY_MB, 512, "PRECEPT_COMPILE_MEMORY_MB", 16),
    threads: int(env.PRECEPT_COMPILE_THREADS, Math.max(1, Math.min(2, availableParallelism() - 1)), "PRECEPT_COMPILE_THREADS", 1),
    maxQueue: int(env.PRECEPT_COMPILE_QUEUE, 16, "PRECEPT_COMPILE_QUEUE", 0),
  };
}
