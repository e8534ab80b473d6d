/** The compile pool's budget (compile-pool.ts); server/config.ts reads it from the environment with the other settings. */

export interface CompileBudget {
  /** Wall time of one task once it has a thread (ms). */
  readonly timeoutMs: number;
  /** V8 old-generation heap of a compile thread (MB). */
  readonly memoryMb: number;
  readonly threads: number;
  /** Tasks waiting for a thread before new ones are refused with 503. */
  readonly maxQueue: number;
  /** `tsx`: threads load the TypeScript sources instead of the bundle (slower to start; for debugging the bundle). */
  readonly worker: "bundled" | "tsx";
}
