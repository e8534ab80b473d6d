/**
 * Names and types: unknown facts, parameters, tables, functions and outcomes; operands of the wrong type; values
 * an enumerated field never takes. Returns nothing; reports through the context.
 */
import type { Expr, LetDecl } from "../ast.js";
import type { CodeOf } from "../catalogue.js";
import { suggest } from "../diagnostics.js";
import { functions, tableType, valueType } from "../scope.js";
import type { DslType } from "../schema-facts.js";
import type { CheckContext } from "./context.js";

const stringLike: ReadonlySet<DslType> = new Set(["string", "date", "datetime"]);

const isDate = (t: DslType): boolean => t === "date" || t === "datetime";

function compatible(a: DslType, b: DslType): boolean {
  return a === "any" || b === "any" || a === b || (stringLike.has(a) && stringLike.has(b));
}

const article = (t: DslType): string =>
  ({ number: "a number", string: "a text", boolean: "true or false", date: "a date", datetime: "a date-time", list: "a list", set: "a table of values", map: "a table of keyed values", any: "a value" })[t];

const joinHelp = (op: string): string => `each side of \`${op}\` must be a condition that is true or false, such as a comparison (\`x > 500\`); a number or a text alone is not a condition`;

export function checkTypes(ctx: CheckContext): void {
  // Each let's type, inferred once: re-inferring a let at every use doubled the work per `let a2 = a1 and a1`.
  const letTypes: LetTypes = new Map();
  for (const { decl, origin } of ctx.decls) {
    const report = (code: CodeOf<"error">, span: { start: number; end: number }, message: string, help?: string): void =>
      ctx.report("error", code, span, message, help, origin);
    const t = new Typer(ctx, report, decl.kind === "attribute", letTypes);
    switch (decl.kind) {
      case "let":
        if (decl.value) letTypes.set(decl, t.type(decl.value));
        break;
      case "rule":
        if (decl.when) t.condition(decl.when);
        for (const a of decl.set) t.type(a.value);
        break;
      case "attribute":
        if (decl.value) t.type(decl.value);
        if (decl.when) t.condition(decl.when);
        break;
      default:
        break;
    }
  }
}

type LetTypes = Map<LetDecl, DslType>;

type Report = (code: CodeOf<"error">, span: { start: number; end: number }, message: string, help?: string) => void;

class Typer {
  constructor(
    private readonly ctx: CheckContext,
    private readonly report: Report,
    private readonly inAttribute: boolean,
    private readonly letTypes: LetTypes,
  ) {}

  condition(e: Expr): void {
    const t = this.type(e);
    if (!compatible(t, "boolean")) this.report("policy/type-mismatch", e.span, `a condition must be true or false, but this is ${article(t)}`);
  }

  type(e: Expr): DslType {
    switch (e.kind) {
      case "number":
        return "number";
      case "string":
        return "string";
      case "boolean":
        return "boolean";
      case "list": {
        for (const i of e.items) this.type(i);
        return "list";
      }
      case "name":
        return this.name(e.name, e.span);
      case "lookup": {
        const r = this.ctx.scope.resolve(e.table);
        this.type(e.key);
        if (!r || r.kind !== "table") {
          this.report("policy/unknown-table", e.tableSpan, `unknown table \`${e.table}\``, this.didYouMean(e.table, Object.keys(this.ctx.envelope.tables ?? {})));
          return "any";
        }
        if (tableType(r.table) !== "map") {
          this.report("policy/type-mismatch", e.span, `table \`${e.table}\` is a list of values: test membership with \`in\` instead of looking up a key`);
          return "any";
        }
        const vals = Object.values(r.table.values as Record<string, unknown>);
        return vals.length ? valueType(vals[0]) : "any";
      }
      case "call":
        return this.call(e);
      case "unary": {
        const t = this.type(e.operand);
        const want: DslType = e.op === "not" ? "boolean" : "number";
        if (!compatible(t, want)) this.report("policy/type-mismatch", e.operand.span, `\`${e.op}\` needs ${article(want)}, but this is ${article(t)}`);
        return want;
      }
      case "presence": {
        this.type(e.operand);
        return "boolean";
      }
      case "binary":
        return this.binary(e);
    }
  }

