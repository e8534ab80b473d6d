/** Step two: the DSL body to tokens. Lexing errors become diagnostics; the lexer never throws. */
import { Lexer, type IToken } from "chevrotain";
import type { DiagnosticSink } from "./diagnostics.js";
import { allTokens } from "./tokens.js";

// INVARIANT: `ensureOptimizations` stays off so the lexer also works on any odd input the editor sends.
export const precepLexer = new Lexer(allTokens as never, { positionTracking: "full", ensureOptimizations: false });

/**
 * Lexes the body of a policy file. The envelope is blanked (newlines kept) instead of cut off, so every token's
 * offset, line and column are those of the whole file.
 */
export function lexBody(text: string, bodyStart: number, sink: DiagnosticSink): IToken[] {
  const blanked = text.slice(0, bodyStart).replace(/[^\n]/g, " ") + text.slice(bodyStart);
  const result = precepLexer.tokenize(blanked);
  for (const e of result.errors) {
    const ch = text.slice(e.offset, e.offset + e.length);
    const quote = ch.startsWith('"');
    sink.error(
      "syntax/unexpected-character",
      { start: e.offset, end: e.offset + Math.max(1, quote ? ch.indexOf("\n") < 0 ? ch.length : ch.indexOf("\n") : 1) },
      quote ? "unterminated text: a quoted text must end with `\"` on the same line" : `unexpected character \`${ch.slice(0, 1)}\``,
      quote ? undefined : "names are letters, digits, `_`, `-` and `.`; texts are in double quotes; comments start with `#`",
    );
  }
  return result.tokens;
}
