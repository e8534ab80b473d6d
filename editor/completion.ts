/**
 * Completion for the Precept language, fitted to the cursor's scenario (editor/context.ts): outcomes after `then`,
 * sub-fields after `service.`, tables after `in`, `present`/`missing` after `is`, names and functions where an
 * expression starts, operators after an operand, keywords and rule templates where a declaration starts, and the
 * allowed values of a field after `field =`. Names come from the outline (inherited ones included) and the fact
 * catalogue of the program's request schema, so each carries its type and description.
 */
import type { editor, IRange, languages, Position } from "monaco-editor/editor/editor.api";
import { envelopeSchema } from "../dsl/envelope-schema.js";
import { functions } from "../dsl/scope.js";
import { cursorContext, type Scenario } from "./context.js";
import { clauseKeywords, declarationKeywords, LANGUAGE_ID, literalKeywords } from "./language.js";
import { describe, type EditorContext } from "./symbols.js";

type Monaco = typeof import("monaco-editor/editor/editor.api");
type Item = languages.CompletionItem;

const RULE_TEMPLATE = 'rule ${1:rule-id}\n  when ${2:condition}\n  then ${3:outcome}\n  code ${4:reason-code}\n  reason "${5:what the requester is told}"\n  cite "${6:seed file, section}"';
const WORD_OPERATORS = ["and", "or", "in", "not in", "is present", "is missing", "contains", "contains any"];

export function provideItems(m: Monaco, model: editor.ITextModel, position: Position, ctx: EditorContext, trigger?: string): Item[] {
  const cursor = cursorContext(model.getLineCount(), (n) => model.getLineContent(n), position.lineNumber, position.column);
  const { scenario, prefix } = cursor;
  const range: IRange = { startLineNumber: position.lineNumber, startColumn: cursor.prefixStart, endLineNumber: position.lineNumber, endColumn: position.column };
  const K = m.languages.CompletionItemKind;
  const items: Item[] = [];
  const add = (label: string, kind: languages.CompletionItemKind, extra: Partial<Item> = {}, sort = "5"): void => {
    items.push({ label, kind, insertText: label, range, sortText: `${sort}${label}`, ...extra });
  };
  const keyword = (w: string, sort = "7"): void => add(w, K.Keyword, {}, sort);
  const doc = (markdown: string) => ({ value: markdown });

  // A space only opens the list where the next word is all but certain.
  if (trigger === " " && !["outcome", "presence", "collection", "remove"].includes(scenario.kind) && !(scenario.kind === "expression" && scenario.compared)) return [];

  // `service.` or `service.ca`: the sub-fields of the group typed so far.
  if (prefix.includes(".") && scenario.kind !== "envelope" && scenario.kind !== "none") {
    const group = prefix.slice(0, prefix.lastIndexOf(".") + 1);
    for (const f of ctx.facts.values()) {
      if (!f.path.startsWith(group)) continue;
      const d = describe({ kind: "fact", item: f });
      add(f.path, f.type === "any" ? K.Module : K.Field, { detail: d.detail, documentation: doc(d.markdown), filterText: f.path }, "1");
    }
    return items;
  }

  switch (scenario.kind) {
    case "none":
    case "naming":
      return [];
    case "envelope":
      if (scenario.lineStart) {
        for (const [key, s] of Object.entries(envelopeSchema.properties)) {
          add(key, K.Property, { insertText: `${key}: `, detail: (s as { description?: string }).description ?? "" });
        }
      }
      return items;
    case "outcome":
      ctx.outline.outcomes.forEach((o, i) => {
        const d = describe({ kind: "outcome", name: o, rank: i });
        add(o, K.EnumMember, { detail: d.detail, documentation: doc(d.markdown) }, `1${i}`);
      });
      return items;
    case "presence":
      for (const w of ["present", "missing"]) keyword(w, "1");
      if (!scenario.afterNot) keyword("not", "2");
      return items;
    case "remove":
      if (!scenario.afterRule) keyword("rule", "1");
      else for (const r of ctx.outline.rules) if (r.at.version) add(r.id, K.Reference, { detail: `rule of ${r.at.version}${r.outcome ? ` → ${r.outcome}` : ""}` }, "1");
      return items;
    case "collection":
      for (const t of ctx.outline.tables) {
        const d = describe({ kind: "table", item: t });
        add(t.name, K.Struct, { detail: d.detail, documentation: doc(d.markdown) }, "1");
      }
      add("[ … ]", K.Snippet, { insertText: '["${1}"]', insertTextRules: m.languages.CompletionItemInsertTextRule.InsertAsSnippet, detail: "a list of values" }, "2");
      return items;
    case "declaration":
      declarations(scenario, add, keyword, m);
      return items;
    case "operator":
      for (const w of WORD_OPERATORS) keyword(w, "1");
      if (scenario.inRuleWhen) keyword("then", "0");
      if (!scenario.inRuleWhen) declarations({ kind: "declaration", inRule: scenario.inRule }, add, keyword, m);
      return items;
    case "expression":
      expressionItems(m, ctx, scenario, add, doc);
      return items;
  }
}

