/**
 * Diagnostics as Monaco markers, as Monaco's own DiagnosticsAdapter does it: every analysis result (editor/analysis.ts
 * compiles each change, debounced, in a worker) replaces the model's markers; disposing clears them.
 *
 * Conversions happen here only: dsl/ positions are 1-based with an exclusive end, like Monaco's, so they map one to
 * one; an empty span (a token the parser expected but did not find) is widened to one character so it shows.
 */
import type { Diagnostic } from "../dsl/index.js";
import type { editor, IDisposable } from "monaco-editor/editor/editor.api";
import type { Analysis } from "./analysis.js";

export const MARKER_OWNER = "precept";
/** Markers from the server's answer to a publish (422): shown until the next edit. */
export const SERVER_MARKER_OWNER = "precept-server";

type MonacoLike = { editor: { setModelMarkers(model: editor.ITextModel, owner: string, markers: editor.IMarkerData[]): void }; MarkerSeverity: { Error: number; Warning: number } };

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
    message: d.help ? `${d.message}\nhelp: ${d.help}` : d.message,
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

/** Keeps the model's markers in step with its analysis; also drops the server's markers at the first edit. */
export function attachMarkers(m: MonacoLike, analysis: Analysis): IDisposable {
  const model = analysis.model;
  const results = analysis.onResult((r) => setMarkers(m, model, MARKER_OWNER, r.diagnostics));
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
