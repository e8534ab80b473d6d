/**
 * Step four: the concrete syntax tree to the typed AST. Tolerates the holes error recovery leaves (a missing
 * expression becomes `undefined`), so partial policies still give the editor a tree.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { ArithOp, Assignment, BinaryOp, CompareOp, Decl, Expr, Name, PolicyBody } from "./ast.js";
import type { Span } from "./diagnostics.js";

type Children = Record<string, CstElement[] | undefined>;

function isToken(e: CstElement | undefined): e is IToken {
  return e !== undefined && "image" in e;
}

function tok(c: Children, label: string): IToken | undefined {
  const t = c[label]?.[0];
  // Tokens inserted by error recovery have no position (NaN offsets): treat them as absent.
  return isToken(t) && Number.isFinite(t.startOffset) ? t : undefined;
}

function node(c: Children, label: string, i = 0): CstNode | undefined {
  const n = c[label]?.[i];
  return n && !isToken(n) ? n : undefined;
}

function nodes(c: Children, label: string): CstNode[] {
  return (c[label] ?? []).filter((n): n is CstNode => !isToken(n));
}

function tokenSpan(t: IToken): Span {
  return { start: t.startOffset, end: t.endOffset! + 1 };
}

function nodeSpan(n: CstNode): Span {
  const loc = n.location;
  if (!loc || !Number.isFinite(loc.startOffset)) return { start: 0, end: 0 };
  return { start: loc.startOffset, end: Number.isFinite(loc.endOffset) ? loc.endOffset! + 1 : loc.startOffset + 1 };
}

function join(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

function nameOf(t: IToken | undefined): Name | undefined {
  return t ? { name: t.image, span: tokenSpan(t) } : undefined;
}

/** A string literal's text without quotes and escapes, or an identifier as written. */
function textOf(t: IToken | undefined): Name | undefined {
  if (!t) return undefined;
  return { name: t.tokenType.name === "StringLiteral" ? unquote(t.image) : t.image, span: tokenSpan(t) };
}

export function unquote(image: string): string {
  return image.slice(1, -1).replace(/\\(.)/g, "$1");
}

export function toAst(cst: CstNode): PolicyBody {
  const decls: Decl[] = [];
  for (const d of nodes(cst.children, "declaration")) {
    const inner = Object.values(d.children)[0]?.[0];
    if (!inner || isToken(inner)) continue;
    const decl = toDecl(inner);
    if (decl) decls.push(decl);
  }
  return { decls };
}

function toDecl(n: CstNode): Decl | undefined {
  const c = n.children;
  const span = nodeSpan(n);
  switch (n.name) {
    case "letDecl": {
      const name = nameOf(tok(c, "name"));
      return name ? { kind: "let", name, value: expr(node(c, "value")), span } : undefined;
    }
    case "ruleDecl": {
      const id = nameOf(tok(c, "id"));
      if (!id) return undefined;
      const clauses = readClauses(nodes(c, "clause"));
      return { kind: "rule", id, when: expr(node(c, "when")), outcome: nameOf(tok(c, "outcome")), ...clauses, span };
    }
    case "otherwiseDecl": {
      const { set: _set, ...clauses } = readClauses(nodes(c, "clause"));
      return { kind: "otherwise", outcome: nameOf(tok(c, "outcome")), ...clauses, span };
    }
    case "attributeDecl": {
      const name = nameOf(tok(c, "name"));
      return name ? { kind: "attribute", name, value: expr(node(c, "value")), when: expr(node(c, "when")), span } : undefined;
    }
    case "removeDecl": {
      const id = nameOf(tok(c, "id"));
      return id ? { kind: "remove", id, span } : undefined;
    }
    default:
      return undefined;
  }
}

function readClauses(clauses: CstNode[]): { code?: Name; reason?: Name; cite?: Name; set: Assignment[] } & Record<"code" | "reason" | "cite", Name | undefined> {
  let code: Name | undefined;
  let reason: Name | undefined;
  let cite: Name | undefined;
  const set: Assignment[] = [];
  for (const cl of clauses) {
    const c = cl.children;
    code ??= textOf(tok(c, "code"));
    reason ??= textOf(tok(c, "reason"));
    cite ??= textOf(tok(c, "cite"));
    for (const a of nodes(c, "assignment")) {
      const name = nameOf(tok(a.children, "name"));
      const value = expr(node(a.children, "value"));
      if (name && value) set.push({ name, value, span: nodeSpan(a) });
    }
  }
  return { code, reason, cite, set };
}

