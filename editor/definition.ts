/**
 * Go to definition of a table, a parameter (their key in the envelope), a `let` fact, or the rule a
 * `remove rule` names. A name inherited from the version this one extends points into that version's source:
 * `uriOf(version)` names its (read-only) model, and the app's editor opener shows it.
 */
import type { editor, languages, Position, Uri } from "monaco-editor/editor/editor.api";
import { nameAt } from "./hover.js";
import { LANGUAGE_ID } from "./language.js";
import type { Loc } from "./outline.js";
import { resolveName, type EditorContext } from "./symbols.js";

type Monaco = typeof import("monaco-editor/editor/editor.api");

export function locationOf(model: editor.ITextModel, at: Loc, uriOf: (version: string) => Uri | undefined): languages.Location | undefined {
  const uri = at.version ? uriOf(at.version) : model.uri;
  if (!uri) return undefined;
  return { uri, range: { startLineNumber: at.line, startColumn: at.column, endLineNumber: at.endLine, endColumn: at.endColumn } };
}

export function provideDefinition(model: editor.ITextModel, position: Position, ctx: EditorContext, uriOf: (version: string) => Uri | undefined): languages.Location | undefined {
  const at = nameAt(model, position);
  if (!at || at.inEnvelope) return undefined;
  const line = model.getLineContent(position.lineNumber);
  if (/^\s*remove\s+rule\s+/.test(line.slice(0, at.word.startColumn - 1))) {
    const rule = [...ctx.outline.rules, ...ctx.outline.removed].find((r) => r.id === at.word.word);
    return rule ? locationOf(model, rule.at, uriOf) : undefined;
  }
  const r = resolveName(ctx, at.word.word, { call: at.call, outcome: at.outcome });
  if (!r || (r.kind !== "let" && r.kind !== "parameter" && r.kind !== "table")) return undefined;
  return r.item.at ? locationOf(model, r.item.at, uriOf) : undefined;
}

export function registerDefinition(m: Monaco, contextOf: (model: editor.ITextModel) => EditorContext | undefined, uriOf: (model: editor.ITextModel, version: string) => Uri | undefined) {
  return m.languages.registerDefinitionProvider(LANGUAGE_ID, {
    provideDefinition(model, position) {
      const ctx = contextOf(model);
      return ctx ? provideDefinition(model, position, ctx, (v) => uriOf(model, v)) : undefined;
    },
  });
}
