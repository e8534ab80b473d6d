/**
 * Step four: the concrete syntax tree to the typed AST. Tolerates the holes error recovery leaves (a missing
 * expression becomes `undefined`), so partial policies still give the editor a tree.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Assignment, BinaryOp, Decl, Expr, Name, PolicyBody } from "./ast.js";
import type { DiagnosticSink, Span } from "./diagnostics.js";

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

// The sink of the toAst call under way: this step reports its own syntax errors (set for the duration of one
// synchronous call, so the helpers below need not pass it along).
let sink: DiagnosticSink | undefined;

export function toAst(cst: CstNode, diagnostics?: DiagnosticSink): PolicyBody {
  sink = diagnostics;
  try {
    return toBody(cst);
  } finally {
    sink = undefined;
  }
}

function toBody(cst: CstNode): PolicyBody {
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

/** One element of a flat expression, in source order. */
type Item =
  | { readonly t: "not"; readonly span: Span }
  | { readonly t: "atom"; readonly e: Expr | undefined }
  | { readonly t: "is"; readonly present: boolean | undefined; readonly word: IToken; readonly negate: boolean; readonly span: Span }
  | { readonly t: "op"; readonly op: BinaryOp };

// Binding strength: `or` < `and` < `not` < comparisons (and `is`) < `+ -` < `* /`.
const precedence: Readonly<Record<BinaryOp, number>> = {
  or: 1, and: 2,
  "=": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4, in: 4, "not in": 4, contains: 4, "contains any": 4,
  "+": 5, "-": 5, "*": 6, "/": 6,
};
const NOT_OPERAND = 4;
const IS = 4;

function opOf(n: CstNode): BinaryOp {
  const c = n.children;
  if (c["Contains"]) return c["Any"] ? "contains any" : "contains";
  if (c["Not"]) return "not in";
  const t = Object.values(c)[0]![0] as IToken;
  return t.image as BinaryOp;
}

function items(n: CstNode): Item[] {
  const c = n.children;
  const out: Item[] = [];
  const operands = nodes(c, "operands");
  const ops = nodes(c, "ops");
  operands.forEach((o, i) => {
    if (i > 0 && ops[i - 1]) out.push({ t: "op", op: opOf(ops[i - 1]!) });
    const oc = o.children;
    for (const t of (oc["nots"] ?? []).filter(isToken)) out.push({ t: "not", span: tokenSpan(t) });
    let e = primary(node(oc, "primary"));
    for (const t of (oc["negs"] ?? []).filter(isToken).reverse()) e = e && { kind: "unary", op: "-", operand: e, span: join(tokenSpan(t), e.span) };
    out.push({ t: "atom", e });
    const word = tok(oc, "presence");
    if (oc["Is"]) {
      if (!word) out.push({ t: "atom", e: undefined });
      else {
        const present = word.image === "present" ? true : word.image === "missing" ? false : undefined;
        if (present === undefined) {
          sink?.error("syntax/unknown-presence", tokenSpan(word), `expected \`present\` or \`missing\` after \`is\`, found \`${word.image}\``);
        }
        out.push({ t: "is", present, word, negate: !!tok(oc, "negate"), span: tokenSpan(word) });
      }
    }
  });
  return out;
}

/** Precedence climbing over the flat items; a hole anywhere makes the whole expression a hole. */
function climb(list: Item[]): Expr | undefined {
  let pos = 0;
  let broken = false;
  const parse = (min: number): Expr | undefined => {
    const first = list[pos++];
    let left: Expr | undefined;
    if (first?.t === "not") {
      const operand = parse(NOT_OPERAND);
      left = operand && { kind: "unary", op: "not", operand, span: join(first.span, operand.span) };
    } else if (first?.t === "atom") left = first.e;
    if (!left) broken = true;
    for (;;) {
      const next = list[pos];
      if (next?.t === "op" && precedence[next.op] >= min) {
        pos++;
        const right = parse(precedence[next.op] + 1);
        left = left && right && { kind: "binary", op: next.op, left, right, span: join(left.span, right.span) };
      } else if (next?.t === "is" && IS >= min) {
        pos++;
        if (!left) continue;
        // Any word but `present`/`missing` was reported when the items were read: the expression is a hole.
        if (next.present === undefined) {
          broken = true;
          left = undefined;
          continue;
        }
        const span = join(left.span, next.span);
        left = { kind: "presence", operand: left, present: next.negate ? !next.present : next.present, span };
      } else return left;
    }
  };
  const e = parse(0);
  // Items left over (two operands with no operator between them, as recovery may leave) also make a hole.
  return broken || pos < list.length ? undefined : e;
}

function expr(n: CstNode | undefined): Expr | undefined {
  return n ? climb(items(n)) : undefined;
}

function primary(n: CstNode | undefined): Expr | undefined {
  if (!n) return undefined;
  const c = n.children;
  const span = nodeSpan(n);
  const num = tok(c, "NumberLiteral");
  if (num) return { kind: "number", value: Number(num.image), span };
  const str = tok(c, "StringLiteral");
  if (str) return { kind: "string", value: unquote(str.image), span };
  if (tok(c, "True")) return { kind: "boolean", value: true, span };
  if (tok(c, "False")) return { kind: "boolean", value: false, span };
  // A group, list, call or lookup whose close was inserted by error recovery is a hole: its unclosed opener is
  // reported (delimiters.ts), and a guess at where it ends would only bring follow-on type errors.
  const closer = c["listOpen"] ? "listClose" : c["groupOpen"] ? "groupClose" : c["callOpen"] ? "callClose" : c["lookupOpen"] ? "lookupClose" : undefined;
  if (closer && !tok(c, closer)) return undefined;
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
