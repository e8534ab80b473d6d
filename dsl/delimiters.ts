/**
 * Unclosed `(` and `[`. The parser notices a missing `)` only at the next token it cannot use, often the `then` a
 * line or more below, and says "expected `)`" there. This pass finds the opener the author left open, so the
 * diagnostic points at it and says where the close was expected. Brackets never span a clause, so a clause or
 * declaration keyword (or the end of the file) closes the search.
 */
import type { IToken, TokenType } from "chevrotain";
import * as T from "./tokens.js";

export interface Unclosed {
  /** The `(` or `[` left open. */
  readonly opener: IToken;
  /** `)` or `]`. */
  readonly close: string;
  /** The token before which the close was expected; undefined at the end of the file. */
  readonly before?: IToken;
}

const closes = new Map<TokenType, TokenType>([
  [T.LParen, T.RParen],
  [T.LBracket, T.RBracket],
]);

/** Keywords that cannot occur inside brackets: each starts a clause or a declaration. */
const clauseStarts: ReadonlySet<TokenType> = new Set([T.Rule, T.Let, T.Otherwise, T.Attribute, T.Remove, T.When, T.Then, T.Code, T.Reason, T.Cite, T.Set]);

export function findUnclosed(tokens: readonly IToken[]): Unclosed[] {
  const out: Unclosed[] = [];
  const open: IToken[] = [];
  const closeAll = (before?: IToken): void => {
    while (open.length) {
      const opener = open.pop()!;
      out.push({ opener, close: closes.get(opener.tokenType)!.PATTERN as string, ...(before ? { before } : {}) });
    }
  };
  for (const t of tokens) {
    if (closes.has(t.tokenType)) open.push(t);
    else if (t.tokenType === T.RParen || t.tokenType === T.RBracket) {
      const top = open[open.length - 1];
      if (!top) continue; // a stray close: the parser reports it
      if (closes.get(top.tokenType) === t.tokenType) open.pop();
      else {
        // `(a]`: the inner opener is the one left open; the close then belongs to an outer opener, if any.
        open.pop();
        out.push({ opener: top, close: closes.get(top.tokenType)!.PATTERN as string, before: t });
        const outer = open[open.length - 1];
        if (outer && closes.get(outer.tokenType) === t.tokenType) open.pop();
      }
    } else if (clauseStarts.has(t.tokenType)) closeAll(t);
  }
  closeAll();
  return out.sort((a, b) => a.opener.startOffset - b.opener.startOffset);
}
