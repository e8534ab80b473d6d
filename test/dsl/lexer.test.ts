/**
 * The lexer's and the delimiter pass's own behaviour, where the corpus sees only the message: an unterminated text
 * stands in the token stream as the text it was meant to be (with its true position), and unclosed brackets are
 * found at their openers, innermost mismatch first, in file order.
 */
import { describe, expect, it } from "vitest";
import { findUnclosed } from "../../dsl/delimiters.js";
import { DiagnosticSink, LineIndex } from "../../dsl/diagnostics.js";
import { parsePolicy } from "../../dsl/index.js";
import { lexBody } from "../../dsl/lexer.js";
import { describeTokenType } from "../../dsl/parser.js";
import * as T from "../../dsl/tokens.js";
import { EOF } from "chevrotain";

function lex(text: string) {
  const sink = new DiagnosticSink(new LineIndex(text));
  const tokens = lexBody(text, 0, sink);
  return { tokens: tokens.map((t) => [t.tokenType.name, t.image, t.startOffset, t.endOffset, t.startLine, t.startColumn, t.endColumn]), diagnostics: sink.items };
}

describe("an unterminated text", () => {
  it("becomes one text token at its own position, and the words in it are not tokens", () => {
    const { tokens, diagnostics } = lex('reason "Needs review\nthen');
    expect(tokens).toEqual([
      ["Reason", "reason", 0, 5, 1, 1, 6],
      ["StringLiteral", '"Needs review"', 7, 19, 1, 8, 20],
      ["Then", "then", 21, 24, 2, 1, 4],
    ]);
    expect(diagnostics.map((d) => [d.code, d.start.offset, d.end.offset])).toEqual([["syntax/unexpected-character", 7, 20]]);
  });

  it("ends at the line's end without its carriage return, and two on two lines keep their order", () => {
    const { tokens } = lex('a "x y\r\nb "z\r\nc');
    expect(tokens.map((t) => t.slice(0, 3))).toEqual([
      ["Identifier", "a", 0],
      ["StringLiteral", '"x y"', 2],
      ["Identifier", "b", 8],
      ["StringLiteral", '"z"', 10],
      ["Identifier", "c", 14],
    ]);
  });

  it("right at a line's end is an empty text at its column, and one before every other token comes first", () => {
    expect(lex('x "\ny').tokens).toEqual([
      ["Identifier", "x", 0, 0, 1, 1, 1],
      ["StringLiteral", '""', 2, 2, 1, 3, 3],
      ["Identifier", "y", 4, 4, 2, 1, 1],
    ]);
    expect(lex('"abc\nfoo').tokens.map((t) => t[1])).toEqual(['"abc"', "foo"]);
  });

  it("at the end of the file is a text too", () => {
    expect(lex('x = "abc').tokens.map((t) => t.slice(0, 4))).toEqual([
      ["Identifier", "x", 0, 0],
      ["Eq", "=", 2, 2],
      ["StringLiteral", '"abc"', 4, 7],
    ]);
  });

  it("gives the rule the text the author meant", () => {
    const env = '---\nprogram: p\nversion: "1"\neffective: 2000-01-01\ntitle: t\n---\n';
    const p = parsePolicy(`${env}rule r1 then deny\n  reason "Not covered\n  code c1\n`);
    const rule = p.body.decls[0]!;
    expect(rule.kind === "rule" && rule.reason?.name).toBe("Not covered");
    expect(rule.kind === "rule" && rule.code?.name).toBe("c1");
    expect(p.diagnostics.map((d) => d.code)).toEqual(["syntax/unexpected-character"]);
  });

  it("an odd character is one character wide and its neighbours still lex", () => {
    const { tokens, diagnostics } = lex("a @ b");
    expect(tokens.map((t) => t[1])).toEqual(["a", "b"]);
    expect(diagnostics.map((d) => [d.start.offset, d.end.offset, d.message])).toEqual([[2, 3, "unexpected character `@`"]]);
  });
});

describe("token kinds in messages", () => {
  it.each([
    [EOF, "the end of the file"],
    [T.Identifier, "a name"],
    [T.StringLiteral, "a quoted text"],
    [T.NumberLiteral, "a number"],
    [T.RParen, "`)`"],
    [T.Then, "`then`"],
  ] as const)("%s", (t, want) => expect(describeTokenType(t)).toBe(want));
});

describe("unclosed brackets", () => {
  const unclosed = (src: string) => findUnclosed(lexBody(src, 0, new DiagnosticSink(new LineIndex(src)))).map((u) => [u.opener.image, u.opener.startOffset, u.close, u.before?.image ?? "end"]);

  it.each([
    ["(a = 1) and [b]", []],
    ["(a = 1 then", [["(", 0, ")", "then"]]],
    ["f(a, b code", [["(", 1, ")", "code"]]],
    ["[a, b", [["[", 0, "]", "end"]]],
    ["(a]", [["(", 0, ")", "]"]]],
    ["([a)", [["[", 1, "]", ")"]]], // the `)` then closes the `(`
    ["([a) then", [["[", 1, "]", ")"]]],
    ["(a and [b then", [["(", 0, ")", "then"], ["[", 7, "]", "then"]]], // in file order
    ["((a) or (b then", [["(", 0, ")", "then"], ["(", 8, ")", "then"]]],
    ["a)", []], // a stray close is the parser's to report
    ["(a) when (b", [["(", 9, ")", "end"]]],
    ["t[k then", [["[", 1, "]", "then"]]],
    ["[[a) then", [["[", 0, "]", "then"], ["[", 1, "]", ")"]]], // the `)` closes neither `[`
  ] as const)("%s", (src, want) => expect(unclosed(src)).toEqual(want));
});
