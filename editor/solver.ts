/**
 * The solver's findings on the draft (rules that never fire or never decide, constant conditions, overlaps, gaps)
 * as markers of their own owner, with the catalogue's help. The solver takes a second or more on the server, so it
 * never runs per keystroke: on demand (the "Analyze" button, Ctrl+Shift+A), and when the author pauses for
 * PAUSE_MS after an error-free compile, then without the overlap search (quadratic in the rules: the button asks for
 * it). At most one run is in flight; a change made meanwhile aborts its request
 * (the answer would be for old text) and one more run follows for the newest text.
 */
import type { editor, IDisposable } from "monaco-editor/editor/editor.api";
import { catalogue } from "../dsl/catalogue.js";
import type { Finding } from "../engine/analysis/analyze.js";
import type { Analysis } from "./analysis.js";
import { api, inWords } from "./api.js";

export const ANALYSIS_MARKER_OWNER = "precept-analysis";
export const PAUSE_MS = 1500;

type MonacoLike = {
  editor: { setModelMarkers(model: editor.ITextModel, owner: string, markers: editor.IMarkerData[]): void };
  MarkerSeverity: { Error: number; Warning: number; Info: number };
};

export interface SolverState {
  readonly state: "idle" | "waiting" | "running" | "done" | "failed";
  /** Findings on the draft's own lines (inherited rules' findings are counted in `elsewhere`). */
  readonly findings: readonly Finding[];
  readonly elsewhere: number;
  readonly message: string;
  readonly ms?: number;
}

/**
 * Whether the solver runs by itself (findings when typing pauses, the verdict when Changes or Publish opens); kept
 * per browser. Off, each of those waits for its button: z3 runs on the server's main thread for now, so a shared
 * server may prefer that.
 */
export const autoAnalyze = {
  get: (): boolean => localStorage.getItem("precept.autoAnalyze") !== "off",
  set: (on: boolean): void => localStorage.setItem("precept.autoAnalyze", on ? "on" : "off"),
};

export function findingMarker(m: MonacoLike, model: editor.ITextModel, f: Finding): editor.IMarkerData {
  const help = f.help ?? catalogue[f.code].help;
  const endLine = Math.min(f.end.line, model.getLineCount());
  return {
    severity: f.severity === "info" ? m.MarkerSeverity.Info : f.severity === "error" ? m.MarkerSeverity.Error : m.MarkerSeverity.Warning,
    message: `${f.message}\nhelp: ${help}`,
    code: f.code,
    source: "precept solver",
    startLineNumber: f.start.line,
    startColumn: f.start.column,
    endLineNumber: endLine,
    // A finding on a whole rule spans its header line only: the squiggle stays readable.
    endColumn: endLine === f.start.line ? Math.max(f.end.column, f.start.column + 1) : model.getLineMaxColumn(endLine),
  };
}

export class Solver implements IDisposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private inFlight: AbortController | undefined;
  private again = false;
  private againOverlaps = false;
  private readonly listeners = new Set<(s: SolverState) => void>();
  private readonly subscriptions: IDisposable[] = [];
  state: SolverState = { state: "idle", findings: [], elsewhere: 0, message: "" };

  constructor(
    private readonly m: MonacoLike,
    private readonly analysis: Analysis,
    private readonly program: string,
  ) {
    const model = analysis.model;
    this.subscriptions.push(
      // The findings are for the text they were computed on: an edit makes them stale at once.
      model.onDidChangeContent(() => {
        clearTimeout(this.timer);
        this.timer = undefined;
        this.inFlight?.abort();
        this.again = false;
        this.clearMarkers();
        this.set({ state: "idle", findings: [], elsewhere: 0, message: "" });
      }),
      analysis.onResult((r) => {
        if (r.versionId !== model.getVersionId() || !autoAnalyze.get() || !r.compiled) return;
        clearTimeout(this.timer);
        this.set({ ...this.state, state: "waiting", message: "The solver checks the rules when you pause…" });
        this.timer = setTimeout(() => void this.run(false), PAUSE_MS);
      }),
    );
  }

  onChange(fn: (s: SolverState) => void): IDisposable {
    this.listeners.add(fn);
    fn(this.state);
    return { dispose: () => this.listeners.delete(fn) };
  }

  private set(s: SolverState): void {
    this.state = s;
    for (const fn of this.listeners) fn(s);
  }

  private clearMarkers(): void {
    if (!this.analysis.model.isDisposed()) this.m.editor.setModelMarkers(this.analysis.model, ANALYSIS_MARKER_OWNER, []);
  }

  /** Runs the solver on the current text now (coalesced with a run in flight); `overlaps` adds the pair search. */
  async run(overlaps = true): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.inFlight) {
      this.again = true;
      this.againOverlaps ||= overlaps;
      return;
    }
    const model = this.analysis.model;
    const result = await this.analysis.settled();
    if (!result || model.isDisposed()) return;
    if (!result.compiled) {
      this.set({ state: "failed", findings: [], elsewhere: 0, message: "The solver checks a draft without errors: fix the problems above first." });
      return;
    }
    const versionId = model.getVersionId();
    const text = model.getValue();
    const own = result.compiled.version;
    const ctrl = new AbortController();
    this.inFlight = ctrl;
    this.set({ state: "running", findings: [], elsewhere: 0, message: "The solver is checking the rules…" });
    const t0 = performance.now();
    try {
      const answer = await api.analyze(this.program, text, overlaps, ctrl.signal);
      if (ctrl.signal.aborted || model.isDisposed() || model.getVersionId() !== versionId) return;
      const findings = answer.findings.filter((f) => f.version === own);
      this.m.editor.setModelMarkers(model, ANALYSIS_MARKER_OWNER, findings.map((f) => findingMarker(this.m, model, f)));
      const warnings = findings.filter((f) => f.severity !== "info").length;
      const notes = findings.length - warnings;
      const elsewhere = answer.findings.length - findings.length;
      const ms = Math.round(performance.now() - t0);
      this.set({
        state: "done", findings, elsewhere, ms,
        message: `Solver: ${warnings ? `${warnings} warning${warnings === 1 ? "" : "s"}` : "no warnings"}, ${notes} note${notes === 1 ? "" : "s"}${elsewhere ? ` (and ${elsewhere} on inherited rules)` : ""} (${(ms / 1000).toFixed(1)} s).`,
      });
    } catch (err) {
      if (ctrl.signal.aborted) return;
      this.set({ state: "failed", findings: [], elsewhere: 0, message: inWords(err, "The solver's check") });
    } finally {
      if (this.inFlight === ctrl) this.inFlight = undefined;
      if (this.again && !model.isDisposed()) {
        this.again = false;
        const next = this.againOverlaps;
        this.againOverlaps = false;
        void this.run(next);
      }
    }
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.inFlight?.abort();
    for (const s of this.subscriptions) s.dispose();
    this.listeners.clear();
    this.clearMarkers();
  }
}
