/**
 * The editor pane: the Monaco editor holding the draft, its live analysis and markers, the Problems list (the same
 * diagnostics as text, for keyboard and screen-reader users), read-only models of the other versions (targets of
 * go-to-definition into inherited names) and the diff editor.
 */
import type { editor, IDisposable, Uri } from "monaco-editor/editor/editor.api";
import type { Diagnostic } from "../dsl/index.js";
import { factCatalogue, type FactInfo } from "../dsl/schema-facts.js";
import { Analysis, type AnalysisResult } from "./analysis.js";
import { registerCompletion } from "./completion.js";
import { registerDefinition } from "./definition.js";
import { registerFormatting } from "./format.js";
import { byId, clear, h } from "./dom.js";
import { registerHover } from "./hover.js";
import { LANGUAGE_ID, registerPrecept } from "./language.js";
import { attachMarkers, helpOf } from "./markers.js";
import { monaco } from "./monaco.js";
import { registerQuickFixes } from "./quickfix.js";
import { registerDocumentSymbols } from "./document-symbols.js";
import { Solver } from "./solver.js";
import { attachSolverView } from "./solver-view.js";
import type { EditorContext } from "./symbols.js";

export interface DraftContext {
  readonly program: string;
  /** The request schema of the program (embedded in its compiled versions). */
  readonly schema?: object;
  /** Source of every published version of the program, by version id. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Whether Tab inserts indentation in the policy editor (off by default: Tab moves the focus), kept per browser. */
const tabInsertion = {
  get: (): boolean => localStorage.getItem("precept.tabInsertion") === "on",
  set: (on: boolean): void => localStorage.setItem("precept.tabInsertion", on ? "on" : "off"),
};

const draftUri = (key: string): Uri => monaco.Uri.parse(`inmemory://draft/${encodeURIComponent(key)}.policy`);
const versionUri = (program: string, version: string): Uri => monaco.Uri.parse(`inmemory://published/${encodeURIComponent(program)}/${encodeURIComponent(version)}.policy`);

export class Workspace {
  readonly editor: editor.IStandaloneCodeEditor;
  private diffEditor: editor.IStandaloneDiffEditor | undefined;
  private diffBase: editor.ITextModel | undefined;
  model: editor.ITextModel | undefined;
  analysis: Analysis | undefined;
  /** The solver's findings on the draft (editor/solver.ts). */
  solver: Solver | undefined;
  /** Opens a finding's example in try-it (set by editor/main.ts). */
  onTryExample: (request: unknown, decisionDate: string) => void = () => {};
  private context: DraftContext | undefined;
  private facts: ReadonlyMap<string, FactInfo> = new Map();
  private readonly published = new Map<string, editor.ITextModel>();
  private readonly perDraft: IDisposable[] = [];
  private readonly resultListeners = new Set<(r: AnalysisResult) => void>();
  /** Called when go-to-definition lands in another version's model. */
  onOpenVersion: (program: string, version: string, line: number) => void = () => {};

