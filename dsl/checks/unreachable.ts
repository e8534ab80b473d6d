/**
 * Rules that can never fire, where that is cheap to see: a condition that is literally false, or one that asks a
 * field for two different values (`x = "a" and x = "b"`) or for an empty numeric range (`x > 5 and x < 3`).
 */
import type { Expr } from "../ast.js";
import type { CheckContext } from "./context.js";

export function checkUnreachable(ctx: CheckContext): void {
  for (const { decl, origin } of ctx.decls) {
    if (decl.kind !== "rule" || !decl.when) continue;
    const why = neverTrue(decl.when);
    if (why) ctx.report("warning", "policy/unreachable-rule", decl.when.span, `rule \`${decl.id.name}\` can never fire: ${why}`, undefined, origin);
  }
}

function conjuncts(e: Expr): Expr[] {
  return e.kind === "binary" && e.op === "and" ? [...conjuncts(e.left), ...conjuncts(e.right)] : [e];
}

interface Bound {
  readonly v: number;
  readonly strict: boolean;
}

/** The narrower of two lower (`dir` 1) or upper (`dir` -1) bounds. */
function tighter(cur: Bound | undefined, next: Bound, dir: 1 | -1): Bound {
  if (!cur) return next;
  if (next.v * dir > cur.v * dir) return next;
  return next.v === cur.v && next.strict ? next : cur;
}

function neverTrue(e: Expr): string | undefined {
  if (e.kind === "boolean" && !e.value) return "its condition is `false`";
  const equals = new Map<string, unknown>();
  // A bound is a value and whether it is strict (`>`/`<`): `x > 5 and x <= 5` is empty, `x >= 5 and x <= 5` is not.
  const low = new Map<string, Bound>();
  const high = new Map<string, Bound>();
  for (const c of conjuncts(e)) {
    if (c.kind === "boolean" && !c.value) return "it requires `false`";
    if (c.kind !== "binary" || c.left.kind !== "name") continue;
    const name = c.left.name;
    const lit = c.right.kind === "number" || c.right.kind === "string" || c.right.kind === "boolean" ? c.right.value : undefined;
    if (lit === undefined) continue;
    if (c.op === "=") {
      if (equals.has(name) && equals.get(name) !== lit) return `\`${name}\` cannot equal both ${JSON.stringify(equals.get(name))} and ${JSON.stringify(lit)}`;
      equals.set(name, lit);
    }
    if (typeof lit !== "number") continue;
    const strict = c.op === ">" || c.op === "<";
    if (c.op === ">" || c.op === ">=") low.set(name, tighter(low.get(name), { v: lit, strict }, 1));
    if (c.op === "<" || c.op === "<=") high.set(name, tighter(high.get(name), { v: lit, strict }, -1));
    const lo = low.get(name);
    const hi = high.get(name);
    if (lo && hi && (lo.v > hi.v || (lo.v === hi.v && (lo.strict || hi.strict)))) {
      return `no \`${name}\` is both ${lo.strict ? "above" : "at least"} ${lo.v} and ${hi.strict ? "below" : "at most"} ${hi.v}`;
    }
  }
  return undefined;
}
