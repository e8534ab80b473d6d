/**
 * Step four: the concrete syntax tree to the typed AST. Tolerates the holes error recovery leaves (a missing
 * expression becomes `undefined`), so partial policies still give the editor a tree.
 */
import type { CstElement, CstNode, IToken } from "chevrotain";
import type { Assignment, BinaryOp, Decl, Expr, Name, PolicyBody } from "./ast.js";
import type { CodeOf } from "./catalogue.js";
import type { DiagnosticSink, Span } from "./diagnostics.js";
import { limits, type LimitReport } from "./limits.js";

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

type Shape = { readonly depth: number; readonly size: number };
const LEAF: Shape = { depth: 1, size: 1 };

/** Reports the first expression of a declaration that is too deep or too big; it then becomes a hole. */
class Limiter {
  private reported = false;
  /**
   * Depth and node count of the composite expressions of the current declaration (literals and names are leaves),
   * so a limit is seen where it is crossed. A Map cleared per declaration: a WeakMap of every node cost the
   * garbage collector more than the parse itself.
   */
  private readonly shapes = new Map<Expr, Shape>();
  constructor(private readonly report: LimitReport) {}

  /** `e` measured over its children, or undefined (reported once per declaration) when it crosses a limit. */
  node<E extends Expr>(e: E, children: readonly Expr[], at: Span): E | undefined {
    let depth = 0;
    let size = 1;
    for (const c of children) {
      const s = this.shapes.get(c) ?? LEAF;
      if (s.depth > depth) depth = s.depth;
      size += s.size;
    }
    depth++;
    if (depth > limits.expressionDepth) return this.fail("limit/expression-depth", at, `this expression nests more than ${limits.expressionDepth} levels deep`, "split it into `let` facts, or use `in [...]` for a long list of alternatives");
    if (size > limits.expressionSize) return this.fail("limit/expression-size", at, `this expression has more than ${limits.expressionSize} parts`, "split it into `let` facts, or move long lists into a table in the envelope");
    this.shapes.set(e, { depth, size });
    return e;
  }

  fail(code: CodeOf<"error">, at: Span, message: string, help: string): undefined {
    if (!this.reported) this.report(code, at, message, help);
    this.reported = true;
    return undefined;
  }

  /** A new declaration: its first crossing is reported again. */
  next(): void {
    this.reported = false;
    this.shapes.clear();
  }
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
  const report: LimitReport = (code, span, message, help) => sink?.error(code, span, message, help);
  const decls: Decl[] = [];
  const limiter = new Limiter(report);
  for (const d of nodes(cst.children, "declaration")) {
    const inner = Object.values(d.children)[0]?.[0];
    if (!inner || isToken(inner)) continue;
    limiter.next();
    const decl = toDecl(inner, limiter);
    if (decl) decls.push(decl);
  }
  return { decls };
}

function toDecl(n: CstNode, L: Limiter): Decl | undefined {
  const c = n.children;
  const span = nodeSpan(n);
  switch (n.name) {
    case "letDecl": {
      const name = nameOf(tok(c, "name"));
      return name ? { kind: "let", name, value: expr(node(c, "value"), L), span } : undefined;
    }
    case "ruleDecl": {
      const id = nameOf(tok(c, "id"));
      if (!id) return undefined;
      const clauses = readClauses(nodes(c, "clause"), L);
      return { kind: "rule", id, when: expr(node(c, "when"), L), outcome: nameOf(tok(c, "outcome")), ...clauses, span };
    }
    case "otherwiseDecl": {
      const { set: _set, ...clauses } = readClauses(nodes(c, "clause"), L);
      return { kind: "otherwise", outcome: nameOf(tok(c, "outcome")), ...clauses, span };
    }
    case "attributeDecl": {
      const name = nameOf(tok(c, "name"));
      return name ? { kind: "attribute", name, value: expr(node(c, "value"), L), when: expr(node(c, "when"), L), span } : undefined;
    }
    case "removeDecl": {
      const id = nameOf(tok(c, "id"));
      return id ? { kind: "remove", id, span } : undefined;
    }
    default:
      return undefined;
  }
}

