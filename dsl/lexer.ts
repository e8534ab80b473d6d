/** Step two: the DSL body to tokens. Lexing errors become diagnostics; the lexer never throws. */
import { createTokenInstance, Lexer, type IToken } from "chevrotain";
import type { DiagnosticSink } from "./diagnostics.js";
import { allTokens, StringLiteral } from "./tokens.js";

// INVARIANT: `ensureOptimizations` stays off so the lexer also works on any odd input the editor sends.
export const precepLexer = new Lexer(allTokens as never, { positionTracking: "full", ensureOptimizations: false });

/**
 * Lexes the body of a policy file. The envelope is blanked (newlines kept) instead of cut off, so every token's
 * offset, line and column are those of the whole file.
 */
export function lexBody(text: string, bodyStart: number, sink: DiagnosticSink): IToken[] {
  const blanked = text.slice(0, bodyStart).replace(/[^\n]/g, " ") + text.slice(bodyStart);
  const result = precepLexer.tokenize(blanked);
  // The words inside an unterminated text are not names: they are dropped instead of reported again as unknown.
  const unterminated: { start: number; end: number }[] = [];
  for (const e of result.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    const quote = ch.startsWith('"');
    const eol = text.indexOf("\n", e.offset);
    const span = { start: e.offset, end: quote ? (eol < 0 ? text.length : eol) : e.offset + 1 };
    if (quote) unterminated.push(span);
    sink.error(
      "syntax/unexpected-character",
      span,
      quote ? "unterminated text: a quoted text must end with `\"` on the same line" : `unexpected character \`${ch.slice(0, 1)}\``,
      quote ? "add the closing `\"` at the end of the text, on the same line" : undefined,
    );
  }
  if (unterminated.length === 0) return result.tokens;
  // Each unterminated text stands in the token stream as the text it was meant to be, so the parser does not
  // report a missing value after it.
  const kept = result.tokens.filter((t) => !unterminated.some((u) => t.startOffset >= u.start && t.startOffset < u.end));
  for (const u of unterminated) {
    const image = text.slice(u.start, u.end).replace(/\r$/, "");
    const at = kept.findIndex((t) => t.startOffset > u.start);
    const line = text.slice(0, u.start).split("\n").length;
    const column = u.start - text.lastIndexOf("\n", u.start - 1);
    const token = createTokenInstance(StringLiteral, `${image}"`, u.start, u.start + image.length - 1, line, line, column, column + image.length - 1);
    kept.splice(at < 0 ? kept.length : at, 0, token);
  }
  return kept;
}
