/**
 * Size limits of a policy, so that no source, however small or hostile, makes a stage run out of stack, memory or
 * time (issue 11: a 669-byte source froze the server; 1,000 nested parentheses or 70,000 `or`s overflowed the
 * stack). Each limit is reported as a located `limit/…` error where it is first exceeded, and the stage stops.
 * The numbers are far above anything a policy author writes (the shipped policies use a few percent of each).
 */
import type { CodeOf } from "./catalogue.js";
import type { IToken } from "chevrotain";
import type { Decl, Expr } from "./ast.js";
import type { Span } from "./diagnostics.js";

export const limits = {
  /** UTF-8 bytes of the whole policy file. */
  sourceBytes: 2 * 1024 * 1024,
  /** Brackets `(` and `[` open at once: the parser descends three rules per level. */
  nestingDepth: 64,
  /** Levels of an expression tree (`a or b or c` is three): every later stage walks the tree recursively. */
  expressionDepth: 100,
  /** Nodes of one expression (a literal list counts each item). */
  expressionSize: 10_000,
  /** Rules and lets of the merged policy (after `extends`). */
  rules: 10_000,
  lets: 10_000,
  /** Expression nodes of the merged policy (after `extends`): what every later stage walks. */
  policySize: 1_000_000,
  /** Lets built on lets: `let b2 = b1 or x` over `let b1 = b0 or x` is depth three. */
  letDepth: 1000,
  /** YAML aliases the envelope may resolve (the yaml package counts the nodes each alias expands to). */
  yamlAliases: 100,
} as const;

export type LimitReport = (code: CodeOf<"error">, span: Span, message: string, help?: string) => void;

/** The offset of the first character past `max` UTF-8 bytes, or undefined when the text fits. */
export function offsetPastBytes(text: string, max: number): number | undefined {
  if (text.length * 3 <= max) return undefined;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? 4 : c >= 0xdc00 && c <= 0xdfff ? 0 : 3;
    if (bytes > max) return i;
  }
  return undefined;
}

/**
 * Bracket depth of the token stream, checked before the (recursive) parser sees it. Returns the first bracket
 * that opens one level too many, or undefined.
 */
export function tooDeepBracket(tokens: readonly IToken[], max: number): IToken | undefined {
  let depth = 0;
  for (const t of tokens) {
    const name = t.tokenType.name;
    if (name === "LParen" || name === "LBracket") {
      if (++depth > max) return t;
    } else if ((name === "RParen" || name === "RBracket") && depth > 0) depth--;
  }
  return undefined;
}

/** A declaration with where it came from, as the checks see it (`origin`: the version it was inherited from). */
interface Sourced {
  readonly decl: Decl;
  readonly origin?: string;
}

/**
 * Counts over the merged policy (after `extends`): rules, lets, and how deep lets build on lets. Reports the first
 * crossing of each and returns whether any was crossed (then nothing more is checked or compiled).
 */
export function checkPolicyLimits(
  decls: readonly Sourced[],
  report: (code: CodeOf<"error">, span: Span, message: string, help: string | undefined, origin?: string) => void,
  l: { readonly rules: number; readonly lets: number; readonly letDepth: number; readonly policySize: number } = limits,
): boolean {
  let rules = 0;
  let lets = 0;
  let nodes = 0;
  let crossed = false;
  const depth = new Map<string, number>();
  for (const { decl, origin } of decls) {
    const before = nodes;
    for (const e of declExprs(decl)) nodes += walk(e).size;
    if (before <= l.policySize && nodes > l.policySize) {
      const at = decl.kind === "rule" ? decl.id.span : decl.kind === "let" || decl.kind === "attribute" ? decl.name.span : decl.span;
      report("limit/policy-size", at, `the policy's expressions have more than ${l.policySize} parts in all`, "split the program, or move long lists into tables", origin);
      crossed = true;
    }
    if (decl.kind === "rule" && ++rules === l.rules + 1) {
      report("limit/rules", decl.id.span, `the policy has more than ${l.rules} rules`, "split the program, or merge rules that differ only in a value into one rule over a table", origin);
      crossed = true;
    }
    if (decl.kind !== "let") continue;
    if (++lets === l.lets + 1) {
      report("limit/lets", decl.name.span, `the policy has more than ${l.lets} \`let\` facts`, undefined, origin);
      crossed = true;
    }
    let d = 1;
    if (decl.value) for (const n of walk(decl.value).names) d = Math.max(d, (depth.get(n) ?? 0) + 1);
    depth.set(decl.name.name, d);
    if (d === l.letDepth + 1) {
      report("limit/let-depth", decl.name.span, `\`${decl.name.name}\` is built on more than ${l.letDepth} \`let\` facts, one on another`, "build long chains as one expression over a table, or from fewer, wider facts", origin);
      crossed = true;
    }
  }
  return crossed;
}

function declExprs(d: Decl): Expr[] {
  switch (d.kind) {
    case "let":
      return d.value ? [d.value] : [];
    case "rule":
      return [...(d.when ? [d.when] : []), ...d.set.map((a) => a.value)];
    case "attribute":
      return [...(d.value ? [d.value] : []), ...(d.when ? [d.when] : [])];
    default:
      return [];
  }
}

/** The names an expression mentions and its node count, without recursion. */
function walk(e: Expr): { names: string[]; size: number } {
  const names: string[] = [];
  let size = 0;
  const stack: Expr[] = [e];
  while (stack.length) {
    const x = stack.pop()!;
    size++;
    switch (x.kind) {
      case "name":
        names.push(x.name);
        break;
      case "list":
        stack.push(...x.items);
        break;
      case "call":
        stack.push(...x.args);
        break;
      case "lookup":
        stack.push(x.key);
        break;
      case "unary":
      case "presence":
        stack.push(x.operand);
        break;
      case "binary":
        stack.push(x.left, x.right);
        break;
      default:
        break;
    }
  }
  return { names, size };
}
