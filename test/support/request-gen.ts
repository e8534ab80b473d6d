/**
 * Seeded random requests for a compiled policy, shaped by its request schema and biased toward the values its
 * rules compare against (table entries, literals, parameters, their neighbours), so every rule fires often enough
 * for a differential test or a benchmark to mean something.
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Schema {
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
}

/** Every literal the policy mentions, by JS type. */
function literals(policy: CompiledPolicy): { strings: string[]; numbers: number[] } {
  const strings = new Set<string>();
  const numbers = new Set<number>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") strings.add(v);
    else if (typeof v === "number") numbers.add(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) {
      if (k !== "name" && k !== "text" && k !== "citation" && k !== "description" && k !== "cite") walk(x);
    }
  };
  walk(policy.rules);
  walk(policy.facts);
  walk(policy.tables);
  for (const t of Object.values(policy.tables)) if (!Array.isArray(t.values)) Object.keys(t.values).forEach((k) => strings.add(k));
  walk(Object.values(policy.parameters).map((p) => p.value));
  return { strings: [...strings].filter((s) => !s.includes(" ")), numbers: [...numbers] };
}

const DAY = 86_400_000;

export function requestGenerator(policy: CompiledPolicy, seed: number): () => Record<string, unknown> {
  const rnd = mulberry32(seed);
  const { strings, numbers } = literals(policy);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const base = Date.UTC(2005, 0, 1);
  // A shared anchor per request, so dates and date-times land near each other (hours and day windows matter).
  let anchor = base;

  const number = (s: Schema): number => {
    const r = rnd();
    const n = numbers.length && r < 0.6 ? pick(numbers) + pick([-1, 0, 0, 1, 0.5]) * (rnd() < 0.5 ? 1 : pick(numbers) * 0.1) : Math.round(rnd() * 20000) / (rnd() < 0.5 ? 1 : 100);
    const lo = s.minimum ?? -Infinity;
    const hi = s.maximum ?? Infinity;
    const v = Math.min(hi, Math.max(lo, n));
    return s.type === "integer" ? Math.round(v) : v;
  };

  const value = (s: Schema, depth: number): unknown => {
    if (s.enum) return pick(s.enum);
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
    switch (type) {
      case "object": {
        const o: Record<string, unknown> = {};
        for (const [k, child] of Object.entries(s.properties ?? {})) {
          if ((s.required ?? []).includes(k) || rnd() < 0.92) o[k] = value(child, depth + 1);
        }
        return o;
      }
      case "array": {
        const n = Math.floor(rnd() * 3);
        const items = Array.from({ length: n }, () => value(s.items ?? {}, depth + 1));
        return [...new Set(items)];
      }
      case "boolean":
        return rnd() < 0.5;
      case "number":
      case "integer":
        return number(s);
      case "string":
        if (s.format === "date") return new Date(anchor + Math.round((rnd() - 0.5) * 800) * DAY).toISOString().slice(0, 10);
        if (s.format === "date-time") return new Date(anchor + Math.round(rnd() * 24 * 40) * 3_600_000).toISOString().replace(".000", "");
        if (s.pattern) return pick(["A12345678", "123456789", "A1234567890"].filter((x) => new RegExp(s.pattern!).test(x)).concat(["A87654321"]));
        return rnd() < 0.7 && strings.length ? pick(strings) : rnd() < 0.5 ? "" : `x${Math.floor(rnd() * 1000)}`;
      default:
        return null;
    }
  };

  return () => {
    anchor = base + Math.floor(rnd() * 6 * 365) * DAY;
    return value(policy.requestSchema as Schema, 0) as Record<string, unknown>;
  };
}
