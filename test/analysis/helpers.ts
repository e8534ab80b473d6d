/** Small policies over a test schema, compiled by the real compiler, for the solver tests. */
import { compilePolicy } from "../../dsl/index.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";

export const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  additionalProperties: false,
  required: ["id"],
  properties: {
    id: { type: "string", minLength: 1 },
    n: { type: "number" },
    m: { type: "number", minimum: 0 },
    k: { type: "integer", minimum: 0, maximum: 10 },
    s: { type: "string" },
    e: { type: "string", enum: ["x", "y", "z"] },
    b: { type: "boolean" },
    d: { type: "string", format: "date" },
    d2: { type: "string", format: "date" },
    t: { type: "string", format: "date-time" },
    t2: { type: "string", format: "date-time" },
    l: { type: "array", uniqueItems: true, items: { type: "string", enum: ["p", "q", "r"] } },
    o: { type: "object", additionalProperties: false, properties: { x: { type: "number" }, y: { type: "string" } } },
  },
};

/** A policy with one rule `r` (outcome deny) on `when`, `otherwise approve`, and optional extra DSL. */
export function policyWith(when: string, extra = "", envelope = ""): CompiledPolicy {
  const source = sourceWith(when, extra, envelope);
  const { compiled, diagnostics } = compilePolicy(source, { requestSchema: () => schema, parentSource: () => undefined });
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (!compiled || errors.length) throw new Error(`${when}: ${errors.map((d) => d.message).join("; ")}`);
  return compiled;
}

export function sourceWith(when: string, extra = "", envelope = ""): string {
  return `---
program: t
version: "1"
effective: 2008-01-01
title: T
requestSchema: request.schema.json
outcomes: [deny, approve]
parameters:
  limit: { value: 100 }
tables:
  cats: { values: [a, b] }
  levels: { values: { a: 1, b: 2 } }
  hols: { values: [2008-12-25, 2009-01-01] }
${envelope}---
rule r
  when ${when}
  then deny
  code c
  reason "r"
  cite "test"
${extra}
otherwise approve code ok reason "ok" cite "test"
`;
}
