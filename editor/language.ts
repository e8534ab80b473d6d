/**
 * The Precept language for Monaco: registration, language configuration and the Monarch highlighter.
 *
 * The highlighter is built from dsl/tokens.ts (the keyword list, the literal category and the token patterns the
 * Chevrotain lexer uses), so a keyword added to the language is coloured without touching this file; only the
 * contextual colours (an outcome after `then`, a rule id after `rule`) are the editor's own. The YAML envelope
 * between the two `---` lines gets a small YAML colouring of its own.
 */
import type { languages } from "monaco-editor/editor/editor.api";
import { functions } from "../dsl/scope.js";
import { keywordNames, keywordTokens, Literal, presenceWords, tokenPatterns } from "../dsl/tokens.js";

export const LANGUAGE_ID = "precept";

/** Keywords that start a declaration: coloured apart, and offered at the start of a line. */
export const declarationKeywords: readonly string[] = keywordNames.filter((k) => ["rule", "let", "otherwise", "attribute", "remove"].includes(k));
/** Keywords that start a clause of a rule after `then`. */
export const clauseKeywords: readonly string[] = keywordNames.filter((k) => ["code", "reason", "cite", "set"].includes(k));
/** `true`, `false`: keywords of the Literal category. */
export const literalKeywords: readonly string[] = keywordTokens
  .filter((t) => (t.CATEGORIES ?? []).includes(Literal))
  .map((t) => t.name.toLowerCase());
/** Every other keyword (`when`, `then`, `and`, `in` …). */
export const plainKeywords: readonly string[] = keywordNames.filter(
  (k) => !declarationKeywords.includes(k) && !literalKeywords.includes(k),
);

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The lexer's identifier (dotted, inner hyphens), anchored nowhere: Monaco's word for hover, definition and completion. */
export const wordPattern = new RegExp(tokenPatterns.identifier.source, "g");

export const languageConfiguration: languages.LanguageConfiguration = {
  comments: { lineComment: "#" },
  brackets: [
    ["(", ")"],
    ["[", "]"],
  ],
  autoClosingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"', notIn: ["string", "comment"] },
  ],
  surroundingPairs: [
    { open: "(", close: ")" },
    { open: "[", close: "]" },
    { open: '"', close: '"' },
  ],
  wordPattern,
  // A rule's clauses are indented under it: Enter after `rule x` or a clause keeps the clause indentation.
  onEnterRules: [{ beforeText: /^\s*rule\b.*$/, action: { indentAction: 1 /* Indent */ } }],
};

/** The Monarch definition. Token names map to colours in editor/monaco.ts's theme. */
export function monarch(): languages.IMonarchLanguage {
  // Operators longest first, so `<=` is never read as `<` then `=` (the lexer's order, dsl/tokens.ts).
  const operators = [...tokenPatterns.operators].sort((a, b) => b.length - a.length);
  return {
    defaultToken: "invalid",
    declarationKeywords,
    plainKeywords,
    literalKeywords,
    presenceWords,
    functions: Object.keys(functions),
    identifier: tokenPatterns.identifier,
    operatorPattern: new RegExp(operators.map(escapeRegExp).join("|")),
    tokenizer: {
      // Before the envelope: only an opening fence leads into YAML; a file without an envelope is all DSL.
      root: [[/^---[ \t]*(#.*)?$/, { token: "meta.fence", switchTo: "@envelope" }], { include: "@dsl" }],
      envelope: [
        [/^---[ \t]*(#.*)?$/, { token: "meta.fence", switchTo: "@body" }],
        [/#.*$/, "comment"],
        [/^(\s*)([A-Za-z_][\w-]*)(\s*)(:)/, ["white", "key.yaml", "white", "delimiter"]],
        [/[A-Za-z_][\w.-]*(?=\s*:\s)/, "key.yaml"],
        [/"(?:[^"\\]|\\.)*"/, "string.yaml"],
        [/'(?:[^']|'')*'/, "string.yaml"],
        [/\d{4}-\d{2}-\d{2}(?:T[\d:.]+Z?)?\b/, "number.yaml"],
        [/-?\d+(?:\.\d+)?\b/, "number.yaml"],
        [/(?:true|false|null)\b/, "keyword"],
        [/[[\]{},]/, "delimiter"],
        [/^\s*-\s/, "delimiter"],
        [/[^\s#,[\]{}:][^#,[\]{}]*?(?=\s*(?:[,\]}]|#|$))/, "string.yaml"],
        [/\s+/, "white"],
        [/./, "string.yaml"],
      ],
      body: [{ include: "@dsl" }],
      dsl: [
        [/\s+/, "white"],
        [tokenPatterns.comment, "comment"],
        [tokenPatterns.string, "string"],
        [/"[^"]*$/, "string.invalid"],
        [tokenPatterns.number, "number"],
        [
          /@identifier/,
          {
            cases: {
              "then|otherwise": { token: "keyword", next: "@outcome" },
              rule: { token: "keyword.declaration", next: "@ruleId" },
              "@declarationKeywords": "keyword.declaration",
              "@literalKeywords": "constant.language",
              "@plainKeywords": "keyword",
              "@presenceWords": "keyword.presence",
              "@functions": "support.function",
              "@default": "identifier.fact",
            },
          },
        ],
        [/@operatorPattern/, "operator"],
        [/[()[\]]/, "@brackets"],
        [/,/, "delimiter"],
      ],
      // After `then` / `otherwise`: the next name is an outcome (a `then` without one is followed by a clause keyword).
      outcome: [
        [/[ \t]+/, "white"],
        [
          /@identifier/,
          {
            cases: {
              "@plainKeywords": { token: "@rematch", next: "@pop" },
              "@declarationKeywords": { token: "@rematch", next: "@pop" },
              "@default": { token: "constant.outcome", next: "@pop" },
            },
          },
        ],
        [/./, { token: "@rematch", next: "@pop" }],
      ],
      ruleId: [
        [/[ \t]+/, "white"],
        [/@identifier/, { token: "entity.name.rule", next: "@pop" }],
        [/./, { token: "@rematch", next: "@pop" }],
      ],
    },
  };
}

/** Registers the language with the given Monaco (idempotent). */
export function registerPrecept(m: { languages: typeof languages }): void {
  if (m.languages.getLanguages().some((l) => l.id === LANGUAGE_ID)) return;
  m.languages.register({ id: LANGUAGE_ID, extensions: [".policy"], aliases: ["Precept", "precept"] });
  m.languages.setLanguageConfiguration(LANGUAGE_ID, languageConfiguration);
  m.languages.setMonarchTokensProvider(LANGUAGE_ID, monarch());
}
