/**
 * Quick fixes (Monaco code actions, Ctrl+.) where the diagnostic already knows the fix:
 *  - `did you mean `x`?`: replace the misspelt name with x;
 *  - a rule or `otherwise` without `cite`: add a `cite` line at the end of its clauses, as a snippet whose tab stop
 *    selects the placeholder (typing replaces it), or with the nearest rule's citation selected, to confirm or edit;
 *    a placeholder left in place keeps a marker (placeholderCites) until it is replaced;
 *  - a version id YAML reads as a number: quote it.
 * Only the precept markers of the draft are looked at, so a fix never guesses beyond what the checks said.
 */
import type { editor, languages, IRange } from "monaco-editor/editor/editor.api";
import { LANGUAGE_ID } from "./language.js";

type MonacoLike = typeof import("monaco-editor/editor/editor.api");

/** The command a snippet fix runs: Monaco applies a code action's edits as plain text, never as a snippet. */
export const INSERT_SNIPPET = "precept.insertSnippet";

/** What the `cite` snippet holds until the author writes the seed file and section. */
export const CITE_PLACEHOLDER = "seed file, §section";

type Lines = Pick<editor.ITextModel, "getLineContent" | "getLineCount">;

const CITE = /^\s*cite\s+"((?:[^"\\]|\\.)*)"/;

/** The nearest citation to a line (above first, then below) and the rule that has it. */
export function nearestCite(model: Lines, line: number): { text: string; rule?: string } | undefined {
  const at = (n: number): { text: string; rule?: string } | undefined => {
    const m = CITE.exec(model.getLineContent(n));
    if (!m || m[1] === CITE_PLACEHOLDER || m[1]!.trim() === "") return undefined;
    for (let k = n; k >= 1; k--) {
      const rule = /^rule\s+(\S+)/.exec(model.getLineContent(k));
      if (rule) return { text: m[1]!, rule: rule[1]! };
      if (/^otherwise\b/.test(model.getLineContent(k))) break;
    }
    return { text: m[1]! };
  };
  for (let n = line - 1; n >= 1; n--) {
    const c = at(n);
    if (c) return c;
  }
  for (let n = line + 1; n <= model.getLineCount(); n++) {
    const c = at(n);
    if (c) return c;
  }
  return undefined;
}

/** Lines whose `cite` still holds the snippet's placeholder: shown as missing citations until replaced. */
export function placeholderCites(model: Lines): { line: number; column: number; endColumn: number }[] {
  const out: { line: number; column: number; endColumn: number }[] = [];
  for (let n = 1; n <= model.getLineCount(); n++) {
    const text = model.getLineContent(n);
    const m = CITE.exec(text);
    if (m && m[1] === CITE_PLACEHOLDER) {
      const column = text.indexOf('"') + 1;
      out.push({ line: n, column, endColumn: column + CITE_PLACEHOLDER.length + 2 });
    }
  }
  return out;
}

/** Snippet syntax: `$`, `}` and `\` are literal only when escaped. */
const snippetText = (text: string): string => text.replace(/[$}\\]/g, "\\$&");

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
  // A snippet at a position: its first tab stop is selected afterwards, so typing replaces the placeholder.
  const snippet = (title: string, at: { lineNumber: number; column: number }, template: string, preferred: boolean): languages.CodeAction => ({
    title,
    kind: "quickfix",
    diagnostics: [m],
    isPreferred: preferred,
    command: { id: INSERT_SNIPPET, title, arguments: [model.uri.toString(), at.lineNumber, at.column, template] },
  });
  const mean = /did you mean `([^`]+)`\?/.exec(m.message);
  if (mean) out.push(edit(`Change to \`${mean[1]}\``, range(m), mean[1]!));
  // A placeholder's own marker (its line is the `cite`) is fixed by typing over it, not by another `cite` line.
  if (m.code === "policy/missing-citation" && !CITE.test(model.getLineContent(m.startLineNumber))) {
    // After the last indented clause of the declaration that starts on the marker's line.
    let last = m.startLineNumber;
    for (let n = last + 1; n <= model.getLineCount(); n++) {
      const line = model.getLineContent(n);
      if (!/^\s+\S/.test(line) || /^\s*#/.test(line)) break;
      last = n;
    }
    const end = model.getLineContent(last).length + 1;
    const at = { lineNumber: last, column: end };
    out.push(snippet("Add a `cite` line (type the seed file and section)", at, `\n  cite "\${1:${CITE_PLACEHOLDER}}"`, true));
    const near = nearestCite(model, m.startLineNumber);
    if (near) {
      const shown = near.text.length > 60 ? `${near.text.slice(0, 57)}…` : near.text;
      out.push(snippet(`Cite as ${near.rule ? `rule \`${near.rule}\`` : "the nearest rule"} does: “${shown}” (check it fits)`, at, `\n  cite "\${1:${snippetText(near.text)}}"`, false));
    }
  }
  if (/quote the version/.test(m.message)) {
    const text = model.getValueInRange(range(m)).trim();
    if (text && !/^["']/.test(text)) out.push(edit(`Quote the version: "${text}"`, range(m), JSON.stringify(text)));
  }
  return out;
}

type SnippetController = { insert(template: string, opts?: { adjustWhitespace?: boolean }): void };

export function registerQuickFixes(monaco: MonacoLike): void {
  monaco.editor.registerCommand(INSERT_SNIPPET, (_accessor, uri: string, lineNumber: number, column: number, template: string) => {
    const ed = monaco.editor.getEditors().find((e) => e.getModel()?.uri.toString() === uri);
    if (!ed) return;
    ed.setPosition({ lineNumber, column });
    ed.getContribution<SnippetController & editor.IEditorContribution>("snippetController2")?.insert(template, { adjustWhitespace: false });
    ed.focus();
  });
  monaco.languages.registerCodeActionProvider(LANGUAGE_ID, {
    provideCodeActions(model, _range, context) {
      const actions = context.markers.filter((m) => m.source === "precept").flatMap((m) => fixesFor(model, m));
      return { actions, dispose() {} };
    },
  }, { providedCodeActionKinds: ["quickfix"] });
}