  constructor() {
    registerPrecept(monaco);
    this.editor = monaco.editor.create(byId("editor"), {
      theme: "precept",
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: false },
      wordWrap: "off",
      scrollBeyondLastLine: false,
      renderWhitespace: "none",
      ariaLabel: "Policy source",
      accessibilitySupport: "auto",
      fixedOverflowWidgets: true,
      quickSuggestions: { other: true, comments: false, strings: false },
      suggest: { showWords: false },
      // Sticky scroll would pin YAML keys of the envelope above the rules, where they mean nothing.
      stickyScroll: { enabled: false },
      tabSize: 2,
      // Keyboard users are never trapped: Tab leaves the editor unless the author turns tab-insertion on (the
      // checkbox above the editor, or Ctrl+M); Tab accepts a completion, Enter always breaks the line.
      tabFocusMode: !tabInsertion.get(),
      acceptSuggestionOnEnter: "off",
    });
    const toggle = byId<HTMLInputElement>("tab-insert");
    toggle.checked = tabInsertion.get();
    const setTabInsertion = (on: boolean): void => {
      tabInsertion.set(on);
      toggle.checked = on;
      this.editor.updateOptions({ tabFocusMode: !on });
    };
    toggle.addEventListener("change", () => setTabInsertion(toggle.checked));
    this.editor.addAction({
      id: "precept.toggleTabInsertion",
      label: "Toggle: Tab key indents (otherwise it moves the focus)",
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyM],
      run: () => setTabInsertion(!tabInsertion.get()),
    });
    const contextOf = (model: editor.ITextModel): EditorContext | undefined =>
      this.model && model.uri.toString() === this.model.uri.toString() && this.analysis ? { outline: this.analysis.outline, facts: this.facts } : undefined;
    registerCompletion(monaco, contextOf);
    registerHover(monaco, contextOf);
    registerQuickFixes(monaco);
    registerDocumentSymbols(monaco, (model) => contextOf(model)?.outline);
    registerFormatting(monaco);
    registerDefinition(monaco, contextOf, (_model, version) => (this.context ? this.publishedModel(this.context.program, version)?.uri : undefined));
    monaco.editor.registerEditorOpener({
      openCodeEditor: (_source, resource, selection) => {
        const m = /^\/([^/]+)\/(.+)\.policy$/.exec(decodeURIComponent(resource.path));
        if (resource.authority !== "published" || !m) return false;
        const line = selection && "startLineNumber" in selection ? selection.startLineNumber : selection && "lineNumber" in selection ? selection.lineNumber : 1;
        this.onOpenVersion(m[1]!, m[2]!, line);
        return true;
      },
    });
    this.editor.onDidChangeCursorPosition((e) => (byId("cursor-pos").textContent = `Line ${e.position.lineNumber}, column ${e.position.column}`));
  }

  /** A read-only model of a published version's source (created on first use). */
  publishedModel(program: string, version: string): editor.ITextModel | undefined {
    const key = `${program}/${version}`;
    const have = this.published.get(key);
    if (have) return have;
    const text = this.context?.program === program ? this.context.sources[version] : undefined;
    if (text === undefined) return undefined;
    const model = monaco.editor.createModel(text, LANGUAGE_ID, versionUri(program, version));
    this.published.set(key, model);
    return model;
  }

  /** Opens a draft: a fresh model (the previous one is disposed, which clears its markers) and its analysis. */
  open(key: string, text: string, context: DraftContext, label: string): void {
    this.closeDiff();
    for (const d of this.perDraft.splice(0)) d.dispose();
    this.analysis?.dispose();
    this.model?.dispose();
    if (this.context?.program !== context.program) {
      for (const m of this.published.values()) m.dispose();
      this.published.clear();
    }
    this.context = context;
    this.facts = factCatalogue(context.schema);
    const model = monaco.editor.createModel(text, LANGUAGE_ID, draftUri(key));
    model.updateOptions({ tabSize: 2, insertSpaces: true });
    this.model = model;
    this.editor.setModel(model);
    this.editor.updateOptions({ ariaLabel: `Policy source: ${label}` });
    const analysis = new Analysis(model);
    this.analysis = analysis;
    this.perDraft.push(attachMarkers(monaco, analysis));
    this.perDraft.push(analysis.onResult((r) => {
      this.renderProblems(r.diagnostics);
      for (const fn of this.resultListeners) fn(r);
    }));
    const solver = new Solver(monaco, analysis, context.program);
    this.solver = solver;
    this.perDraft.push(solver, attachSolverView(solver, { revealLine: (l, c) => this.revealLine(l, c), tryExample: (r, d) => this.onTryExample(r, d) }));
    analysis.setContext(context.schema, context.sources);
  }

  onResult(fn: (r: AnalysisResult) => void): IDisposable {
    this.resultListeners.add(fn);
    return { dispose: () => this.resultListeners.delete(fn) };
  }

  /** Moves the cursor to a line (1-based) of the draft and gives the editor focus. */
  revealLine(line: number, column = 1): void {
    this.closeDiff();
    this.editor.setPosition({ lineNumber: line, column });
    this.editor.revealLineInCenter(line);
    this.editor.focus();
  }

  private renderProblems(diagnostics: readonly Diagnostic[]): void {
    const errors = diagnostics.filter((d) => d.severity === "error").length;
    const warnings = diagnostics.length - errors;
    byId("problem-count").textContent = diagnostics.length === 0 ? "none" : `${errors} error${errors === 1 ? "" : "s"}, ${warnings} warning${warnings === 1 ? "" : "s"}`;
    clear(
      byId("problems"),
      diagnostics.slice(0, 200).map((d) =>
        h("li", { class: d.severity },
          h("button", { type: "button", class: "linklike", onclick: () => this.revealLine(d.start.line, d.start.column) },
            h("span", { class: "sev" }, d.severity === "error" ? "error" : "warning"),
            ` line ${d.start.line}: ${d.message}`,
            helpOf(d).length ? h("span", { class: "help" }, ` (help: ${helpOf(d).join(" ")})`) : ""),
        ),
      ),
    );
  }

  /** Shows the draft against a published version in Monaco's diff editor (the draft stays editable). */
  showDiff(program: string, version: string): void {
    const base = this.publishedModel(program, version);
    if (!base || !this.model) return;
    byId("editor").hidden = true;
    const host = byId("diff");
    host.hidden = false;
    this.diffEditor ??= monaco.editor.createDiffEditor(host, {
      theme: "precept",
      automaticLayout: true,
      renderSideBySide: host.clientWidth > 700,
      originalEditable: false,
      readOnly: false,
      minimap: { enabled: false },
      fontSize: 13,
      ariaLabel: "Differences between the published version and the draft",
    });
    this.diffBase = base;
    this.diffEditor.setModel({ original: base, modified: this.model });
  }

  get diffShown(): boolean {
    return this.diffBase !== undefined;
  }

  closeDiff(): void {
    if (!this.diffEditor || !this.diffBase) return;
    this.diffEditor.setModel(null);
    this.diffBase = undefined;
    byId("diff").hidden = true;
    byId("editor").hidden = false;
  }
}
