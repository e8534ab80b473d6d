/**
 * The Precept DSL's tokens: the one source for the Chevrotain lexer and parser and for the editor's Monarch
 * highlighter (editor/language.ts builds its keyword list and rules from `keywordNames` and `tokenCategories`).
 */
import { createToken, Lexer, type TokenType } from "chevrotain";

// Token categories, so that later phases (highlighting, completion) can ask "is this a keyword?" without a list.
export const Keyword = createToken({ name: "Keyword", pattern: Lexer.NA });
export const Operator = createToken({ name: "Operator", pattern: Lexer.NA });
export const Literal = createToken({ name: "Literal", pattern: Lexer.NA });

// Identifiers: dotted request paths (`service.category`) and names with inner hyphens (`not-required`, `tb-chest-xray`).
// A hyphen only joins when a letter or digit follows, so `a - b` is still subtraction.
export const Identifier = createToken({
  name: "Identifier",
  pattern: /[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*(?:\.[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*)*/,
});

function keyword(word: string): TokenType {
  // INVARIANT: keywords are listed before Identifier in allTokens and use it as longer_alt, so `rule-x`
  // and `code.value` lex as identifiers, not as a keyword followed by junk.
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(`${word}\\b`),
    longer_alt: Identifier,
    categories: [Keyword],
  });
}

export const Rule = keyword("rule");
export const When = keyword("when");
export const Then = keyword("then");
export const Otherwise = keyword("otherwise");
export const Let = keyword("let");
export const Attribute = keyword("attribute");
export const Remove = keyword("remove");
export const Code = keyword("code");
export const Reason = keyword("reason");
export const Cite = keyword("cite");
export const Set = keyword("set");
export const And = keyword("and");
export const Or = keyword("or");
export const Not = keyword("not");
export const In = keyword("in");
export const Is = keyword("is");
export const Contains = keyword("contains");
export const Any = keyword("any");
export const True = createToken({ name: "True", pattern: /true\b/, longer_alt: Identifier, categories: [Keyword, Literal] });
export const False = createToken({ name: "False", pattern: /false\b/, longer_alt: Identifier, categories: [Keyword, Literal] });

function op(name: string, pattern: RegExp | string): TokenType {
  return createToken({ name, pattern, categories: [Operator] });
}
// Two-character operators precede their one-character prefixes.
export const NotEq = op("NotEq", "!=");
export const LessEq = op("LessEq", "<=");
export const GreaterEq = op("GreaterEq", ">=");
export const Eq = op("Eq", "=");
export const Less = op("Less", "<");
export const Greater = op("Greater", ">");
export const Plus = op("Plus", "+");
export const Minus = op("Minus", "-");
export const Star = op("Star", "*");
export const Slash = op("Slash", "/");

export const LParen = createToken({ name: "LParen", pattern: "(" });
export const RParen = createToken({ name: "RParen", pattern: ")" });
export const LBracket = createToken({ name: "LBracket", pattern: "[" });
export const RBracket = createToken({ name: "RBracket", pattern: "]" });
export const Comma = createToken({ name: "Comma", pattern: "," });

export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: /\d+(?:\.\d+)?/, categories: [Literal] });
// Strings are double-quoted, one line, with \" and \\ escapes.
export const StringLiteral = createToken({ name: "StringLiteral", pattern: /"(?:[^"\\\n\r]|\\.)*"/, categories: [Literal] });

export const Comment = createToken({ name: "Comment", pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });

export const keywordTokens: readonly TokenType[] = [
  Rule, When, Then, Otherwise, Let, Attribute, Remove, Code, Reason, Cite, Set, And, Or, Not, In, Is, Contains, Any, True, False,
];

/** The keywords as the author writes them, for the highlighter and keyword completion. */
export const keywordNames: readonly string[] = keywordTokens.map((t) => t.name.toLowerCase());

/** Words that follow `is` and are not reserved (so `missing` can still name an attribute). */
export const presenceWords: readonly string[] = ["present", "missing"];

export const allTokens: readonly TokenType[] = [
  WhiteSpace, Comment,
  ...keywordTokens,
  Identifier,
  NumberLiteral, StringLiteral,
  NotEq, LessEq, GreaterEq, Eq, Less, Greater, Plus, Minus, Star, Slash,
  LParen, RParen, LBracket, RBracket, Comma,
  Keyword, Operator, Literal,
];

/**
 * Regular expressions of the token kinds the highlighter colours, taken from the token definitions themselves so
 * the editor cannot disagree with the lexer.
 */
export const tokenPatterns = {
  identifier: Identifier.PATTERN as RegExp,
  number: NumberLiteral.PATTERN as RegExp,
  string: StringLiteral.PATTERN as RegExp,
  comment: /#.*$/,
  operators: [NotEq, LessEq, GreaterEq, Eq, Less, Greater, Plus, Minus, Star, Slash].map((t) => t.PATTERN as string),
} as const;
