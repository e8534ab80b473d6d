/**
 * The last step: a checked, merged policy to the compiled policy (json-rules-engine rules plus the derived facts
 * they compare). Runs only when the checks found no errors, so every name here resolves.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { printExpr, type AttributeDecl, type Expr, type OtherwiseDecl, type RuleDecl } from "./ast.js";
import type { SourcedDecl } from "./checks/index.js";
import type { CAnyCondition, CExpr, CompiledPolicy, COp, CRule, CSetValue, CTopCondition, OperatorName } from "./compiled.js";
import { customOperators } from "./compiled.js";
import type { LineIndex } from "./diagnostics.js";
import type { Envelope } from "./envelope.js";
import { isLiteral, tableType, type Scope } from "./scope.js";

const compareOps: Readonly<Record<string, OperatorName>> = {
  "=": "equal",
  "!=": "notEqual",
  "<": "lessThan",
  "<=": "lessThanInclusive",
  ">": "greaterThan",
  ">=": "greaterThanInclusive",
  in: "in",
  "not in": "notIn",
  contains: "contains",
  "contains any": "containsAny",
};

export interface CompileInput {
  readonly envelope: Envelope;
  readonly decls: readonly SourcedDecl[];
  readonly scope: Scope;
  readonly requestSchema: object;
  /** Line index of each file a declaration may come from: `""` for this file, else the version id. */
  readonly lines: ReadonlyMap<string, LineIndex>;
}

class Compiler {
  readonly facts: Record<string, { expr: CExpr }> = {};
  readonly inputs = new Set<string>();
  readonly operators = new Set<OperatorName>();

  constructor(private readonly scope: Scope) {}

  expr(e: Expr, allowOutcome = false): CExpr {
    switch (e.kind) {
      case "number":
      case "string":
      case "boolean":
        return { lit: e.value };
      case "list":
        return isLiteral(e) ? { lit: e.items.map((i) => (i as { value: unknown }).value) } : { call: "list", args: e.items.map((i) => this.expr(i, allowOutcome)) };
      case "name": {
        const r = this.scope.resolve(e.name, allowOutcome);
        switch (r?.kind) {
          case "field":
            this.inputs.add(e.name);
            return { field: e.name };
          case "let":
            return { fact: e.name };
          case "param":
            return { param: e.name };
          case "table":
            return { table: e.name };
          case "outcome":
            return { outcome: true };
          default:
            throw new Error(`internal: unresolved name ${e.name} reached the compiler`);
        }
      }
      case "lookup":
        return { lookup: e.table, key: this.expr(e.key, allowOutcome) };
      case "call":
        if (e.fn === "absent") {
          const paths = e.args.map((a) => (a as { name: string }).name);
          paths.forEach((p) => this.inputs.add(p));
          return { absent: paths };
        }
        return { call: e.fn, args: e.args.map((a) => this.expr(a, allowOutcome)) };
      case "unary":
        return { op: e.op === "not" ? "not" : "neg", args: [this.expr(e.operand, allowOutcome)] };
      case "presence":
        return { op: "present", args: [this.expr(e.operand, allowOutcome), { lit: e.present }] };
      case "binary": {
        const op: COp = e.op === "and" || e.op === "or" || e.op === "+" || e.op === "-" || e.op === "*" || e.op === "/" ? e.op : compareOps[e.op]!;
        return { op, args: [this.expr(e.left, allowOutcome), this.expr(e.right, allowOutcome)] };
      }
    }
  }

  /** The json-rules-engine fact an expression is read from: a field, a let, a parameter, or an anonymous fact. */
  factOf(e: Expr): string {
    if (e.kind === "name") {
      const r = this.scope.resolve(e.name);
      if (r?.kind === "field") this.inputs.add(e.name);
      if (r && r.kind !== "table") return e.name;
    }
    const name = printExpr(e);
    if (!Object.hasOwn(this.facts, name)) this.facts[name] = { expr: this.expr(e) };
    return name;
  }

  /** The right side of a json-rules-engine condition: a literal, an inlined table, or a fact reference. */
  valueOf(e: Expr): unknown {
    if (isLiteral(e)) return (this.expr(e) as { lit: unknown }).lit;
    if (e.kind === "name") {
      const r = this.scope.resolve(e.name);
      if (r?.kind === "table") {
        const v = r.table.values;
        return tableType(r.table) === "set" ? [...(v as unknown[])] : Object.keys(v);
      }
    }
    return { fact: this.factOf(e) };
  }

