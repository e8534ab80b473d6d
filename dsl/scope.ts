/**
 * What a name in an expression can mean, and the DSL's types. The checker and the compiler both resolve names
 * here, so they cannot disagree about whether `costly` is a table or a derived fact.
 */
import type { Decl, Expr, LetDecl } from "./ast.js";
import type { Envelope, ParamValue, TableDef } from "./envelope.js";
import type { DslType, FactInfo } from "./schema-facts.js";

export type Resolved =
  | { readonly kind: "field"; readonly info: FactInfo }
  | { readonly kind: "let"; readonly decl: LetDecl }
  | { readonly kind: "param"; readonly value: ParamValue }
  | { readonly kind: "table"; readonly table: TableDef }
  | { readonly kind: "outcome" };

export interface FunctionSig {
  /** Argument types (each a list of accepted types); `rest` repeats the last one. */
  readonly args: readonly (readonly DslType[])[];
  readonly rest?: boolean;
  readonly min?: number;
  readonly result: DslType | "first-arg";
  readonly doc: string;
  /** For an argument that may be a text: the texts it accepts (a literal or a parameter is checked against them). */
  readonly names?: Readonly<Record<number, readonly string[]>>;
}

/**
 * The working-day calendars built into `addWorkdays` (engine/lib.ts `calendars`, which a test keeps equal):
 * `us-federal` skips the federal holidays of 5 U.S.C. 6103 as observed, computed for any year from 1971.
 */
export const CALENDARS: readonly string[] = ["us-federal", "weekdays"];

const dates: readonly DslType[] = ["date", "datetime", "string"];
const num: readonly DslType[] = ["number"];
const anyT: readonly DslType[] = ["any"];

/** The built-in functions: their types and the one-line doc the editor shows. */
export const functions: Readonly<Record<string, FunctionSig>> = {
  min: { args: [num], rest: true, min: 1, result: "number", doc: "the least of the given arguments (missing ones are skipped)" },
  max: { args: [num], rest: true, min: 1, result: "number", doc: "the greatest of the given arguments (missing ones are skipped)" },
  days: { args: [dates, dates], result: "number", doc: "whole days from the first date to the second" },
  hours: { args: [dates, dates], result: "number", doc: "hours from the first date-time to the second" },
  years: { args: [dates, dates], result: "number", doc: "full years from the first date to the second (age at a date)" },
  addDays: { args: [dates, num], result: "date", doc: "the date n calendar days after a date" },
  addWorkdays: {
    args: [dates, num, ["list", "set", "string"]], min: 2, result: "date", names: { 2: CALENDARS },
    doc: 'the date n working days (Monday to Friday) after a date; the optional third argument names a calendar of holidays ("us-federal") or lists holiday dates',
  },
  date: { args: [dates], result: "date", doc: "the date part of a date or date-time" },
  today: { args: [], result: "date", doc: "the decision date" },
  absent: { args: [anyT], rest: true, min: 1, result: "list", doc: "the named request fields that are missing" },
  count: { args: [["list", "set"]], result: "number", doc: "the number of items of a list" },
  round: { args: [num, num], result: "number", doc: "a number rounded to the given decimals" },
  coalesce: { args: [anyT], rest: true, min: 1, result: "first-arg", doc: "the first argument that is given" },
  duplicateOf: { args: [anyT], rest: true, min: 1, result: "string", doc: "the id of an earlier accepted request with the same key values" },
};

export class Scope {
  readonly lets = new Map<string, LetDecl>();

  constructor(
    readonly envelope: Envelope,
    readonly facts: ReadonlyMap<string, FactInfo>,
    decls: readonly Decl[],
  ) {
    for (const d of decls) if (d.kind === "let") this.lets.set(d.name.name, d);
  }

  get outcomes(): readonly string[] {
    return this.envelope.outcomes ?? [];
  }

  /** `outcome` is a name only inside `attribute` declarations, where the decision is already known. */
  resolve(name: string, allowOutcome = false): Resolved | undefined {
    const letDecl = this.lets.get(name);
    if (letDecl) return { kind: "let", decl: letDecl };
    const param = this.envelope.parameters?.[name];
    if (param && Object.hasOwn(this.envelope.parameters!, name)) return { kind: "param", value: param.value };
    const table = this.envelope.tables?.[name];
    if (table && Object.hasOwn(this.envelope.tables!, name)) return { kind: "table", table };
    const info = this.facts.get(name);
    if (info) return { kind: "field", info };
    if (allowOutcome && name === "outcome") return { kind: "outcome" };
    return undefined;
  }

  /** Every name an expression may use, for `did you mean` and completion. */
  names(): string[] {
    return [...this.lets.keys(), ...Object.keys(this.envelope.parameters ?? {}), ...Object.keys(this.envelope.tables ?? {}), ...this.facts.keys()];
  }
}

export function tableType(t: TableDef): DslType {
  return Array.isArray(t.values) ? "set" : "map";
}

export function valueType(v: unknown): DslType {
  return typeof v === "number" ? "number" : typeof v === "boolean" ? "boolean" : typeof v === "string" ? "string" : "any";
}

/** Is the expression a plain literal (no names)? */
export function isLiteral(e: Expr): boolean {
  return e.kind === "number" || e.kind === "string" || e.kind === "boolean" || (e.kind === "list" && e.items.every(isLiteral));
}