  private name(name: string, span: { start: number; end: number }): DslType {
    const r = this.ctx.scope.resolve(name, this.inAttribute);
    if (!r) {
      const help = this.didYouMean(name, [...this.ctx.scope.names(), ...(this.inAttribute ? ["outcome"] : [])]);
      const isPath = name.includes(".");
      if (name === "outcome" && !help) {
        this.report("policy/unknown-fact", span, "`outcome` is not known yet here", "`outcome` can be used only in an `attribute`, which is computed after the outcome is decided");
        return "any";
      }
      this.report("policy/unknown-fact", span, isPath ? `unknown fact \`${name}\`: the request schema has no such field` : `unknown name \`${name}\``, help ?? (isPath ? undefined : "a name is a request field, a `let` fact, a parameter or a table"));
      return "any";
    }
    switch (r.kind) {
      case "field":
        return r.info.type;
      case "param":
        return valueType(r.value);
      case "table":
        return tableType(r.table);
      case "outcome":
        return "string";
      case "let":
        // A let's type is inferred once, where it is declared: lets come in order, so every let a valid policy uses
        // is typed already. One used above its declaration (an error checkLetOrder reports) has no type yet and
        // counts as any: inferring it here would recurse once per let, and 10,000 lets in reverse order overflowed.
        return this.letTypes.get(r.decl) ?? "any";
    }
  }

  private call(e: Extract<Expr, { kind: "call" }>): DslType {
    const sig = Object.hasOwn(functions, e.fn) ? functions[e.fn] : undefined;
    if (!sig) {
      this.report("policy/unknown-function", e.fnSpan, `unknown function \`${e.fn}\``, this.didYouMean(e.fn, Object.keys(functions)));
      for (const a of e.args) this.type(a);
      return "any";
    }
    const min = sig.min ?? sig.args.length;
    const max = sig.rest ? Infinity : sig.args.length;
    if (e.args.length < min || e.args.length > max) {
      const n = sig.rest ? `at least ${min}` : min === max ? String(max) : `${min} or ${max}`;
      this.report("policy/wrong-arguments", e.span, `\`${e.fn}\` takes ${n} argument${n === "1" || n === "at least 1" ? "" : "s"}, not ${e.args.length}`, `${e.fn}: ${sig.doc}`);
    }
    const types = e.args.map((a, i) => {
      if (e.fn === "absent") {
        const kind = a.kind === "name" ? this.ctx.scope.resolve(a.name)?.kind : undefined;
        // An unknown name is reported as one; a parameter, table or `let` is not a request field.
        if (a.kind === "name" && kind === undefined) this.type(a);
        else if (kind !== "field") this.report("policy/wrong-arguments", a.span, "`absent` takes request field names", "name the request fields themselves, e.g. `absent(service.code, diagnosis.code)`");
        return "any" as DslType;
      }
      const t = this.type(a);
      const want = sig.args[Math.min(i, sig.args.length - 1)];
      if (want && !want.some((w) => compatible(t, w))) {
        this.report("policy/type-mismatch", a.span, `argument ${i + 1} of \`${e.fn}\` must be ${article(want[0]!)}, but this is ${article(t)}`, `${e.fn}: ${sig.doc}`);
      }
      this.knownName(e.fn, sig.names?.[i], a);
      return t;
    });
    return sig.result === "first-arg" ? (types[0] ?? "any") : sig.result;
  }