function readClauses(clauses: CstNode[], L: Limiter): { code?: Name; reason?: Name; cite?: Name; set: Assignment[] } & Record<"code" | "reason" | "cite", Name | undefined> {
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
      const value = expr(node(a.children, "value"), L);
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
  | { readonly t: "op"; readonly op: BinaryOp; readonly span: Span };

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

function items(n: CstNode, L: Limiter): Item[] {
  const c = n.children;
  const out: Item[] = [];
  const operands = nodes(c, "operands");
  const ops = nodes(c, "ops");
  operands.forEach((o, i) => {
    if (i > 0 && ops[i - 1]) out.push({ t: "op", op: opOf(ops[i - 1]!), span: nodeSpan(ops[i - 1]!) });
    const oc = o.children;
    for (const t of (oc["nots"] ?? []).filter(isToken)) out.push({ t: "not", span: tokenSpan(t) });
    let e = primary(node(oc, "primary"), L);
    for (const t of (oc["negs"] ?? []).filter(isToken).reverse()) e = e && L.node({ kind: "unary", op: "-", operand: e, span: join(tokenSpan(t), e.span) }, [e], tokenSpan(t));
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

/**
 * Precedence climbing over the flat items; a hole anywhere makes the whole expression a hole. Recursion is bounded
 * by the precedence levels (a run of `not`s is counted, not recursed), so 200,000 `not`s cannot overflow the stack.
 */
function climb(list: Item[], L: Limiter): Expr | undefined {
  let pos = 0;
  let broken = false;
  const parse = (min: number): Expr | undefined => {
    const nots: Span[] = [];
    while (list[pos]?.t === "not") nots.push((list[pos++] as { span: Span }).span);
    let left: Expr | undefined;
    if (nots.length > 0) {
      left = parse(NOT_OPERAND);
      for (let k = nots.length - 1; k >= 0 && left; k--) {
        const operand: Expr = left;
        left = L.node({ kind: "unary", op: "not", operand, span: join(nots[k]!, operand.span) }, [operand], nots[k]!);
      }
    } else {
      const first = list[pos++];
      if (first?.t === "atom") left = first.e;
    }
    if (!left) broken = true;
    for (;;) {
      const next = list[pos];
      if (next?.t === "op" && precedence[next.op] >= min) {
        pos++;
        const right = parse(precedence[next.op] + 1);
        left = left && right && L.node({ kind: "binary", op: next.op, left, right, span: join(left.span, right.span) }, [left, right], next.span);
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
        left = L.node({ kind: "presence", operand: left, present: next.negate ? !next.present : next.present, span }, [left], next.span);
      } else return left;
    }
  };
  const e = parse(0);
  // Items left over (two operands with no operator between them, as recovery may leave) also make a hole.
  return broken || pos < list.length ? undefined : e;
}

function expr(n: CstNode | undefined, L: Limiter): Expr | undefined {
  return n ? climb(items(n, L), L) : undefined;
}

function primary(n: CstNode | undefined, L: Limiter): Expr | undefined {
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
    const items = nodes(c, "items").map((i) => expr(i, L));
    return items.some((i) => !i) ? undefined : L.node({ kind: "list", items: items as Expr[], span }, items as Expr[], span);
  }
  if (c["groupOpen"]) return expr(node(c, "group"), L);
  const name = tok(c, "name");
  if (!name) return undefined;
  if (c["callOpen"]) {
    const args = nodes(c, "args").map((a) => expr(a, L));
    if (args.some((a) => !a)) return undefined;
    return L.node({ kind: "call", fn: name.image, fnSpan: tokenSpan(name), args: args as Expr[], span }, args as Expr[], span);
  }
  if (c["lookupOpen"]) {
    const key = expr(node(c, "key"), L);
    return key && L.node({ kind: "lookup", table: name.image, tableSpan: tokenSpan(name), key, span }, [key], span);
  }
  return { kind: "name", name: name.image, span };
}
