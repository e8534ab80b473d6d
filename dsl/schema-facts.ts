/**
 * The fact catalogue: a program's request JSON Schema flattened to dotted paths with DSL types. One source for the
 * checker (unknown facts, types), the editor (completion, hover) and `absent(...)`.
 */
export type DslType = "number" | "string" | "boolean" | "date" | "datetime" | "list" | "set" | "map" | "any";

export interface FactInfo {
  readonly path: string;
  readonly type: DslType;
  readonly description?: string;
  /** Allowed values of a string field (or of a list's items). */
  readonly enum?: readonly (string | number)[];
  /** For lists: the type of the items. */
  readonly items?: DslType;
}

interface JsonSchema {
  type?: string | string[];
  format?: string;
  enum?: (string | number)[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

function scalarType(s: JsonSchema): DslType {
  const types = (Array.isArray(s.type) ? s.type : [s.type]).filter((t) => t !== "null");
  const t = types[0];
  if (types.length > 1) return "any";
  switch (t) {
    case "number":
    case "integer":
      return "number";
    case "boolean":
      return "boolean";
    case "array":
      return "list";
    case "string":
      return s.format === "date" ? "date" : s.format === "date-time" ? "datetime" : "string";
    default:
      return s.enum ? (typeof s.enum[0] === "number" ? "number" : "string") : "any";
  }
}

/** Every leaf (and every object, as `any`) of the schema as a dotted path. */
export function factCatalogue(schema: unknown): Map<string, FactInfo> {
  const out = new Map<string, FactInfo>();
  const walk = (s: JsonSchema, prefix: string): void => {
    for (const [key, child] of Object.entries(s.properties ?? {})) {
      const path = prefix ? `${prefix}.${key}` : key;
      if (child.properties) {
        out.set(path, { path, type: "any", ...(child.description ? { description: child.description } : {}) });
        walk(child, path);
        continue;
      }
      const type = scalarType(child);
      const info: FactInfo = {
        path,
        type,
        ...(child.description ? { description: child.description } : {}),
        ...(child.enum ? { enum: child.enum } : {}),
        ...(type === "list" && child.items ? { items: scalarType(child.items) } : {}),
        ...(type === "list" && child.items?.enum ? { enum: child.items.enum } : {}),
      };
      out.set(path, info);
    }
  };
  if (schema && typeof schema === "object") walk(schema as JsonSchema, "");
  return out;
}
