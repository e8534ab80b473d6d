/**
 * Quick fixes (Monaco code actions, Ctrl+.) where the diagnostic already knows the fix:
 *  - `did you mean `x`?`: replace the misspelt name with x;
 *  - a rule or `otherwise` without `cite`: add a `cite` line at the end of its clauses, to be filled in;
 *  - a version id YAML reads as a number: quote it.
 * Only the precept markers of the draft are looked at, so a fix never guesses beyond what the checks said.
 */
import type { editor, languages, IRange } from "monaco-editor/editor/editor.api";
import { LANGUAGE_ID } from "./language.js";

type MonacoLike = typeof import("monaco-editor/editor/editor.api");

const range = (m: editor.IMarkerData): IRange => ({ startLineNumber: m.startLineNumber, startColumn: m.startColumn, endLineNumber: m.endLineNumber, endColumn: m.endColumn });

/** The fixes for one marker of `model` (pure: tested without a browser through a model stand-in). */
export function fixesFor(model: Pick<editor.ITextModel, "getLineContent" | "getLineCount" | "getValueInRange" | "uri" | "getVersionId">, m: editor.IMarkerData): languages.CodeAction[] {
  const out: languages.CodeAction[] = [];
  const edit = (title: string, r: IRange, text: string): languages.CodeAction => ({
    title,
    kind: "quickfix",
    diagnostics: [m],
    isPreferred: true,
    edit: { edits: [{ resource: model.uri, versionId: model.getVersionId(), textEdit: { range: r, text } }] },
  });
  const mean = /did you mean `([^`]+)`\?/.exec(m.message);
  if (mean) out.push(edit(`Change to \`${mean[1]}\``, range(m), mean[1]!));
  if (m.code === "policy/missing-citation") {
    // After the last indented clause of the declaration that starts on the marker's line.
    let last = m.startLineNumber;
    for (let n = last + 1; n <= model.getLineCount(); n++) {
      const line = model.getLineContent(n);
      if (!/^\s+\S/.test(line) || /^\s*#/.test(line)) break;
      last = n;
    }
    const end = model.getLineContent(last).length + 1;
    out.push(edit("Add a `cite` line (fill in the seed file and section)", { startLineNumber: last, startColumn: end, endLineNumber: last, endColumn: end }, '\n  cite "<seed file>, <section>"'));
  }
  if (/quote the version/.test(m.message)) {
    const text = model.getValueInRange(range(m)).trim();
    if (text && !/^["']/.test(text)) out.push(edit(`Quote the version: "${text}"`, range(m), JSON.stringify(text)));
  }
  return out;
}

export function registerQuickFixes(monaco: MonacoLike): void {
  monaco.languages.registerCodeActionProvider(LANGUAGE_ID, {
    provideCodeActions(model, _range, context) {
      const actions = context.markers.filter((m) => m.source === "precept").flatMap((m) => fixesFor(model, m));
      return { actions, dispose() {} };
    },
  }, { providedCodeActionKinds: ["quickfix"] });
}
