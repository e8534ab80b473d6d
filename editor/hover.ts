/**
 * Hover: a request field shows its type, description and allowed values; a table its description and contents; a
 * parameter its value and source; a `let` its definition; a function its signature; an outcome its precedence.
 * Diagnostics' own hovers (message and help) come from the markers and show alongside.
 */
import type { editor, languages, Position } from "monaco-editor/editor/editor.api";
import { LANGUAGE_ID } from "./language.js";
import { describe, resolveName, type EditorContext } from "./symbols.js";
import { envelopeEndLine } from "./context.js";

type Monaco = typeof import("monaco-editor/editor/editor.api");

/** The name under the cursor and how it is used (called, or placed where an outcome goes). */
export function nameAt(model: editor.ITextModel, position: Position) {
  const word = model.getWordAtPosition(position);
  if (!word) return undefined;
  const line = model.getLineContent(position.lineNumber);
  const after = line.slice(word.endColumn - 1);
  const before = line.slice(0, word.startColumn - 1);
  if (/#/.test(before.replace(/"(?:[^"\\]|\\.)*"/g, ""))) return undefined;
  const inEnvelope = position.lineNumber <= envelopeEndLine(model.getLineCount(), (n) => model.getLineContent(n));
  return {
    word,
    inEnvelope,
    call: /^\s*\(/.test(after),
    outcome: /\b(?:then|otherwise)\s+$/.test(before),
  };
}

export function provideHover(model: editor.ITextModel, position: Position, ctx: EditorContext): languages.Hover | undefined {
  const at = nameAt(model, position);
  if (!at || at.inEnvelope) return undefined;
  const resolved = resolveName(ctx, at.word.word, { call: at.call, outcome: at.outcome });
  if (!resolved) return undefined;
  return {
    range: { startLineNumber: position.lineNumber, startColumn: at.word.startColumn, endLineNumber: position.lineNumber, endColumn: at.word.endColumn },
    contents: [{ value: describe(resolved).markdown }],
  };
}

export function registerHover(m: Monaco, contextOf: (model: editor.ITextModel) => EditorContext | undefined) {
  return m.languages.registerHoverProvider(LANGUAGE_ID, {
    provideHover(model, position) {
      const ctx = contextOf(model);
      return ctx ? provideHover(model, position, ctx) : undefined;
    },
  });
}
