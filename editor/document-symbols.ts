/**
 * Monaco's document outline (Ctrl+Shift+O, breadcrumbs) from the analysis outline: the draft's own parameters,
 * tables, facts (`let`) and rules. Inherited names are written in another file, so they are not symbols of this one.
 */
import type { editor, languages } from "monaco-editor/editor/editor.api";
import { LANGUAGE_ID } from "./language.js";
import type { Loc, Outline } from "./outline.js";

type MonacoLike = typeof import("monaco-editor/editor/editor.api");

export function documentSymbols(monaco: MonacoLike, o: Outline): languages.DocumentSymbol[] {
  const K = monaco.languages.SymbolKind;
  const sym = (name: string, detail: string, kind: languages.SymbolKind, at: Loc): languages.DocumentSymbol => {
    const range = { startLineNumber: at.line, startColumn: at.column, endLineNumber: at.endLine, endColumn: at.endColumn };
    return { name, detail, kind, range, selectionRange: range, tags: [] };
  };
  const own = <T extends { at?: Loc }>(xs: readonly T[]): (T & { at: Loc })[] => xs.filter((x): x is T & { at: Loc } => !!x.at && !x.at.version);
  return [
    ...own(o.parameters).map((p) => sym(p.name, `parameter = ${JSON.stringify(p.value)}`, K.Constant, p.at)),
    ...own(o.tables).map((t) => sym(t.name, "table", K.Array, t.at)),
    ...own(o.lets).map((l) => sym(l.name, "fact", K.Variable, l.at)),
    ...own(o.rules).map((r) => sym(r.id, r.outcome ? `rule → ${r.outcome}` : "rule", K.Function, r.at)),
  ];
}

export function registerDocumentSymbols(monaco: MonacoLike, outlineOf: (model: editor.ITextModel) => Outline | undefined): void {
  monaco.languages.registerDocumentSymbolProvider(LANGUAGE_ID, {
    displayName: "Precept policy",
    provideDocumentSymbols: (model) => {
      const o = outlineOf(model);
      return o ? documentSymbols(monaco, o) : [];
    },
  });
}