  private binary(e: Extract<Expr, { kind: "binary" }>): DslType {
    const l = this.type(e.left);
    const r = this.type(e.right);
    const mismatch = (what: string, help?: string): void => this.report("policy/type-mismatch", e.span, what, help);
    switch (e.op) {
      case "and":
      case "or":
        if (!compatible(l, "boolean")) mismatch(`\`${e.op}\` joins conditions, but the left side is ${article(l)}`, joinHelp(e.op));
        if (!compatible(r, "boolean")) mismatch(`\`${e.op}\` joins conditions, but the right side is ${article(r)}`, joinHelp(e.op));
        return "boolean";
      case "+":
      case "-":
      case "*":
      case "/":
        if (!compatible(l, "number") || !compatible(r, "number")) {
          mismatch(`\`${e.op}\` needs numbers, but got ${article(l)} and ${article(r)}`, isDate(l) || isDate(r) ? "use `days(a, b)`, `hours(a, b)` or `addDays(date, n)` for dates" : undefined);
        }
        return "number";
      case "=":
      case "!=":
        if (!compatible(l, r)) mismatch(`cannot compare ${article(l)} with ${article(r)}`);
        this.enumValue(e.left, e.right);
        this.enumValue(e.right, e.left);
        return "boolean";
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (!compatible(l, "number") || !compatible(r, "number")) {
          mismatch(`\`${e.op}\` compares numbers, but got ${article(l)} and ${article(r)}`, isDate(l) || isDate(r) ? "compare dates with `days(from, to)` or `hours(from, to)`" : undefined);
        }
        return "boolean";
      case "in":
      case "not in":
        if (!(e.right.kind === "list" || r === "set" || r === "map" || (e.right.kind === "name" && r === "any"))) {
          mismatch(`\`${e.op}\` needs a list \`[…]\` or a table on its right, but this is ${article(r)}`, r === "list" ? "to test a request list, write `list contains value`" : undefined);
        }
        if (e.right.kind === "list") for (const item of e.right.items) this.enumValue(e.left, item);
        return "boolean";
      case "contains":
        if (!compatible(l, "list")) mismatch(`\`contains\` needs a request list on its left, but this is ${article(l)}`);
        this.enumValue(e.left, e.right);
        return "boolean";
      case "contains any":
        if (!compatible(l, "list")) mismatch(`\`contains any\` needs a request list on its left, but this is ${article(l)}`);
        if (!(e.right.kind === "list" || r === "set")) mismatch(`\`contains any\` needs a list \`[…]\` or a table of values on its right`);
        if (e.right.kind === "list") for (const item of e.right.items) this.enumValue(e.left, item);
        return "boolean";
    }
  }

  /** A text argument a function accepts only from a list (a calendar name), given as a literal or a parameter. */
  private knownName(fn: string, names: readonly string[] | undefined, a: Expr): void {
    if (!names) return;
    const r = a.kind === "name" ? this.ctx.scope.resolve(a.name, this.inAttribute) : undefined;
    const value = a.kind === "string" ? a.value : r?.kind === "param" && typeof r.value === "string" ? r.value : undefined;
    if (value === undefined || names.includes(value)) return;
    this.report(
      "policy/unknown-value",
      a.span,
      `\`${fn}\` knows no calendar \`${value}\``,
      this.didYouMean(value, names) ?? `it is one of ${names.map((v) => `\`${v}\``).join(", ")}`,
    );
  }

  /** `facility.type = "SCP"`: a literal an enumerated field can never equal. */
  private enumValue(field: Expr, literal: Expr): void {
    if (field.kind !== "name" || literal.kind !== "string") return;
    const r = this.ctx.scope.resolve(field.name, this.inAttribute);
    const allowed = r?.kind === "field" ? r.info.enum : r?.kind === "outcome" ? this.ctx.scope.outcomes : undefined;
    if (!allowed || allowed.includes(literal.value)) return;
    this.report(
      "policy/unknown-value",
      literal.span,
      `\`${field.name}\` is never \`${literal.value}\``,
      this.didYouMean(literal.value, allowed.map(String)) ?? `it is one of ${allowed.map((v) => `\`${String(v)}\``).join(", ")}`,
    );
  }

  private didYouMean(word: string, candidates: Iterable<string>): string | undefined {
    const s = suggest(word, candidates);
    return s ? `did you mean \`${s}\`?` : undefined;
  }
}
