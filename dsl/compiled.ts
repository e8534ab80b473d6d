/**
 * The compiled policy: plain JSON that json-rules-engine runs as it is (`rules`), plus what those rules rely on
 * (derived facts as small expression trees, parameters, tables) and what happens after the rules (combination,
 * `otherwise`, attributes). Deterministic: the same source gives the same bytes and the same hash.
 */
import type { ParameterDef, TableDef } from "./envelope.js";

/** A compiled expression. Interpreted by engine/expr.ts (reference) and turned into JS by engine/codegen.ts. */
export type CExpr =
  | { readonly lit: unknown }
  | { readonly field: string }
  | { readonly fact: string }
  | { readonly param: string }
  | { readonly table: string }
  | { readonly lookup: string; readonly key: CExpr }
  | { readonly op: COp; readonly args: readonly CExpr[] }
  | { readonly call: string; readonly args: readonly CExpr[] }
  | { readonly absent: readonly string[] }
  | { readonly outcome: true };

/** Arithmetic and logic, plus the json-rules-engine operators (same names, same semantics). */
export type COp = "+" | "-" | "*" | "/" | "neg" | "not" | "and" | "or" | OperatorName;

export type OperatorName =
  | "equal" | "notEqual" | "lessThan" | "lessThanInclusive" | "greaterThan" | "greaterThanInclusive"
  | "in" | "notIn" | "contains" | "containsAny" | "present";

/** A json-rules-engine leaf condition; `name` carries the condition's source text for explanations. */
export interface CCondition {
  readonly name: string;
  readonly fact: string;
  readonly operator: OperatorName;
  readonly value: unknown;
}

export type CTopCondition =
  | { readonly all: readonly CAnyCondition[] }
  | { readonly any: readonly CAnyCondition[] }
  | { readonly not: CAnyCondition };

export type CAnyCondition = CCondition | CTopCondition;

/** `set` values: a literal, or `{ fact }`: the value of that fact when the rule fires. */
export type CSetValue = { readonly fact: string } | string | number | boolean;

export interface CRule {
  readonly name: string;
  readonly conditions: CTopCondition;
  readonly event: {
    /** The outcome, or `"attributes"` for a rule that only sets attributes. */
    readonly type: string;
    readonly params: {
      readonly rule: string;
      readonly code?: string;
      readonly text?: string;
      readonly citation?: string;
      readonly line: number;
      /** The version whose file holds the rule, when it is inherited. */
      readonly from?: string;
      readonly set: Readonly<Record<string, CSetValue>>;
    };
  };
}

export interface CompiledPolicy {
  readonly format: "precept/compiled@1";
  readonly program: string;
  readonly version: string;
  readonly effective: string;
  readonly end?: string;
  readonly extends?: string;
  readonly title: string;
  readonly author?: string;
  readonly change?: string;
  readonly outcomes: readonly string[];
  readonly combine: "precedence";
  readonly parameters: Readonly<Record<string, ParameterDef>>;
  readonly tables: Readonly<Record<string, TableDef>>;
  readonly requestSchema: object;
  /** Derived facts: named `let`s and the anonymous sub-expressions conditions compare (named by their text). */
  readonly facts: Readonly<Record<string, { readonly expr: CExpr }>>;
  /** Request fields the policy reads, as dotted paths. */
  readonly inputs: readonly string[];
  readonly rules: readonly CRule[];
  readonly otherwise: { readonly outcome: string; readonly code: string; readonly text: string; readonly citation: string; readonly line: number; readonly from?: string };
  readonly attributes: readonly { readonly name: string; readonly expr: CExpr; readonly when?: CExpr }[];
  /** Custom json-rules-engine operators the rules use (the engine registers them). */
  readonly operators: readonly OperatorName[];
  readonly hash: string;
}

/** The operators json-rules-engine does not have built in. */
export const customOperators: readonly OperatorName[] = ["containsAny", "present"];
