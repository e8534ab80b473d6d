/** Declarations: duplicate rule, fact and attribute names; lets used before they are declared; outcomes; `otherwise`. */
import type { Expr } from "../ast.js";
import { suggest } from "../diagnostics.js";
import type { CheckContext } from "./context.js";

export function checkUniqueNames(ctx: CheckContext): void {
  const seen = new Map<string, string>();
  for (const { decl, origin } of ctx.decls) {
    const key = decl.kind === "rule" ? `rule ${decl.id.name}` : decl.kind === "let" ? `name ${decl.name.name}` : decl.kind === "attribute" ? `attribute ${decl.name.name}` : undefined;
    if (!key) continue;
    const name = decl.kind === "rule" ? decl.id : decl.kind === "let" || decl.kind === "attribute" ? decl.name : undefined;
    if (!name) continue;
    if (seen.has(key)) {
      ctx.report("error", "policy/duplicate-id", name.span, `\`${name.name}\` is declared twice`, "give each rule, fact and attribute its own name", origin);
    }
    seen.set(key, name.name);
    if (decl.kind === "let") {
      const env = ctx.envelope;
      const clash = Object.hasOwn(env.parameters ?? {}, name.name) ? "a parameter" : Object.hasOwn(env.tables ?? {}, name.name) ? "a table" : ctx.scope.facts.has(name.name) ? "a request field" : undefined;
      if (clash) ctx.report("error", "policy/duplicate-id", name.span, `\`${name.name}\` is already ${clash}`, undefined, origin);
    }
  }
}

/** A `let` may use only the lets above it, so facts never depend on themselves. */
export function checkLetOrder(ctx: CheckContext): void {
  const declared = new Set<string>();
  const lets = new Set(ctx.scope.lets.keys());
  for (const { decl, origin } of ctx.decls) {
    if (decl.kind !== "let") continue;
    if (decl.value) {
      for (const n of names(decl.value)) {
        if (lets.has(n.name) && !declared.has(n.name)) {
          ctx.report("error", "policy/let-order", n.span, `\`${n.name}\` is used before it is declared`, "move this `let` below the one it uses", origin);
        }
      }
    }
    declared.add(decl.name.name);
  }
}

export function checkOutcomes(ctx: CheckContext): void {
  const outcomes = ctx.scope.outcomes;
  if (outcomes.length === 0) {
    ctx.report("error", "policy/no-outcomes", ctx.spans.keys.get("program") ?? { start: 0, end: 3 }, "the envelope declares no `outcomes`", "list them strongest first, e.g. `outcomes: [deny, pend, approve]`");
    return;
  }
  let otherwise = 0;
  for (const { decl, origin } of ctx.decls) {
    if (decl.kind === "otherwise") otherwise++;
    const o = decl.kind === "rule" || decl.kind === "otherwise" ? decl.outcome : undefined;
    if (o && !outcomes.includes(o.name)) {
      const s = suggest(o.name, outcomes);
      ctx.report("error", "policy/unknown-outcome", o.span, `unknown outcome \`${o.name}\``, s ? `did you mean \`${s}\`?` : `the outcomes are ${outcomes.map((x) => `\`${x}\``).join(", ")}`, origin);
    }
    if (decl.kind === "rule" && !decl.outcome && decl.set.length === 0) {
      ctx.report("error", "policy/empty-rule", decl.id.span, `rule \`${decl.id.name}\` has neither an outcome nor \`set\``, "write the outcome after `then`, e.g. `then deny`", origin);
    }
  }
  if (otherwise === 0) {
    ctx.report("error", "policy/missing-otherwise", ctx.spans.keys.get("outcomes") ?? ctx.spans.keys.get("program") ?? { start: 0, end: 3 }, "the policy has no `otherwise` clause", "add `otherwise <outcome> code … reason \"…\" cite \"…\"` for requests no rule decides");
  } else if (otherwise > 1) {
    const second = ctx.decls.filter((d) => d.decl.kind === "otherwise")[1]!;
    ctx.report("error", "policy/duplicate-otherwise", second.decl.span, "the policy has more than one `otherwise` clause", undefined, second.origin);
  }
}

/** Rules should say where they come from; `otherwise` too. */
export function checkCitations(ctx: CheckContext): void {
  for (const { decl, origin } of ctx.decls) {
    if ((decl.kind === "rule" && decl.outcome) || decl.kind === "otherwise") {
      const where = decl.kind === "rule" ? decl.id : decl.outcome;
      if (!decl.cite && where) {
        ctx.report("warning", "policy/missing-citation", where.span, `${decl.kind === "rule" ? `rule \`${where.name}\`` : "`otherwise`"} has no citation`, 'add `cite "<seed file>, <section>"`', origin);
      }
      if (!decl.code && where) ctx.report("error", "policy/missing-code", where.span, `${decl.kind === "rule" ? `rule \`${where.name}\`` : "`otherwise`"} has no reason code`, "add `code <reason-code>`", origin);
    }
  }
}

export function names(e: Expr): { name: string; span: { start: number; end: number } }[] {
  switch (e.kind) {
    case "name":
      return [{ name: e.name, span: e.span }];
    case "list":
      return e.items.flatMap(names);
    case "lookup":
      return names(e.key);
    case "call":
      return e.args.flatMap(names);
    case "unary":
    case "presence":
      return names(e.operand);
    case "binary":
      return [...names(e.left), ...names(e.right)];
    default:
      return [];
  }
}
