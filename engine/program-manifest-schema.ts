/**
 * The JSON Schema of `policies/<program>/program.yaml` (see program-manifest.ts for what each field is for), and
 * its validator (ajv), which reports each problem at its JSON pointer.
 */
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ProgramManifest } from "./program-manifest.js";

const path = { type: "string", pattern: "^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*$", description: "a dotted request path" } as const;
const names = { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true } as const;
const paths = { type: "array", items: path, uniqueItems: true } as const;

export const PROGRAM_MANIFEST_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["program", "requestId", "dateOfService", "dateFields", "outcomes", "actionable"],
  additionalProperties: false,
  properties: {
    program: { type: "string", pattern: "^[a-z0-9][a-z0-9-]*$" },
    title: { type: "string" },
    requestId: path,
    dateOfService: path,
    dateFields: { ...paths, minItems: 1 },
    costField: path,
    obligation: { type: "object", required: ["cost"], additionalProperties: false, properties: { cost: path, minus: path } },
    outcomes: {
      type: "object",
      required: ["accept", "review"],
      additionalProperties: false,
      properties: { accept: { ...names, minItems: 1 }, review: names, demand: names },
    },
    priorityAttribute: { type: "string", minLength: 1 },
    amountAttributes: names,
    actionable: paths,
    duplicateKey: { ...paths, minItems: 1 },
    // A module path inside the program folder (no "..", no absolute path).
    generator: { type: "string", pattern: "^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9_./-]+\\.(ts|mts|js|mjs)$" },
  },
} as const;

export interface ManifestIssue {
  readonly path: string;
  readonly message: string;
}

const validate = new Ajv2020({ allErrors: true, strict: true }).compile(PROGRAM_MANIFEST_SCHEMA);

/** The manifest, with defaults filled in, or the problems found (each at its JSON pointer). */
export function checkManifest(value: unknown): { manifest: ProgramManifest } | { issues: ManifestIssue[] } {
  if (!validate(value)) {
    return { issues: (validate.errors ?? []).map((e) => ({ path: e.instancePath || "/", message: e.params && "additionalProperty" in e.params ? `has unknown field \`${String(e.params.additionalProperty)}\`` : (e.message ?? "is invalid") })) };
  }
  const v = value as Omit<ProgramManifest, "amountAttributes"> & { amountAttributes?: string[] };
  return { manifest: { ...v, amountAttributes: v.amountAttributes ?? [] } };
}