  condition(e: Expr): CAnyCondition {
    if (e.kind === "binary" && (e.op === "and" || e.op === "or")) {
      const key = e.op === "and" ? "all" : "any";
      const flat: Expr[] = [];
      const collect = (x: Expr): void => {
        if (x.kind === "binary" && x.op === e.op) {
          collect(x.left);
          collect(x.right);
        } else flat.push(x);
      };
      collect(e);
      const items = flat.map((x) => this.condition(x));
      return key === "all" ? { all: items } : { any: items };
    }
    if (e.kind === "unary" && e.op === "not") return { not: this.condition(e.operand) };
    const name = printExpr(e);
    if (e.kind === "binary" && compareOps[e.op]) {
      const operator = compareOps[e.op]!;
      if (customOperators.includes(operator)) this.operators.add(operator);
      return { name, fact: this.factOf(e.left), operator, value: this.valueOf(e.right) };
    }
    if (e.kind === "presence") {
      this.operators.add("present");
      return { name, fact: this.factOf(e.operand), operator: "present", value: e.present };
    }
    return { name, fact: this.factOf(e), operator: "equal", value: true };
  }

  top(e: Expr | undefined): CTopCondition {
    if (!e) return { all: [] };
    const c = this.condition(e);
    return "all" in c || "any" in c || "not" in c ? c : { all: [c] };
  }

  setValue(e: Expr): CSetValue {
    if (e.kind === "number" || e.kind === "string" || e.kind === "boolean") return e.value;
    return { fact: this.factOf(e) };
  }
}

export function compile(input: CompileInput): CompiledPolicy {
  const { envelope, decls, scope } = input;
  const c = new Compiler(scope);
  const lineOf = (origin: string | undefined, offset: number): number => input.lines.get(origin ?? "")?.position(offset).line ?? 0;
  const from = (origin: string | undefined): { from?: string } => (origin ? { from: origin } : {});

  // Lets first, in order, so a fact is always declared before the facts built on it.
  for (const { decl } of decls) if (decl.kind === "let" && decl.value) c.facts[decl.name.name] = { expr: c.expr(decl.value) };

  const rules: CRule[] = [];
  let otherwise: { d: OtherwiseDecl; origin?: string } | undefined;
  const attributes: { name: string; expr: CExpr; when?: CExpr }[] = [];
  for (const { decl, origin } of decls) {
    if (decl.kind === "rule") rules.push(compileRule(c, decl, lineOf(origin, decl.span.start), from(origin)));
    if (decl.kind === "otherwise") otherwise = { d: decl, ...(origin ? { origin } : {}) };
    if (decl.kind === "attribute") attributes.push(compileAttribute(c, decl));
  }
  const o = otherwise!;
  const body = {
    format: "precept/compiled@1" as const,
    program: envelope.program,
    version: envelope.version,
    effective: envelope.effective,
    ...(envelope.end ? { end: envelope.end } : {}),
    ...(envelope.extends ? { extends: envelope.extends } : {}),
    title: envelope.title,
    ...(envelope.author ? { author: envelope.author } : {}),
    ...(envelope.change ? { change: envelope.change } : {}),
    outcomes: [...scope.outcomes],
    combine: "precedence" as const,
    parameters: envelope.parameters ?? {},
    tables: envelope.tables ?? {},
    requestSchema: input.requestSchema,
    facts: c.facts,
    inputs: [...c.inputs].sort(),
    rules,
    otherwise: {
      outcome: o.d.outcome!.name,
      code: o.d.code?.name ?? "",
      text: o.d.reason?.name ?? "",
      citation: o.d.cite?.name ?? "",
      line: lineOf(o.origin, o.d.span.start),
      ...from(o.origin),
    },
    attributes,
    operators: [...c.operators].sort(),
  };
  return { ...body, hash: `sha256:${bytesToHex(sha256(utf8ToBytes(JSON.stringify(body))))}` };
}

function compileRule(c: Compiler, d: RuleDecl, line: number, from: { from?: string }): CRule {
  const set: Record<string, CSetValue> = {};
  for (const a of d.set) set[a.name.name] = c.setValue(a.value);
  return {
    name: d.id.name,
    conditions: c.top(d.when),
    event: {
      type: d.outcome?.name ?? "attributes",
      params: {
        rule: d.id.name,
        ...(d.code ? { code: d.code.name } : {}),
        ...(d.reason ? { text: d.reason.name } : {}),
        ...(d.cite ? { citation: d.cite.name } : {}),
        line,
        ...from,
        set,
      },
    },
  };
}

function compileAttribute(c: Compiler, d: AttributeDecl): { name: string; expr: CExpr; when?: CExpr } {
  return { name: d.name.name, expr: c.expr(d.value!, true), ...(d.when ? { when: c.expr(d.when, true) } : {}) };
}
