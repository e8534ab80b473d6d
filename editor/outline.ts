/**
 * The outline of a policy as the editor needs it: every name an expression may use (parameters, tables, `let`
 * facts), the outcomes and the rules, each with where it is defined. Inherited names carry the version they come
 * from, so completion offers them and go-to-definition can open that version.
 *
 * Built in the compile worker from parse results; plain data, so it crosses `postMessage` as it is. Works on broken
 * drafts: error recovery leaves a partial AST, and the envelope of a draft whose YAML is broken is simply empty.
 */
import { printExpr } from "../dsl/ast.js";
import type { Span } from "../dsl/diagnostics.js";
import type { ParseResult } from "../dsl/index.js";

/** A place in a policy file: 1-based lines and columns, end exclusive. `version` is set for inherited names. */
export interface Loc {
  readonly line: number;
  readonly column: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly version?: string;
}

export interface OutlineParameter {
  readonly name: string;
  readonly value: number | string | boolean;
  readonly description?: string;
  readonly cite?: string;
  readonly at?: Loc;
}

export interface OutlineTable {
  readonly name: string;
  readonly values: readonly (string | number)[] | Readonly<Record<string, unknown>>;
  readonly description?: string;
  readonly cite?: string;
  readonly at?: Loc;
}

export interface OutlineLet {
  readonly name: string;
  readonly text: string;
  readonly at: Loc;
}

export interface OutlineRule {
  readonly id: string;
  readonly outcome?: string;
  readonly code?: string;
  readonly reason?: string;
  readonly at: Loc;
}

export interface Outline {
  readonly program?: string;
  readonly version?: string;
  readonly extends?: string;
  readonly outcomes: readonly string[];
  readonly parameters: readonly OutlineParameter[];
  readonly tables: readonly OutlineTable[];
  readonly lets: readonly OutlineLet[];
  readonly rules: readonly OutlineRule[];
  /** Inherited rules this version removes (`remove rule`), so go-to-definition still finds them. */
  readonly removed: readonly OutlineRule[];
  /** Names set by `set` clauses and `attribute` declarations. */
  readonly attributes: readonly string[];
}

export const emptyOutline: Outline = { outcomes: [], parameters: [], tables: [], lets: [], rules: [], removed: [], attributes: [] };

function loc(parse: ParseResult, span: Span, version: string | undefined): Loc {
  const a = parse.lines.position(span.start);
  const b = parse.lines.position(span.end);
  return { line: a.line, column: a.column, endLine: b.line, endColumn: b.column, ...(version ? { version } : {}) };
}

/** Names of one file, merged over `base` (the outline of the version it extends) the way the compiler merges. */
export function outlineOf(parse: ParseResult, base: Outline = emptyOutline, origin?: string): Outline {
  const env = parse.envelope;
  const byName = <T extends { name: string }>(items: readonly T[], own: readonly T[]): T[] => {
    const out = items.filter((i) => !own.some((o) => o.name === i.name));
    return [...out, ...own];
  };
  const parameters: OutlineParameter[] = Object.entries(env?.parameters ?? {}).map(([name, p]) => {
    const span = parse.spans.parameters.get(name);
    return { name, value: p.value, ...(p.description ? { description: p.description } : {}), ...(p.cite ? { cite: p.cite } : {}), ...(span ? { at: loc(parse, span, origin) } : {}) };
  });
  const tables: OutlineTable[] = Object.entries(env?.tables ?? {}).map(([name, t]) => {
    const span = parse.spans.tables.get(name);
    return { name, values: t.values, ...(t.description ? { description: t.description } : {}), ...(t.cite ? { cite: t.cite } : {}), ...(span ? { at: loc(parse, span, origin) } : {}) };
  });
  const lets: OutlineLet[] = [];
  const rules: OutlineRule[] = [...base.rules];
  const removed: OutlineRule[] = [...base.removed];
  const attributes = new Set(base.attributes);
  for (const d of parse.body.decls) {
    if (d.kind === "let" && d.name.name) {
      lets.push({ name: d.name.name, text: d.value ? printExpr(d.value) : "", at: loc(parse, d.name.span, origin) });
    } else if (d.kind === "rule" && d.id.name) {
      const rule: OutlineRule = {
        id: d.id.name,
        ...(d.outcome?.name ? { outcome: d.outcome.name } : {}),
        ...(d.code?.name ? { code: d.code.name } : {}),
        ...(d.reason?.name ? { reason: d.reason.name } : {}),
        at: loc(parse, d.id.span, origin),
      };
      const i = rules.findIndex((r) => r.id === rule.id);
      if (i >= 0) rules[i] = rule;
      else rules.push(rule);
      for (const s of d.set) if (s.name.name) attributes.add(s.name.name);
    } else if (d.kind === "remove" && d.id.name) {
      const i = rules.findIndex((r) => r.id === d.id.name);
      if (i >= 0) removed.push(...rules.splice(i, 1));
    } else if (d.kind === "attribute" && d.name.name) {
      attributes.add(d.name.name);
    }
  }
  return {
    ...(env?.program ? { program: env.program } : base.program ? { program: base.program } : {}),
    ...(env?.version ? { version: env.version } : {}),
    ...(env?.extends ? { extends: env.extends } : {}),
    outcomes: env?.outcomes ?? base.outcomes,
    parameters: byName(base.parameters, parameters),
    tables: byName(base.tables, tables),
    lets: byName(base.lets, lets),
    rules,
    removed,
    attributes: [...attributes],
  };
}
