/** A version's parameter values, with a simulation's overrides checked against the declared names and types. */
import type { CompiledPolicy } from "../dsl/compiled.js";

export interface EvaluatorOptions {
  /** Parameter overrides (a simulation's what-ifs); unknown names are an error. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export function parameterValues(policy: CompiledPolicy, overrides: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const values: Record<string, unknown> = Object.create(null);
  for (const [k, p] of Object.entries(policy.parameters)) values[k] = p.value;
  for (const [k, v] of Object.entries(overrides)) {
    if (!Object.hasOwn(policy.parameters, k)) throw new Error(`unknown parameter \`${k}\` for ${policy.program} ${policy.version}`);
    const want = typeof policy.parameters[k]!.value;
    if (typeof v !== want) throw new Error(`parameter \`${k}\` must be a ${want}`);
    values[k] = v;
  }
  return values;
}

