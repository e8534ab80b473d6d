/**
 * Compilation off the event loop, bounded (issue 11, failures 1 and 11): `POST /v1/compile` and the compile step of
 * publishing run on a small piscina pool of worker threads, each task with a time budget (the thread is terminated
 * when it runs out) and a memory budget (`resourceLimits`), so that evaluations and `/health` never wait behind a
 * compile, and no source can take the server down with it. Over budget answers 422 with a `limit/…` diagnostic;
 * a full queue answers 503.
 */
import { MessageChannel } from "node:worker_threads";
import { Piscina } from "piscina";
import type { CompiledPolicy } from "../dsl/compiled.js";
import type { Diagnostic, PolicyHost } from "../dsl/index.js";
import type { CaseManifest, PolicyTestCase } from "../engine/test-cases.js";
import type { CompileTask, CompileTaskResult, HostQuestion } from "./compile-worker.js";
import type { CompileBudget } from "./compile-budget.js";
import type { CodeOf } from "../dsl/catalogue.js";
import { bundleWorker, execArgvWithoutTsx } from "../engine/worker-bundle.js";
import { AppError, statusOf } from "./errors.js";
import type { Logger } from "./logging.js";
import type { EvaluabilityProblem } from "./publish-checks.js";

const at = { line: 1, column: 1, offset: 0 };

function limitError(code: CodeOf<"error">, message: string, help: string): AppError {
  const diagnostic: Diagnostic = { code, severity: "error", message, help, start: at, end: at };
  return new AppError("policy-limit", message, { diagnostics: [diagnostic] });
}

const TSX_WORKER = new URL("./compile-worker-entry.mjs", import.meta.url).href;
let bundled: Promise<string | undefined> | undefined;

/**
 * The task bundled into one plain ES module by esbuild (which tsx brings), so a thread starts in a fraction of the
 * second tsx takes to load TypeScript; content-addressed in the temp folder. Falls back to the tsx entry;
 * `worker: "tsx"` (PRECEPT_COMPILE_WORKER=tsx) forces it. (The same scheme as engine/simulate/run.ts.)
 */
async function workerFile(worker: CompileBudget["worker"]): Promise<string> {
  if (worker === "tsx") return TSX_WORKER;
  bundled ??= bundleWorker(new URL("./compile-worker.ts", import.meta.url), "precept-compile-worker");
  return (await bundled) ?? TSX_WORKER;
}


type Job = { kind: "compile"; source: string; asText?: boolean } | { kind: "check"; compiled: CompiledPolicy; manifest: CaseManifest; cases: readonly PolicyTestCase[] };

export class CompilePool {
  private pool?: Promise<Piscina<CompileTask, CompileTaskResult>>;

  constructor(
    readonly budget: CompileBudget,
    private readonly log?: Logger,
  ) {}

  private piscina(): Promise<Piscina<CompileTask, CompileTaskResult>> {
    this.pool ??= workerFile(this.budget.worker).then(
      (filename) =>
        new Piscina<CompileTask, CompileTaskResult>({
          filename,
          minThreads: 0,
          maxThreads: this.budget.threads,
          maxQueue: this.budget.maxQueue,
          idleTimeout: 60_000,
          execArgv: execArgvWithoutTsx(),
          resourceLimits: { maxOldGenerationSizeMb: this.budget.memoryMb, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 },
        }),
    );
    return this.pool;
  }

  /** Compiles a source in a worker; the result is what `compilePolicy` returns, minus the parse. */
  async compile(source: string, host: PolicyHost): Promise<{ compiled?: CompiledPolicy; diagnostics: readonly Diagnostic[] }> {
    const r = await this.run({ kind: "compile", source }, host);
    return r.kind === "compile" ? r : { diagnostics: [] };
  }

  /** The same, with the compiled policy as JSON text (for answering it as is: nothing to rebuild on this thread). */
  async compileToText(source: string, host: PolicyHost): Promise<{ compiledJson?: string; program?: string; diagnostics: readonly Diagnostic[] }> {
    const r = await this.run({ kind: "compile", source, asText: true }, host);
    return r.kind === "compile" ? r : { diagnostics: [] };
  }

