/**
 * The piscina task: one slice of a simulation (slice.ts) in a worker thread. Evaluators are built once per thread
 * and policy; duplicate memory lives per simulation (`memoryKey`) for the sequential mode (one thread, slices in
 * order), and is dropped with `forget`.
 */
import type { Tally } from "./aggregate.js";
import { forgetMemory, runSlice, type SliceInput } from "./slice.js";

export interface WorkerTask {
  readonly slice?: SliceInput;
  readonly memoryKey?: string;
  readonly forget?: string;
}

export default function task(t: WorkerTask): Tally | null {
  if (t.forget) {
    forgetMemory(t.forget);
    return null;
  }
  return runSlice(t.slice!, t.memoryKey ? { memoryKey: t.memoryKey } : {});
}
