/** JSON Schema (2020-12) of a policy file's YAML envelope. */
export const envelopeSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://precept.dev/schemas/envelope.json",
  title: "Precept policy envelope",
  type: "object",
  additionalProperties: false,
  required: ["program", "version", "effective", "title"],
  properties: {
    program: { type: "string", pattern: "^[a-z][a-z0-9-]*$", description: "Program id, e.g. ice-tar" },
    version: { type: "string", pattern: "^[0-9A-Za-z][0-9A-Za-z.-]*$", description: "Version id, e.g. 2005.1 (quote it)" },
    effective: { type: "string", format: "date", description: "First day in force" },
    end: { type: "string", format: "date", description: "Last day in force" },
    extends: { type: "string", description: "The version this one revises" },
    title: { type: "string", minLength: 1 },
    author: { type: "string" },
    change: { type: "string", description: "What this version changes and why" },
    requestSchema: { type: "string", description: "The request JSON Schema, relative to the policy file" },
    outcomes: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: { type: "string", pattern: "^[a-z][a-z0-9-]*$" },
      description: "Outcomes in precedence order, strongest first",
    },
    combine: { enum: ["precedence"], description: "How the outcomes of rules that fire together combine" },
    parameters: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["value"],
        properties: {
          value: { type: ["number", "string", "boolean"] },
          description: { type: "string" },
          cite: { type: "string" },
        },
      },
    },
    tables: {
      type: "object",
      propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
      additionalProperties: {
        type: "object",
        additionalProperties: false,
        required: ["values"],
        properties: {
          values: {
            oneOf: [
              { type: "array", items: { type: ["string", "number"] } },
              { type: "object", additionalProperties: { type: ["string", "number", "boolean"] } },
            ],
          },
          description: { type: "string" },
          cite: { type: "string" },
        },
      },
    },
  },
} as const;
