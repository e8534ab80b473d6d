/**
 * Step three: tokens to a concrete syntax tree. Grammar only; the AST is built in cst-to-ast.ts. Error recovery is
 * on, so one pass reports every syntax error and the editor still gets a partial tree.
 */
import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType, type CstNode } from "chevrotain";
import * as T from "./tokens.js";

/** How a token kind is named in a message to a policy author. */
export function describeTokenType(t: TokenType): string {
  if (t === EOF) return "the end of the file";
  switch (t.name) {
    case "Identifier":
      return "a name";
    case "StringLiteral":
      return "a quoted text";
    case "NumberLiteral":
      return "a number";
    case "Keyword":
      return "a keyword";
    case "Operator":
      return "an operator";
    case "Literal":
      return "a value";
    default:
      return typeof t.PATTERN === "string" ? `\`${t.PATTERN}\`` : `\`${t.name.toLowerCase()}\``;
  }
}

function describeToken(tok: IToken): string {
  return tok.tokenType === EOF ? "the end of the file" : `\`${tok.image}\``;
}

function uniqueList(items: string[]): string {
  const u = [...new Set(items)];
  if (u.length <= 1) return u[0] ?? "nothing";
  return `${u.slice(0, -1).join(", ")} or ${u[u.length - 1]}`;
}

