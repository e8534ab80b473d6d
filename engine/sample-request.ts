/**
 * Requests made from a request schema alone, for checking that a compiled policy can be evaluated at all before
 * it is published (server/publish-checks.ts): one with every field the schema describes, one with only the
 * required ones. Deterministic and plain; not meant to exercise rules (test/support/request-gen.ts does that).
 */

interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  minimum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  minLength?: number;
}

/** Strings tried, in order, against a `pattern`. */
const candidates = ["", "x", "A12345678", "12345678", "0", "a", "X-1"];

function stringFor(s: Schema): string {
  if (s.format === "date") return "2000-01-03";
  if (s.format === "date-time") return "2000-01-03T09:00:00Z";
  const min = s.minLength ?? 0;
  if (s.pattern) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, "u");
    } catch {
      re = undefined;
    }
    const hit = re && candidates.find((c) => c.length >= min && re.test(c));
    if (hit !== undefined) return hit;
  }
  return "x".repeat(Math.max(1, min));
}

function valueFor(s: Schema | undefined, full: boolean, depth: number): unknown {
  if (!s || typeof s !== "object") return null;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  const type = Array.isArray(s.type) ? (s.type.find((t) => t !== "null") ?? s.type[0]) : s.type;
  switch (type) {
    case "string":
      return stringFor(s);
    case "number":
    case "integer":
      return s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 1);
    case "boolean":
      return false;
    case "array":
      return full && depth < 8 ? [valueFor(s.items, full, depth + 1)] : [];
    case "object": {
      const out: Record<string, unknown> = {};
      if (depth >= 8) return out;
      const required = new Set(s.required ?? []);
      for (const [k, sub] of Object.entries(s.properties ?? {})) {
        if (full || required.has(k)) out[k] = valueFor(sub, full, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** `full`: every described field; `minimal`: only the required ones. */
export function sampleRequests(requestSchema: object): { full: unknown; minimal: unknown } {
  const s = requestSchema as Schema;
  return { full: valueFor(s, true, 0), minimal: valueFor(s, false, 0) };
}
