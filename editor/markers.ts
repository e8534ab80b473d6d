/**
 * Diagnostics as Monaco markers, as Monaco's own DiagnosticsAdapter does it: every analysis result (editor/analysis.ts
 * compiles each change, debounced, in a worker) replaces the model's markers; disposing clears them.
 *
 * Conversions happen here only: dsl/ positions are 1-based with an exclusive end, like Monaco's, so they map one to
 * one; an empty span (a token the parser expected but did not find) is widened to one character so it shows.
 */
import { catalogue } from "../dsl/catalogue.js";
import type { Diagnostic } from "../dsl/index.js";
import type { editor, IDisposable } from "monaco-editor/editor/editor.api";
import type { Analysis } from "./analysis.js";
import { CITE_PLACEHOLDER, placeholderCites } from "./quickfix.js";

export const MARKER_OWNER = "precept";
/** Markers from the server's answer to a publish (422): shown until the next edit. */
export const SERVER_MARKER_OWNER = "precept-server";

type MonacoLike = { editor: { setModelMarkers(model: editor.ITextModel, owner: string, markers: editor.IMarkerData[]): void }; MarkerSeverity: { Error: number; Warning: number } };

/**
 * What to write instead, for the author: the diagnostic's own help (a "did you mean" …), then the catalogue's help
 * for its code when that says more; one line each.
 */
export function helpOf(d: Pick<Diagnostic, "code" | "help">): string[] {
  const general = (catalogue as Record<string, { help?: string } | undefined>)[d.code]?.help;
  const own = d.help?.trim();
  if (!own) return general ? [general] : [];
  return general && general !== own ? [own, general] : [own];
}

/** The message shown under a marker (and in its hover): the message, then the help, each on its own line. */
export function markerMessage(d: Pick<Diagnostic, "code" | "help" | "message">): string {
  const [own, general] = helpOf(d);
  return [d.message, ...(own ? [`help: ${own}`] : []), ...(general ? [`in general: ${general}`] : [])].join("\n");
}

/** The marker of one diagnostic: the message, then the help on its own line. */
export function toMarker(m: MonacoLike, model: editor.ITextModel, d: Diagnostic): editor.IMarkerData {
  let { line: startLineNumber, column: startColumn } = d.start;
  let { line: endLineNumber, column: endColumn } = d.end;
  if (startLineNumber === endLineNumber && startColumn === endColumn) {
    const lineLength = model.getLineMaxColumn(Math.min(startLineNumber, model.getLineCount()));
    if (startColumn < lineLength) endColumn = startColumn + 1;
    else if (startColumn > 1) startColumn -= 1;
    else if (startLineNumber > 1) {
      startLineNumber -= 1;
      startColumn = Math.max(1, model.getLineMaxColumn(startLineNumber) - 1);
      endLineNumber = startLineNumber;
      endColumn = startColumn + 1;
    }
  }
  return {
    severity: d.severity === "error" ? m.MarkerSeverity.Error : m.MarkerSeverity.Warning,
    message: markerMessage(d),
    code: d.code,
    source: "precept",
    startLineNumber,
    startColumn,
    endLineNumber,
    endColumn,
  };
}

export function setMarkers(m: MonacoLike, model: editor.ITextModel, owner: string, diagnostics: readonly Diagnostic[]): void {
  if (model.isDisposed()) return;
  m.editor.setModelMarkers(model, owner, diagnostics.map((d) => toMarker(m, model, d)));
}

/** A `cite` the quick fix inserted whose placeholder is still there: the citation is as good as missing. */
export function placeholderDiagnostics(model: Parameters<typeof placeholderCites>[0]): Diagnostic[] {
  return placeholderCites(model).map(({ line, column, endColumn }) => ({
    code: "policy/missing-citation",
    severity: "warning",
    message: `this \`cite\` still holds the placeholder “${CITE_PLACEHOLDER}”: write the seed file and the section the rule puts into practice`,
    start: { line, column, offset: 0 },
    end: { line, column: endColumn, offset: 0 },
  }));
}

/**
 * Keeps the model's markers in step with its analysis (plus placeholder citations); also drops the server's
 * markers at the first edit.
 */
export function attachMarkers(m: MonacoLike, analysis: Analysis): IDisposable {
  const model = analysis.model;
  const results = analysis.onResult((r) => setMarkers(m, model, MARKER_OWNER, [...r.diagnostics, ...placeholderDiagnostics(model)]));
  const edits = model.onDidChangeContent(() => m.editor.setModelMarkers(model, SERVER_MARKER_OWNER, []));
  const clear = (): void => {
    if (model.isDisposed()) return;
    m.editor.setModelMarkers(model, MARKER_OWNER, []);
    m.editor.setModelMarkers(model, SERVER_MARKER_OWNER, []);
  };
  const willDispose = model.onWillDispose(clear);
  return {
    dispose() {
      results.dispose();
      edits.dispose();
      willDispose.dispose();
      clear();
    },
  };
}