const ruleWhat: Record<string, string> = {
  policy: "a declaration (`rule`, `let`, `attribute`, `otherwise` or `remove`)",
  declaration: "a declaration (`rule`, `let`, `attribute`, `otherwise` or `remove`)",
  primary: "a value, a name or `(`",
  clause: "`code`, `reason`, `cite` or `set`",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${describeTokenType(expected)}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}: expected a declaration (\`rule\`, \`let\`, \`attribute\`, \`otherwise\` or \`remove\`)`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = expectedPathsPerAlt.flatMap((alt) => alt.map((path) => (path[0] ? describeTokenType(path[0]) : "")));
    const what = ruleWhat[ruleName] ?? uniqueList(firsts.filter(Boolean));
    return `expected ${what}, found ${describeToken(actual[0]!)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    const firsts = expectedIterationPaths.map((p) => (p[0] ? describeTokenType(p[0]) : ""));
    return `expected ${ruleWhat[ruleName] ?? uniqueList(firsts)}, found ${describeToken(actual[0]!)}`;
  },
};

export class PolicyParser extends CstParser {
  constructor() {
    super(T.allTokens as TokenType[], { recoveryEnabled: true, nodeLocationTracking: "onlyOffset", errorMessageProvider: messages, maxLookahead: 2 });
    this.performSelfAnalysis();
  }

  public policy = this.RULE("policy", () => {
    this.MANY(() => this.SUBRULE(this.declaration));
  });

  private declaration = this.RULE("declaration", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letDecl) },
      { ALT: () => this.SUBRULE(this.ruleDecl) },
      { ALT: () => this.SUBRULE(this.otherwiseDecl) },
      { ALT: () => this.SUBRULE(this.attributeDecl) },
      { ALT: () => this.SUBRULE(this.removeDecl) },
    ]);
  });

  private letDecl = this.RULE("letDecl", () => {
    this.CONSUME(T.Let);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  private ruleDecl = this.RULE("ruleDecl", () => {
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier, { LABEL: "id" });
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE(this.expression, { LABEL: "when" });
    });
    this.CONSUME(T.Then);
    this.OPTION2(() => this.CONSUME2(T.Identifier, { LABEL: "outcome" }));
    this.MANY(() => this.SUBRULE(this.clause));
  });

  private otherwiseDecl = this.RULE("otherwiseDecl", () => {
    this.CONSUME(T.Otherwise);
    this.CONSUME(T.Identifier, { LABEL: "outcome" });
    this.MANY(() => this.SUBRULE(this.clause));
  });

  private clause = this.RULE("clause", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Code);
          this.OR2([
            { ALT: () => this.CONSUME(T.Identifier, { LABEL: "code" }) },
            { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "code" }) },
          ]);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Reason);
          this.CONSUME2(T.StringLiteral, { LABEL: "reason" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Cite);
          this.CONSUME3(T.StringLiteral, { LABEL: "cite" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Set);
          this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.assignment) });
        },
      },
    ]);
  });

  private assignment = this.RULE("assignment", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
  });

  private attributeDecl = this.RULE("attributeDecl", () => {
    this.CONSUME(T.Attribute);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Eq);
    this.SUBRULE(this.expression, { LABEL: "value" });
    this.OPTION(() => {
      this.CONSUME(T.When);
      this.SUBRULE2(this.expression, { LABEL: "when" });
    });
  });

  private removeDecl = this.RULE("removeDecl", () => {
    this.CONSUME(T.Remove);
    this.CONSUME(T.Rule);
    this.CONSUME(T.Identifier, { LABEL: "id" });
  });

  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.andExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.Or);
      this.SUBRULE2(this.andExpr, { LABEL: "operands" });
    });
  });

  private andExpr = this.RULE("andExpr", () => {
    this.SUBRULE(this.notExpr, { LABEL: "operands" });
    this.MANY(() => {
      this.CONSUME(T.And);
      this.SUBRULE2(this.notExpr, { LABEL: "operands" });
    });
  });

  private notExpr = this.RULE("notExpr", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Not);
          this.SUBRULE(this.notExpr, { LABEL: "negated" });
        },
      },
      { ALT: () => this.SUBRULE(this.comparison) },
    ]);
  });

  private comparison = this.RULE("comparison", () => {
    this.SUBRULE(this.additive, { LABEL: "left" });
    this.OPTION(() => {
      this.OR([
        {
          ALT: () => {
            this.OR2([
              { ALT: () => this.CONSUME(T.Eq, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.NotEq, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.LessEq, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.GreaterEq, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.Less, { LABEL: "op" }) },
              { ALT: () => this.CONSUME(T.Greater, { LABEL: "op" }) },
            ]);
            this.SUBRULE2(this.additive, { LABEL: "right" });
          },
        },
        {
          ALT: () => {
            this.OPTION2(() => this.CONSUME(T.Not, { LABEL: "negate" }));
            this.CONSUME(T.In);
            this.SUBRULE3(this.additive, { LABEL: "right" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Contains);
            this.OPTION3(() => this.CONSUME(T.Any));
            this.SUBRULE4(this.additive, { LABEL: "right" });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.Is);
            this.OPTION4(() => this.CONSUME2(T.Not, { LABEL: "negate" }));
            this.CONSUME(T.Identifier, { LABEL: "presence" });
          },
        },
      ]);
    });
  });

  private additive = this.RULE("additive", () => {
    this.SUBRULE(this.multiplicative, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Plus, { LABEL: "ops" }) }, { ALT: () => this.CONSUME(T.Minus, { LABEL: "ops" }) }]);
      this.SUBRULE2(this.multiplicative, { LABEL: "operands" });
    });
  });

  private multiplicative = this.RULE("multiplicative", () => {
    this.SUBRULE(this.unary, { LABEL: "operands" });
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(T.Star, { LABEL: "ops" }) }, { ALT: () => this.CONSUME(T.Slash, { LABEL: "ops" }) }]);
      this.SUBRULE2(this.unary, { LABEL: "operands" });
    });
  });

  private unary = this.RULE("unary", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary, { LABEL: "negated" });
        },
      },
      { ALT: () => this.SUBRULE(this.primary) },
    ]);
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      {
        ALT: () => {
          this.CONSUME(T.LBracket, { LABEL: "listOpen" });
          this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression, { LABEL: "items" }) });
          this.CONSUME(T.RBracket, { LABEL: "listClose" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LParen, { LABEL: "groupOpen" });
          this.SUBRULE2(this.expression, { LABEL: "group" });
          this.CONSUME(T.RParen, { LABEL: "groupClose" });
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Identifier, { LABEL: "name" });
          this.OPTION(() => {
            this.OR2([
              {
                ALT: () => {
                  this.CONSUME2(T.LParen, { LABEL: "callOpen" });
                  this.MANY_SEP2({ SEP: T.Comma, DEF: () => this.SUBRULE3(this.expression, { LABEL: "args" }) });
                  this.CONSUME2(T.RParen, { LABEL: "callClose" });
                },
              },
              {
                ALT: () => {
                  this.CONSUME2(T.LBracket, { LABEL: "lookupOpen" });
                  this.SUBRULE4(this.expression, { LABEL: "key" });
                  this.CONSUME2(T.RBracket, { LABEL: "lookupClose" });
                },
              },
            ]);
          });
        },
      },
    ]);
  });
}

/** One parser instance, reused: Chevrotain parsers are meant to be created once and fed new input. */
export const policyParser = new PolicyParser();

export function parseTokens(tokens: IToken[]): { cst: CstNode; errors: typeof policyParser.errors } {
  policyParser.input = tokens;
  const cst = policyParser.policy();
  return { cst, errors: policyParser.errors };
}
