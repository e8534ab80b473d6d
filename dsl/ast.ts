/**
 * The typed AST of a policy's DSL body. Plain immutable data; every node has a span (file offsets). Where syntax
 * broke, error recovery leaves `undefined` parts so the editor can still work with a partial tree.
 */
import type { Span } from "./diagnostics.js";

export type Expr =
  | { readonly kind: "number"; readonly value: number; readonly span: Span }
  | { readonly kind: "string"; readonly value: string; readonly span: Span }
  | { readonly kind: "boolean"; readonly value: boolean; readonly span: Span }
  | { readonly kind: "list"; readonly items: readonly Expr[]; readonly span: Span }
  /** A name: request path, `let` fact, parameter, table or `outcome`; resolved by the checker. */
  | { readonly kind: "name"; readonly name: string; readonly span: Span }
  | { readonly kind: "lookup"; readonly table: string; readonly tableSpan: Span; readonly key: Expr; readonly span: Span }
  | { readonly kind: "call"; readonly fn: string; readonly fnSpan: Span; readonly args: readonly Expr[]; readonly span: Span }
  | { readonly kind: "unary"; readonly op: "-" | "not"; readonly operand: Expr; readonly span: Span }
  | { readonly kind: "binary"; readonly op: BinaryOp; readonly left: Expr; readonly right: Expr; readonly span: Span }
  | { readonly kind: "presence"; readonly operand: Expr; readonly present: boolean; readonly span: Span };

export type CompareOp = "=" | "!=" | "<" | "<=" | ">" | ">=";
export type ArithOp = "+" | "-" | "*" | "/";
export type BinaryOp = CompareOp | ArithOp | "and" | "or" | "in" | "not in" | "contains" | "contains any";

export interface Name {
  readonly name: string;
  readonly span: Span;
}

export interface Assignment {
  readonly name: Name;
  readonly value: Expr;
  readonly span: Span;
}

export interface LetDecl {
  readonly kind: "let";
  readonly name: Name;
  readonly value: Expr | undefined;
  readonly span: Span;
}

export interface RuleDecl {
  readonly kind: "rule";
  readonly id: Name;
  readonly when: Expr | undefined;
  readonly outcome: Name | undefined;
  readonly code: Name | undefined;
  readonly reason: Name | undefined;
  readonly cite: Name | undefined;
  readonly set: readonly Assignment[];
  readonly span: Span;
}

export interface OtherwiseDecl {
  readonly kind: "otherwise";
  readonly outcome: Name | undefined;
  readonly code: Name | undefined;
  readonly reason: Name | undefined;
  readonly cite: Name | undefined;
  readonly span: Span;
}

export interface AttributeDecl {
  readonly kind: "attribute";
  readonly name: Name;
  readonly value: Expr | undefined;
  readonly when: Expr | undefined;
  readonly span: Span;
}

export interface RemoveDecl {
  readonly kind: "remove";
  readonly id: Name;
  readonly span: Span;
}

export type Decl = LetDecl | RuleDecl | OtherwiseDecl | AttributeDecl | RemoveDecl;

export interface PolicyBody {
  readonly decls: readonly Decl[];
}

/** Canonical text of an expression: how the explanation shows a condition, and the name of an anonymous fact. */
export function printExpr(e: Expr): string {
  switch (e.kind) {
    case "number":
      return String(e.value);
    case "string":
      return JSON.stringify(e.value);
    case "boolean":
      return String(e.value);
    case "list":
      return `[${e.items.map(printExpr).join(", ")}]`;
    case "name":
      return e.name;
    case "lookup":
      return `${e.table}[${printExpr(e.key)}]`;
    case "call":
      return `${e.fn}(${e.args.map(printExpr).join(", ")})`;
    case "unary":
      return e.op === "not" ? `not ${wrap(e.operand)}` : `-${wrap(e.operand)}`;
    case "binary":
      return `${wrap(e.left)} ${e.op} ${wrap(e.right)}`;
    case "presence":
      return `${wrap(e.operand)} is ${e.present ? "present" : "missing"}`;
  }
}

function wrap(e: Expr): string {
  return e.kind === "binary" || e.kind === "presence" ? `(${printExpr(e)})` : printExpr(e);
}