function declarations(s: Extract<Scenario, { kind: "declaration" }>, add: (l: string, k: languages.CompletionItemKind, e?: Partial<Item>, sort?: string) => void, keyword: (w: string, sort?: string) => void, m: Monaco): void {
  if (s.inRule) for (const w of clauseKeywords) keyword(w, "2");
  for (const w of declarationKeywords) keyword(w, "3");
  add("rule …", m.languages.CompletionItemKind.Snippet, {
    insertText: RULE_TEMPLATE,
    insertTextRules: m.languages.CompletionItemInsertTextRule.InsertAsSnippet,
    detail: "a rule with all its clauses",
    filterText: "rule",
  }, "4");
}

function expressionItems(m: Monaco, ctx: EditorContext, s: Extract<Scenario, { kind: "expression" }>, add: (l: string, k: languages.CompletionItemKind, e?: Partial<Item>, sort?: string) => void, doc: (md: string) => { value: string }): void {
  const K = m.languages.CompletionItemKind;
  const compared = s.compared ? ctx.facts.get(s.compared) : undefined;
  for (const v of compared?.enum ?? []) {
    const text = typeof v === "string" ? JSON.stringify(v) : String(v);
    add(text, K.Value, { detail: `a value of ${compared!.path}` }, "0");
  }
  for (const l of ctx.outline.lets) {
    const d = describe({ kind: "let", item: l });
    add(l.name, K.Variable, { detail: d.detail, documentation: doc(d.markdown) }, "1");
  }
  for (const f of ctx.facts.values()) {
    const d = describe({ kind: "fact", item: f });
    add(f.path, f.type === "any" ? K.Module : K.Field, { detail: d.detail, documentation: doc(d.markdown) }, "2");
  }
  for (const p of ctx.outline.parameters) {
    const d = describe({ kind: "parameter", item: p });
    add(p.name, K.Constant, { detail: d.detail, documentation: doc(d.markdown) }, "3");
  }
  for (const t of ctx.outline.tables) {
    const d = describe({ kind: "table", item: t });
    add(t.name, K.Struct, { detail: d.detail, documentation: doc(d.markdown) }, "4");
  }
  for (const [name, f] of Object.entries(functions)) {
    const d = describe({ kind: "function", name, item: f });
    add(name, K.Function, {
      insertText: f.args.length === 0 ? `${name}()` : `${name}($1)`,
      insertTextRules: m.languages.CompletionItemInsertTextRule.InsertAsSnippet,
      detail: d.detail,
      documentation: doc(d.markdown),
    }, "5");
  }
  for (const w of [...literalKeywords, "not"]) add(w, K.Keyword, {}, "6");
}

/** Registers the provider; `contextOf` gives the outline and fact catalogue of a model (undefined: no program). */
export function registerCompletion(m: Monaco, contextOf: (model: editor.ITextModel) => EditorContext | undefined) {
  return m.languages.registerCompletionItemProvider(LANGUAGE_ID, {
    triggerCharacters: [".", " "],
    provideCompletionItems(model, position, context) {
      const ctx = contextOf(model);
      if (!ctx) return { suggestions: [] };
      return { suggestions: provideItems(m, model, position, ctx, context.triggerCharacter) };
    },
  });
}
