/**
 * The formatter behind `precept fmt` and the editor's Format Document: the DSL body laid out one way, the envelope
 * and every comment kept byte for byte. It works on tokens (comments included), not on the AST, so that the
 * author's parentheses, comments and line breaks between `and`/`or` survive.
 *
 * The layout: declarations (`let`, `rule`, `otherwise`, `attribute`, `remove`) start at column 1; a rule's and
 * `otherwise`'s clauses (`when`, `then`, `code`, `reason`, `cite`, `set`) each on their own line, indented two
 * spaces; one space around operators and after commas, none inside brackets or before a call's `(`; a line break
 * the author put next to an `and`/`or` is kept (continuation lines are indented two spaces past their clause); a
 * blank line the author left between declarations or comment blocks is kept (several become one), blank lines
 * inside a declaration go; trailing spaces go; the file ends with one newline. A file with syntax errors is not
 * formatted: its diagnostics are returned instead.
 */
import { createToken, Lexer, type IToken, type TokenType } from "chevrotain";
import type { Diagnostic } from "./diagnostics.js";
import { parsePolicy } from "./index.js";
import * as T from "./tokens.js";

// The same tokens as the policy lexer, except that comments are kept (in a group) instead of skipped.
const FmtComment = createToken({ name: "Comment", pattern: /#[^\n\r]*/, group: "comments" });
const formatLexer = new Lexer(T.allTokens.map((t) => (t === T.Comment ? FmtComment : t)) as TokenType[], { positionTracking: "onlyOffset", ensureOptimizations: false });

export interface FormatResult {
  /** The formatted text; the input unchanged when it has syntax errors. */
  readonly text: string;
  readonly changed: boolean;
  /** Syntax errors that stopped formatting (empty when formatted). */
  readonly errors: readonly Diagnostic[];
}

const declStarts: ReadonlySet<TokenType> = new Set([T.Let, T.Rule, T.Otherwise, T.Attribute, T.Remove]);
const clauseStarts: ReadonlySet<TokenType> = new Set([T.When, T.Then, T.Code, T.Reason, T.Cite, T.Set]);
const opens: ReadonlySet<TokenType> = new Set([T.LParen, T.LBracket]);
const closes: ReadonlySet<TokenType> = new Set([T.RParen, T.RBracket, T.Comma]);
/** Tokens after which a `-` is a subtraction; after anything else it is a minus sign. */
const valueEnds: ReadonlySet<TokenType> = new Set([T.Identifier, T.NumberLiteral, T.StringLiteral, T.True, T.False, T.RParen, T.RBracket]);

export function formatPolicy(text: string): FormatResult {
  const parse = parsePolicy(text);
  const errors = parse.diagnostics.filter((d) => d.severity === "error" && (d.code.startsWith("syntax/") || d.code === "envelope/missing" || d.code === "envelope/yaml"));
  if (errors.length) return { text, changed: false, errors };
  const head = text.slice(0, parse.bodyStart);
  const body = formatBody(text, parse.bodyStart);
  const out = head + body;
  return { text: out, changed: out !== text, errors: [] };
}

function formatBody(text: string, bodyStart: number): string {
  const blanked = text.slice(0, bodyStart).replace(/[^\n]/g, " ") + text.slice(bodyStart);
  const lexed = formatLexer.tokenize(blanked);
  const tokens = [...lexed.tokens, ...(lexed.groups["comments"] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
  const lines: string[] = [];
  let line = "";
  /** The previous token, comments included (for the gap before this one). */
  let prev: IToken | undefined;
  /** The last two code tokens (for spacing: is a `-` a minus sign?). */
  let last: IToken | undefined;
  let beforeLast: IToken | undefined;
  // The declaration under way, and how far its continuation lines are indented.
  let decl: TokenType | undefined;
  let continuation = 0;
  let afterComment = false;

  const flush = (): void => {
    if (line !== "") lines.push(line.replace(/[ \t]+$/, ""));
    line = "";
  };
  const startLine = (indent: number, blankBefore: boolean): void => {
    flush();
    if (blankBefore && lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
    line = " ".repeat(indent);
  };

  tokens.forEach((t, i) => {
    const gap = text.slice(prev ? prev.startOffset + prev.image.length : bodyStart, t.startOffset);
    const breaks = gap.split("\n").length - 1;
    const blank = breaks >= 2;
    const tt = t.tokenType;
    if (tt === FmtComment) {
      const image = t.image.replace(/[ \t\r]+$/, "");
      if (prev !== undefined && breaks === 0) line += `  ${image}`;
      else {
        // A comment on its own line belongs to what follows it and is indented like it.
        const next = tokens.slice(i + 1).find((x) => x.tokenType !== FmtComment);
        const indent = !next || decl === undefined || declStarts.has(next.tokenType) ? 0 : clauseStarts.has(next.tokenType) && (decl === T.Rule || decl === T.Otherwise) ? 2 : continuation;
        startLine(indent, blank && indent === 0);
        line += image;
      }
      afterComment = true;
      prev = t;
      return;
    }
    if (declStarts.has(tt) && !(tt === T.Rule && last?.tokenType === T.Remove)) {
      decl = tt;
      continuation = 2;
      startLine(0, blank);
      line += t.image;
    } else if (clauseStarts.has(tt) && (decl === T.Rule || decl === T.Otherwise)) {
      continuation = 4;
      startLine(2, false);
      line += t.image;
    } else if (afterComment || (breaks > 0 && (tt === T.And || tt === T.Or || last?.tokenType === T.And || last?.tokenType === T.Or))) {
      startLine(continuation, false);
      line += t.image;
    } else line += spaceBefore(last, beforeLast, t) + t.image;
    afterComment = false;
    beforeLast = last;
    last = t;
    prev = t;
  });
  flush();
  while (lines.length && lines[lines.length - 1] === "") lines.pop();
  const leadingBlank = /^[ \t\r]*\n/.test(text.slice(bodyStart));
  return lines.length ? `${leadingBlank ? "\n" : ""}${lines.join("\n")}\n` : "";
}

function spaceBefore(prev: IToken | undefined, prevPrev: IToken | undefined, t: IToken): string {
  if (!prev) return "";
  const p = prev.tokenType;
  const tt = t.tokenType;
  if (opens.has(p) || closes.has(tt)) return "";
  if (opens.has(tt) && p === T.Identifier) return ""; // a call or a table lookup
  if (p === T.Minus && !(prevPrev && valueEnds.has(prevPrev.tokenType))) return ""; // a minus sign
  return " ";
}
