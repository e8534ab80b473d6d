/**
 * Live analysis of one policy model: every change is compiled (debounced) by the compile worker, and the newest
 * result (diagnostics, compiled policy, outline) is kept here for markers, completion, hover, try-it and tests.
 *
 * Scheduling: a short debounce, then at most one compile in flight. Changes made while the worker is busy are
 * coalesced into one more compile of the newest text when it answers, so a slow compile (a 2,000-line policy)
 * never builds a queue, and a fast one shows markers a few milliseconds after the keystroke.
 */
import type { editor, IDisposable } from "monaco-editor/editor/editor.api";
import type { CompiledPolicy } from "../dsl/index.js";
import CompileWorker from "./compile.worker?worker";
import { emptyOutline } from "./outline.js";
import { failure, type WorkerReply, type WorkerRequest } from "./protocol.js";

export const DEBOUNCE_MS = 10;

export interface AnalysisResult extends WorkerReply {
  /** The compiled policy, when the text has no errors (parsed from `compiledJson` on first use). */
  readonly compiled?: CompiledPolicy;
  /** The model version the result is for. */
  readonly versionId: number;
  /** From the change that made this version to the result's arrival (ms); undefined for the first compile. */
  readonly latencyMs?: number;
}

function withLazyCompiled<T extends WorkerReply>(r: T): T & { readonly compiled?: CompiledPolicy } {
  let parsed: CompiledPolicy | undefined;
  return Object.defineProperty(r, "compiled", {
    enumerable: true,
    get: () => (r.compiledJson === undefined ? undefined : (parsed ??= JSON.parse(r.compiledJson) as CompiledPolicy)),
  });
}

export class Analysis implements IDisposable {
  private readonly worker: Worker = new CompileWorker();
  private readonly listeners = new Set<(r: AnalysisResult) => void>();
  private readonly waiting: ((r: AnalysisResult | undefined) => void)[] = [];
  private readonly changedAt = new Map<number, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: number | undefined;
  private dirty = false;
  private readonly subscription: IDisposable;
  latest: AnalysisResult | undefined;

  constructor(readonly model: editor.ITextModel) {
    this.worker.onmessage = (e: MessageEvent<WorkerReply>) => this.receive(e.data);
    // A worker that dies mid-compile would otherwise leave `inFlight` set and stop the analysis for good.
    this.worker.onerror = (e) => {
      e.preventDefault();
      if (this.inFlight !== undefined) this.receive(failure(this.inFlight, e.message));
    };
    this.subscription = model.onDidChangeContent(() => {
      this.changedAt.set(model.getVersionId(), performance.now());
      this.schedule();
    });
  }

  /** The program's request schema and the sources a draft may extend; recompiles. */
  setContext(schema: object | undefined, parents: Readonly<Record<string, string>>): void {
    const msg: WorkerRequest = { type: "context", ...(schema ? { schema } : {}), parents };
    this.worker.postMessage(msg);
    this.schedule(0);
  }

  onResult(fn: (r: AnalysisResult) => void): IDisposable {
    this.listeners.add(fn);
    if (this.latest) fn(this.latest);
    return { dispose: () => this.listeners.delete(fn) };
  }

  /** Resolves with the result for the model's current text (compiling it if needed); undefined once disposed. */
  settled(): Promise<AnalysisResult | undefined> {
    if (this.latest && this.latest.versionId === this.model.getVersionId() && this.timer === undefined && !this.dirty) {
      return Promise.resolve(this.latest);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  get outline() {
    return this.latest?.outline ?? emptyOutline;
  }

  private schedule(delay = DEBOUNCE_MS): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.send();
    }, delay);
  }

  private send(): void {
    if (this.model.isDisposed()) return;
    if (this.inFlight !== undefined) {
      this.dirty = true;
      return;
    }
    this.dirty = false;
    this.inFlight = this.model.getVersionId();
    const msg: WorkerRequest = { type: "compile", seq: this.inFlight, text: this.model.getValue() };
    this.worker.postMessage(msg);
  }

  private receive(reply: WorkerReply): void {
    this.inFlight = undefined;
    if (this.model.isDisposed()) return;
    const changed = this.changedAt.get(reply.seq);
    for (const v of this.changedAt.keys()) if (v <= reply.seq) this.changedAt.delete(v);
    const result: AnalysisResult = withLazyCompiled({ ...reply, versionId: reply.seq, ...(changed !== undefined ? { latencyMs: performance.now() - changed } : {}) });
    this.latest = result;
    for (const fn of this.listeners) fn(result);
    if (this.dirty) {
      this.send();
      return;
    }
    if (result.versionId === this.model.getVersionId() && this.timer === undefined) {
      for (const resolve of this.waiting.splice(0)) resolve(result);
    }
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const resolve of this.waiting.splice(0)) resolve(undefined);
    this.subscription.dispose();
    this.listeners.clear();
    this.worker.terminate();
  }
}
