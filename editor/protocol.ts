/** Messages between the main thread (editor/analysis.ts) and the compile worker (editor/compile.worker.ts). */
import type { Diagnostic } from "../dsl/index.js";
import { emptyOutline, type Outline } from "./outline.js";

export type WorkerRequest =
  /** The program a draft belongs to: its request schema and the source of every version it may extend. */
  | { readonly type: "context"; readonly schema?: object; readonly parents: Readonly<Record<string, string>> }
  | { readonly type: "compile"; readonly seq: number; readonly text: string };

export interface WorkerReply {
  readonly type: "result";
  readonly seq: number;
  readonly diagnostics: readonly Diagnostic[];
  /**
   * The compiled policy as JSON text (present when there are no errors). A string crosses postMessage almost for
   * free, where cloning the object costs milliseconds on each side; the main thread parses it only when asked.
   */
  readonly compiledJson?: string;
  readonly outline: Outline;
  /** Time the worker spent compiling. */
  readonly ms: number;
}

/** The reply that stands in for a compile that failed inside the worker (a bug: dsl/ never throws on input). */
export function failure(seq: number, why: string): WorkerReply {
  const at = { line: 1, column: 1, offset: 0 };
  return {
    type: "result",
    seq,
    diagnostics: [{ code: "editor/internal", severity: "error", message: `the checker failed on this text: ${why}`, help: "this is a bug in Precept; your text is kept", start: at, end: at }],
    outline: emptyOutline,
    ms: 0,
  };
}
