/**
 * Where is the cursor, in the language's terms? Completion asks this before it offers anything: the tokens of the
 * current declaration up to the cursor (lexed by the DSL's own lexer) decide the "scenario", as xml-tools does it:
 * an outcome after `then`, a sub-field after `service.`, a table after `in`, a name where an expression starts …
 */
import type { IToken } from "chevrotain";
import { precepLexer } from "../dsl/lexer.js";
import { tokenPatterns } from "../dsl/tokens.js";
import { declarationKeywords } from "./language.js";

export type Scenario =
  /** Inside the YAML envelope. */
  | { readonly kind: "envelope"; readonly lineStart: boolean }
  /** In a comment or a quoted text: nothing to offer. */
  | { readonly kind: "none" }
  /** Where a declaration may start. `inRule`: a rule's clauses may also follow. */
  | { readonly kind: "declaration"; readonly inRule: boolean }
  | { readonly kind: "outcome" }
  /** After `is` (or `is not`). */
  | { readonly kind: "presence"; readonly afterNot: boolean }
  /** After `in`, `not in` or `contains any`: a table or a list. */
  | { readonly kind: "collection" }
  /** Where an expression (or an operand) starts; `compared` is the fact on the left of `=`/`!=`, if any. */
  | { readonly kind: "expression"; readonly compared?: string }
  /** After a complete operand: an operator, or a clause if the rule's `when` may end here. */
  | { readonly kind: "operator"; readonly inRuleWhen: boolean; readonly inRule: boolean }
  /** After `remove`: the word `rule`; after `remove rule`: an inherited rule id. */
  | { readonly kind: "remove"; readonly afterRule: boolean }
  /** A new name is being written (after `rule`, `let`, `attribute`, `set`, `code`): no suggestion. */
  | { readonly kind: "naming" };

export interface CursorContext {
  readonly scenario: Scenario;
  /** The dotted name being typed at the cursor (may end with `.`), and where it starts (1-based column). */
  readonly prefix: string;
  readonly prefixStart: number;
}

const FENCE = /^---[ \t]*(?:#.*)?$/;
const DECLARATION_LINE = new RegExp(`^\\s*(?:${declarationKeywords.join("|")})\\b`);
const PREFIX = new RegExp(`(?:${tokenPatterns.identifier.source})?\\.?$`);

/** The line of the envelope's closing fence (0 when the file has no envelope). */
export function envelopeEndLine(lineCount: number, getLine: (n: number) => string): number {
  if (lineCount < 1 || !FENCE.test(getLine(1))) return 0;
  for (let n = 2; n <= lineCount; n++) if (FENCE.test(getLine(n))) return n;
  return lineCount;
}

/** Is the end of `text` inside a comment or an unterminated string (one line of DSL)? */
function inCommentOrString(lineText: string): boolean {
  let inString = false;
  for (let i = 0; i < lineText.length; i++) {
    const c = lineText[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "#") return true;
  }
  return inString;
}

const isKeyword = (t: IToken, ...words: string[]): boolean => t.tokenType.name !== "Identifier" && words.includes(t.image);

/** The scenario at the cursor. `getLine(n)` gives line n (1-based). */
export function cursorContext(lineCount: number, getLine: (n: number) => string, line: number, column: number): CursorContext {
  const lineText = getLine(line);
  const before = lineText.slice(0, column - 1);
  const prefixMatch = PREFIX.exec(before);
  const prefix = prefixMatch?.[0] ?? "";
  const prefixStart = column - prefix.length;
  const fenceEnd = envelopeEndLine(lineCount, getLine);
  if (line <= fenceEnd) return { scenario: { kind: "envelope", lineStart: /^\s*[A-Za-z_]*$/.test(before) }, prefix, prefixStart };
  if (inCommentOrString(before)) return { scenario: { kind: "none" }, prefix, prefixStart };

  // The current declaration, from its first line to the cursor (without the word being typed).
  let first = line;
  while (first > fenceEnd + 1 && !DECLARATION_LINE.test(getLine(first))) first--;
  const parts: string[] = [];
  for (let n = first; n < line; n++) parts.push(getLine(n).replace(/#.*$/, ""));
  parts.push(before.slice(0, before.length - prefix.length));
  const tokens = precepLexer.tokenize(parts.join("\n")).tokens;
  return { scenario: scenarioOf(tokens), prefix, prefixStart };
}

function scenarioOf(tokens: readonly IToken[]): Scenario {
  const last = tokens[tokens.length - 1];
  if (!last) return { kind: "declaration", inRule: false };
  const head = tokens[0]!;
  const inRule = isKeyword(head, "rule");
  const thenAt = tokens.findIndex((t) => isKeyword(t, "then"));
  const prev = tokens[tokens.length - 2];

  if (isKeyword(last, "then", "otherwise")) return { kind: "outcome" };
  if (isKeyword(last, "is")) return { kind: "presence", afterNot: false };
  if (isKeyword(last, "not") && prev && isKeyword(prev, "is")) return { kind: "presence", afterNot: true };
  if (isKeyword(last, "in", "any")) return { kind: "collection" };
  if (isKeyword(last, "remove")) return { kind: "remove", afterRule: false };
  if (isKeyword(last, "rule") && prev && isKeyword(prev, "remove")) return { kind: "remove", afterRule: true };
  if (isKeyword(last, "rule", "let", "attribute", "set", "code")) return { kind: "naming" };
  if (last.tokenType.name === "Comma" && inRule && thenAt >= 0 && tokens.slice(thenAt).some((t) => isKeyword(t, "set"))) {
    // `set a = 1, |`: another assignment's name, unless we are inside a call's parentheses.
    const open = tokens.filter((t) => t.image === "(").length - tokens.filter((t) => t.image === ")").length;
    if (open <= 0) return { kind: "naming" };
  }
  if (isKeyword(last, "reason", "cite")) return { kind: "none" };

  // Inside a rule after `then`: an outcome, a code, a quoted text or a set value ends a clause.
  if (inRule && thenAt >= 0 && thenAt < tokens.length - 1) {
    const afterThen = tokens.slice(thenAt + 1);
    const inSet = afterThen.some((t) => isKeyword(t, "set"));
    if (!inSet) return { kind: "declaration", inRule: true };
  }
  if (isKeyword(head, "otherwise") && tokens.length >= 2 && !isOperatorOrOpener(last)) return { kind: "declaration", inRule: true };
  if (isKeyword(head, "remove") && tokens.length >= 3) return { kind: "declaration", inRule: false };

  if (isOperatorOrOpener(last) || (last.tokenType.name === "Eq" && tokens.length === 3)) {
    const compared = (last.image === "=" || last.image === "!=") && prev?.tokenType.name === "Identifier" ? prev.image : undefined;
    return compared ? { kind: "expression", compared } : { kind: "expression" };
  }
  // After an operand: an operator, `then`, or (after a complete `let`/`attribute`/`set`) the next declaration.
  return { kind: "operator", inRuleWhen: inRule && thenAt < 0, inRule };
}

/** Tokens after which an operand is expected. */
function isOperatorOrOpener(t: IToken): boolean {
  if (["LParen", "LBracket", "Comma"].includes(t.tokenType.name)) return true;
  if ((t.tokenType.CATEGORIES ?? []).some((c) => c.name === "Operator")) return true;
  return isKeyword(t, "when", "and", "or", "not", "contains");
}
