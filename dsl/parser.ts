/**
 * Step three: tokens to a concrete syntax tree. Grammar only; the AST is built in cst-to-ast.ts. Error recovery is
 * on, so one pass reports every syntax error and the editor still gets a partial tree.
 */
import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType, type CstNode } from "chevrotain";
import * as T from "./tokens.js";

// `{ ALT: () => … }` written inline gets a name from its key, and under tsx (esbuild's keepNames) every such
// function costs a defineProperty call per rule invocation, which made it the parser's hot spot. These helpers
// keep the closures anonymous.
const alt = (f: () => unknown): { ALT: () => unknown } => ({ ALT: f });
const sepDef = (f: () => unknown): { SEP: TokenType; DEF: () => unknown } => ({ SEP: T.Comma, DEF: f });

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
  operand: "a value, a name or `(`",
  binaryOp: "an operator",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // The end of the file is expected when the declarations stopped at a token that starts none.
    if (expected === EOF) return `unexpected ${describeToken(actual)}: expected a declaration (\`rule\`, \`let\`, \`attribute\`, \`otherwise\` or \`remove\`)`;
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
      alt(() => this.SUBRULE(this.letDecl)),
      alt(() => this.SUBRULE(this.ruleDecl)),
      alt(() => this.SUBRULE(this.otherwiseDecl)),
      alt(() => this.SUBRULE(this.attributeDecl)),
      alt(() => this.SUBRULE(this.removeDecl)),
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
      alt(() => {
          this.CONSUME(T.Code);
          this.OR2([
            alt(() => this.CONSUME(T.Identifier, { LABEL: "code" })),
            alt(() => this.CONSUME(T.StringLiteral, { LABEL: "code" })),
          ]);
        }),
      alt(() => {
          this.CONSUME(T.Reason);
          this.CONSUME2(T.StringLiteral, { LABEL: "reason" });
        }),
      alt(() => {
          this.CONSUME(T.Cite);
          this.CONSUME3(T.StringLiteral, { LABEL: "cite" });
        }),
      alt(() => {
          this.CONSUME(T.Set);
          this.AT_LEAST_ONE_SEP(sepDef(() => this.SUBRULE(this.assignment)));
        }),
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

  /**
   * Expressions are parsed flat, `operand (operator operand)*`, and precedence is applied in cst-to-ast.ts: a deep
   * rule per precedence level made every number cost eight nested rule calls, and parsing twice as slow.
   */
  public expression = this.RULE("expression", () => {
    this.SUBRULE(this.operand, { LABEL: "operands" });
    this.MANY(() => {
      this.SUBRULE(this.binaryOp, { LABEL: "ops" });
      this.SUBRULE2(this.operand, { LABEL: "operands" });
    });
  });

  private readonly binaryOps = [
    ...[T.Or, T.And, T.Eq, T.NotEq, T.LessEq, T.GreaterEq, T.Less, T.Greater, T.Plus, T.Minus, T.Star, T.Slash, T.In].map((t) => alt(() => this.CONSUME(t))),
    alt(() => {
        this.CONSUME(T.Not);
        this.CONSUME2(T.In);
      }),
    alt(() => {
        this.CONSUME(T.Contains);
        this.OPTION(() => this.CONSUME(T.Any));
      }),
  ];

  private binaryOp = this.RULE("binaryOp", () => {
    this.OR(this.binaryOps);
  });

  /** `not`s, minus signs, a primary, and an optional `is [not] present|missing`. */
  private operand = this.RULE("operand", () => {
    this.MANY(() => this.CONSUME(T.Not, { LABEL: "nots" }));
    this.MANY2(() => this.CONSUME(T.Minus, { LABEL: "negs" }));
    this.SUBRULE(this.primary);
    this.OPTION(() => {
      this.CONSUME(T.Is);
      this.OPTION2(() => this.CONSUME2(T.Not, { LABEL: "negate" }));
      this.CONSUME(T.Identifier, { LABEL: "presence" });
    });
  });

  private primary = this.RULE("primary", () => {
    this.OR([
      alt(() => this.CONSUME(T.NumberLiteral)),
      alt(() => this.CONSUME(T.StringLiteral)),
      alt(() => this.CONSUME(T.True)),
      alt(() => this.CONSUME(T.False)),
      alt(() => {
          this.CONSUME(T.LBracket, { LABEL: "listOpen" });
          this.MANY_SEP(sepDef(() => this.SUBRULE(this.expression, { LABEL: "items" })));
          this.CONSUME(T.RBracket, { LABEL: "listClose" });
        }),
      alt(() => {
          this.CONSUME(T.LParen, { LABEL: "groupOpen" });
          this.SUBRULE2(this.expression, { LABEL: "group" });
          this.CONSUME(T.RParen, { LABEL: "groupClose" });
        }),
      alt(() => {
          this.CONSUME(T.Identifier, { LABEL: "name" });
          this.OPTION(() => {
            this.OR2([
              alt(() => {
                this.CONSUME2(T.LParen, { LABEL: "callOpen" });
                this.MANY_SEP2(sepDef(() => this.SUBRULE3(this.expression, { LABEL: "args" })));
                this.CONSUME2(T.RParen, { LABEL: "callClose" });
              }),
              alt(() => {
                this.CONSUME2(T.LBracket, { LABEL: "lookupOpen" });
                this.SUBRULE4(this.expression, { LABEL: "key" });
                this.CONSUME2(T.RBracket, { LABEL: "lookupClose" });
              }),
            ]);
          });
        }),
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
