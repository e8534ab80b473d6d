/**
 * The compile worker's task (run by compile-pool.ts on a piscina thread with a time and memory budget): compile a
 * source, or check that a compiled policy can be evaluated. The PolicyHost lives on the main thread (it reads the
 * registry); its answers come back synchronously through a MessagePort and an Atomics flag, since the compiler asks
 * for a parent's source in the middle of a synchronous compile.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { CompiledPolicy } from "../dsl/compiled.js";
import { compilePolicy, type Diagnostic, type PolicyHost } from "../dsl/index.js";
import type { CaseManifest, PolicyTestCase } from "../engine/test-cases.js";
import { evaluabilityProblems, type EvaluabilityProblem } from "./publish-checks.js";

export type CompileTask =
  | { readonly kind: "compile"; readonly source: string; readonly asText?: boolean; readonly port: MessagePort; readonly flag: SharedArrayBuffer }
  | { readonly kind: "check"; readonly compiled: CompiledPolicy; readonly manifest: CaseManifest; readonly cases: readonly PolicyTestCase[]; readonly port: MessagePort; readonly flag: SharedArrayBuffer };

export type CompileTaskResult =
  | {
      readonly kind: "compile";
      readonly compiled?: CompiledPolicy;
      /** With `asText`: the compiled policy as JSON text, which crosses threads as one string instead of a tree. */
      readonly compiledJson?: string;
      readonly program?: string;
      readonly diagnostics: readonly Diagnostic[];
    }
  | { readonly kind: "check"; readonly problems: readonly EvaluabilityProblem[] };

/** A question to the main thread's host; see `answerHost` in compile-pool.ts. */
export interface HostQuestion {
  readonly kind: "host";
  readonly fn: "requestSchema" | "parentSource";
  readonly program: string;
  readonly arg: string;
}

/** How long a host question may wait for the main thread (it answers from memory, so this is generous). */
const HOST_WAIT_MS = 5000;

function bridgedHost(port: MessagePort, flag: SharedArrayBuffer): PolicyHost {
  const cell = new Int32Array(flag);
  const ask = (q: HostQuestion): unknown => {
    Atomics.store(cell, 0, 0);
    port.postMessage(q);
    if (Atomics.wait(cell, 0, 0, HOST_WAIT_MS) === "timed-out") throw new Error("the server did not answer the compiler in time");
    return (receiveMessageOnPort(port)?.message as { value?: unknown } | undefined)?.value;
  };
  return {
    requestSchema: (program, ref) => ask({ kind: "host", fn: "requestSchema", program, arg: ref }) as object | undefined,
    parentSource: (program, version) => ask({ kind: "host", fn: "parentSource", program, arg: version }) as string | undefined,
  };
}

export default async function task(t: CompileTask): Promise<CompileTaskResult> {
  // Tells the pool the task has a thread: its time budget starts now, not while it waited in the queue.
  t.port.postMessage({ kind: "started" });
  try {
    if (t.kind === "check") return { kind: "check", problems: await evaluabilityProblems(t.compiled, t.manifest, t.cases) };
    const { compiled, diagnostics } = compilePolicy(t.source, bridgedHost(t.port, t.flag));
    if (!compiled) return { kind: "compile", diagnostics };
    if (t.asText) return { kind: "compile", compiledJson: JSON.stringify(compiled), program: compiled.program, diagnostics };
    return { kind: "compile", compiled, diagnostics };
  } finally {
    t.port.close();
  }
}
