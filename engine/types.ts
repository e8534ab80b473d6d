/** Shapes shared by the engine, the server, the simulator and the editor. Plain data only. */

/** One reason of a decision: a fired rule (or the `otherwise` clause) with the winning outcome. */
export interface Reason {
  readonly rule: string;
  readonly code: string;
  readonly text: string;
  readonly citation: string;
}

/** One condition of a rule as evaluated: the source text, whether it held and the values it saw. */
export interface ConditionTrace {
  readonly condition: string;
  readonly result: boolean;
  /** Under a `not`: the rule needs this condition to be false. */
  readonly negated?: boolean;
  readonly values: Readonly<Record<string, unknown>>;
}

/** Rule by rule: did it fire, and why. `line` is the rule's line in the policy file. */
export interface RuleTrace {
  readonly rule: string;
  readonly fired: boolean;
  readonly outcome?: string;
  readonly line: number;
  /** The version whose file holds the rule, when it is inherited (`line` is a line of that file). */
  readonly from?: string;
  readonly conditions: readonly ConditionTrace[];
}

export interface Decision {
  readonly program: string;
  readonly version: string;
  readonly outcome: string;
  readonly reasons: readonly Reason[];
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Ids of every fired rule, in file order (cheap; used by simulation to find rules that never fire). */
  readonly fired: readonly string[];
  readonly explanation?: readonly RuleTrace[];
}

/** What the host gives an evaluation besides the request. */
export interface EvalContext {
  /** The decision date (YYYY-MM-DD) that `today()` returns; defaults to the clock. */
  readonly decisionDate?: string;
  /** Include the rule-by-rule explanation (slower). */
  readonly explain?: boolean;
  /**
   * Dynamic fact behind `duplicateOf(...)`: the id of an earlier request of this program accepted with the same
   * key, or undefined. The server backs it with the decision log; tests with an in-memory list.
   */
  readonly findAccepted?: (key: string) => string | undefined;
}
