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

function neverTrue(e: Expr): string | undefined {
  if (e.kind === "boolean" && !e.value) return "its condition is `false`";
  const equals = new Map<string, unknown>();
  const low = new Map<string, number>();
  const high = new Map<string, number>();
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
    // Strictness is ignored: `x > 5 and x < 5` is caught, `x >= 5 and x <= 5` is allowed.
    if (c.op === ">" || c.op === ">=") low.set(name, Math.max(low.get(name) ?? -Infinity, lit));
    if (c.op === "<" || c.op === "<=") high.set(name, Math.min(high.get(name) ?? Infinity, lit));
    const lo = low.get(name);
    const hi = high.get(name);
    if (lo !== undefined && hi !== undefined && (lo > hi || (lo === hi && (c.op === ">" || c.op === "<")))) {
      return `no \`${name}\` is both above ${lo} and below ${hi}`;
    }
  }
  return undefined;
}