function expr(n: CstNode | undefined): Expr | undefined {
  if (!n) return undefined;
  const c = n.children;
  switch (n.name) {
    case "expression":
      return chain(nodes(c, "operands").map(expr), () => "or");
    case "andExpr":
      return chain(nodes(c, "operands").map(expr), () => "and");
    case "notExpr": {
      const negated = node(c, "negated");
      if (negated) {
        const operand = expr(negated);
        return operand && { kind: "unary", op: "not", operand, span: nodeSpan(n) };
      }
      return expr(node(c, "comparison"));
    }
    case "comparison":
      return comparison(n);
    case "additive":
    case "multiplicative": {
      const ops = (c["ops"] ?? []).filter(isToken);
      return chain(nodes(c, "operands").map(expr), (i) => (ops[i]?.image ?? "+") as ArithOp);
    }
    case "unary": {
      const negated = node(c, "negated");
      if (negated) {
        const operand = expr(negated);
        return operand && { kind: "unary", op: "-", operand, span: nodeSpan(n) };
      }
      return expr(node(c, "primary"));
    }
    case "primary":
      return primary(n);
    default:
      return undefined;
  }
}

/** Left-associative chain of binary operators; a hole anywhere makes the whole chain a hole. */
function chain(operands: (Expr | undefined)[], opAt: (i: number) => BinaryOp): Expr | undefined {
  if (operands.length === 0 || operands.some((o) => o === undefined)) return undefined;
  let acc = operands[0]!;
  for (let i = 1; i < operands.length; i++) {
    const right = operands[i]!;
    acc = { kind: "binary", op: opAt(i - 1), left: acc, right, span: join(acc.span, right.span) };
  }
  return acc;
}

function comparison(n: CstNode): Expr | undefined {
  const c = n.children;
  const left = expr(node(c, "left"));
  if (!left) return undefined;
  const span = nodeSpan(n);
  const presence = tok(c, "presence");
  if (c["Is"]) {
    if (!presence) return undefined;
    const word = presence.image;
    // `is present` / `is missing`; any other word is reported by the checker via this sentinel.
    const present = word === "present" ? true : word === "missing" ? false : undefined;
    if (present === undefined) return { kind: "call", fn: `is ${word}`, fnSpan: tokenSpan(presence), args: [left], span };
    return { kind: "presence", operand: left, present: tok(c, "negate") ? !present : present, span };
  }
  const right = expr(node(c, "right"));
  if (c["In"]) return right && { kind: "binary", op: tok(c, "negate") ? "not in" : "in", left, right, span };
  if (c["Contains"]) return right && { kind: "binary", op: c["Any"] ? "contains any" : "contains", left, right, span };
  const op = tok(c, "op");
  if (op) return right && { kind: "binary", op: op.image as CompareOp, left, right, span };
  return left;
}

function primary(n: CstNode): Expr | undefined {
  const c = n.children;
  const span = nodeSpan(n);
  const num = tok(c, "NumberLiteral");
  if (num) return { kind: "number", value: Number(num.image), span };
  const str = tok(c, "StringLiteral");
  if (str) return { kind: "string", value: unquote(str.image), span };
  if (tok(c, "True")) return { kind: "boolean", value: true, span };
  if (tok(c, "False")) return { kind: "boolean", value: false, span };
  if (c["listOpen"]) {
    const items = nodes(c, "items").map(expr);
    return items.some((i) => !i) ? undefined : { kind: "list", items: items as Expr[], span };
  }
  if (c["groupOpen"]) return expr(node(c, "group"));
  const name = tok(c, "name");
  if (!name) return undefined;
  if (c["callOpen"]) {
    const args = nodes(c, "args").map(expr);
    if (args.some((a) => !a)) return undefined;
    return { kind: "call", fn: name.image, fnSpan: tokenSpan(name), args: args as Expr[], span };
  }
  if (c["lookupOpen"]) {
    const key = expr(node(c, "key"));
    return key && { kind: "lookup", table: name.image, tableSpan: tokenSpan(name), key, span };
  }
  return { kind: "name", name: name.image, span };
}