  /** Evaluates a compiled policy on its test cases and on requests made from its schema (publish-checks.ts). */
  async check(compiled: CompiledPolicy, manifest: CaseManifest, cases: readonly PolicyTestCase[]): Promise<readonly EvaluabilityProblem[]> {
    const noHost: PolicyHost = { requestSchema: () => undefined, parentSource: () => undefined };
    const r = await this.run({ kind: "check", compiled, manifest: { requestId: manifest.requestId, outcomes: manifest.outcomes }, cases }, noHost);
    return r.kind === "check" ? r.problems : [];
  }

  private async run(job: Job, host: PolicyHost): Promise<CompileTaskResult> {
    const pool = await this.piscina();
    const { port1, port2 } = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const cell = new Int32Array(flag);
    const ac = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    port2.on("message", (m: { kind: "started" } | HostQuestion) => {
      if (m.kind === "started") {
        timer = setTimeout(() => {
          timedOut = true;
          ac.abort();
        }, this.budget.timeoutMs);
        return;
      }
      let value: unknown;
      try {
        value = m.fn === "requestSchema" ? host.requestSchema(m.program, m.arg) : host.parentSource(m.program, m.arg);
      } catch {
        value = undefined;
      }
      port2.postMessage({ value });
      Atomics.store(cell, 0, 1);
      Atomics.notify(cell, 0);
    });
    try {
      return await pool.run({ ...job, port: port1, flag } as CompileTask, { transferList: [port1], signal: ac.signal });
    } catch (e) {
      const answer = this.explain(e, timedOut, job.kind);
      // Over budget is the policy's doing; anything else is ours, and worth a stack in the log.
      if (statusOf(answer) >= 500) this.log?.error({ err: e, kind: job.kind }, "compile task failed");
      else this.log?.info({ code: (answer.details as { diagnostics?: { code: string }[] } | undefined)?.diagnostics?.[0]?.code, kind: job.kind }, "compile task stopped");
      throw answer;
    } finally {
      if (timer) clearTimeout(timer);
      port2.close();
    }
  }

  /** A failed task as the answer the client gets. */
  private explain(e: unknown, timedOut: boolean, kind: Job["kind"]): AppError {
    const what = kind === "compile" ? "compiling the policy" : "evaluating the compiled policy";
    if (timedOut) {
      return limitError("limit/compile-time", `${what} took longer than ${this.budget.timeoutMs} ms`, "make the policy smaller: fewer rules, shorter expressions, fewer `let` facts");
    }
    const err = e as { code?: unknown; message?: unknown; name?: unknown };
    if (err?.code === "ERR_WORKER_OUT_OF_MEMORY") {
      return limitError("limit/compile-memory", `${what} needed more than ${this.budget.memoryMb} MB`, "make the policy smaller: fewer rules, shorter expressions, fewer `let` facts");
    }
    if (err?.name === "RangeError" || /call stack/i.test(String(err?.message))) {
      return limitError("limit/compile-stack", `${what} nested too deeply`, "split long expressions and chains of `let` facts");
    }
    if (/queue is at limit|no task queue available/i.test(String(err?.message))) {
      return new AppError("compile-busy", "the server is compiling as many policies as it can: try again shortly", { retryAfterSeconds: 1 });
    }
    return new AppError("compile-failed", "the compiler stopped unexpectedly: try again");
  }

  async close(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    if (p) await (await p).destroy();
  }
}

const pools = new WeakMap<object, CompilePool>();

/** One pool per server (per Services object), made on first use; its threads go when idle and never hold exit. */
export function compilePoolFor(s: { readonly config: { readonly compile: CompileBudget }; readonly log?: Logger }): CompilePool {
  let p = pools.get(s);
  if (!p) pools.set(s, (p = new CompilePool(s.config.compile, s.log?.child({ component: "compile-pool" }))));
  return p;
}
