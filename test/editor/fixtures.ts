/** Fixtures for the editor's unit suites: a shipped policy's outline and facts, and a text model stand-in. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePolicy } from "../../dsl/index.js";
import { factCatalogue } from "../../dsl/schema-facts.js";
import { emptyOutline, outlineOf, type Outline } from "../../editor/outline.js";
import type { EditorContext } from "../../editor/symbols.js";

export const POLICIES = join(import.meta.dirname, "../../policies");

export const source = (program: string, version: string): string => readFileSync(join(POLICIES, program, `${version}.policy`), "utf8");

/** The outline of a shipped version, merged over the versions it extends (as the compile worker builds it). */
export function shippedOutline(program: string, version: string, text = source(program, version), origin?: string): Outline {
  const parse = parsePolicy(text);
  const parent = parse.envelope?.extends;
  const base = parent ? shippedOutline(program, parent, source(program, parent), parent) : emptyOutline;
  return outlineOf(parse, base, origin);
}

export function contextFor(program: string, version: string, text?: string): EditorContext {
  const schema: unknown = JSON.parse(readFileSync(join(POLICIES, program, "request.schema.json"), "utf8"));
  return { outline: shippedOutline(program, version, text), facts: factCatalogue(schema) };
}

/** A text with `|` marking the cursor → the text without it, and the cursor's 1-based line and column. */
export function withCursor(marked: string): { text: string; line: number; column: number } {
  const at = marked.indexOf("|");
  const before = marked.slice(0, at).split("\n");
  return { text: marked.slice(0, at) + marked.slice(at + 1), line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** Just enough of Monaco's ITextModel for the language providers. */
export function fakeModel(text: string) {
  const lines = text.split("\n");
  return {
    getLineCount: () => lines.length,
    getLineContent: (n: number) => lines[n - 1] ?? "",
    getLinesContent: () => lines,
  };
}

/** Just enough of the Monaco API for completion: enums as names, so assertions read well. */
export const fakeMonaco = {
  languages: {
    CompletionItemKind: new Proxy({}, { get: (_t, name) => name }),
    CompletionItemInsertTextRule: { InsertAsSnippet: 4 },
  },
} as never;
