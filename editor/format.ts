/**
 * Format Document (Shift+Alt+F, or the context menu) lays the policy out as `precept fmt` does, with the same code
 * (dsl/format.ts). The edit covers only the stretch that changes, so the cursor and markers elsewhere stay put; a
 * policy with syntax errors is left as it is (its markers already say why).
 */
import type { languages } from "monaco-editor/editor/editor.api";
import { formatPolicy } from "../dsl/format.js";
import { LANGUAGE_ID } from "./language.js";

type Monaco = typeof import("monaco-editor/editor/editor.api");

/** The one replacement (file offsets, end exclusive) that turns `text` into its formatted form, if any. */
export function formattingEdit(text: string): { start: number; end: number; text: string } | undefined {
  const r = formatPolicy(text);
  if (!r.changed) return undefined;
  const out = r.text;
  let start = 0;
  while (start < text.length && start < out.length && text[start] === out[start]) start++;
  let endA = text.length;
  let endB = out.length;
  while (endA > start && endB > start && text[endA - 1] === out[endB - 1]) {
    endA--;
    endB--;
  }
  return { start, end: endA, text: out.slice(start, endB) };
}

export function registerFormatting(m: Monaco): { dispose(): void } {
  const provider: languages.DocumentFormattingEditProvider = {
    displayName: "precept fmt",
    provideDocumentFormattingEdits(model) {
      const edit = formattingEdit(model.getValue());
      if (!edit) return [];
      const a = model.getPositionAt(edit.start);
      const b = model.getPositionAt(edit.end);
      return [{ range: { startLineNumber: a.lineNumber, startColumn: a.column, endLineNumber: b.lineNumber, endColumn: b.column }, text: edit.text }];
    },
  };
  return m.languages.registerDocumentFormattingEditProvider(LANGUAGE_ID, provider);
}
