/**
 * What a name means in the policy being edited, and how the editor describes it. Names resolve in the compiler's
 * order (dsl/scope.ts): a `let` fact, then a parameter, a table, a request field. Completion and hover both describe
 * names through `describe`, so they always say the same thing.
 */
import type { FactInfo } from "../dsl/schema-facts.js";
import { functions, type FunctionSig } from "../dsl/scope.js";
import type { Outline, OutlineLet, OutlineParameter, OutlineTable } from "./outline.js";

/** What the language services know about a model. */
export interface EditorContext {
  readonly outline: Outline;
  readonly facts: ReadonlyMap<string, FactInfo>;
}

export type Resolved =
  | { readonly kind: "let"; readonly item: OutlineLet }
  | { readonly kind: "parameter"; readonly item: OutlineParameter }
  | { readonly kind: "table"; readonly item: OutlineTable }
  | { readonly kind: "fact"; readonly item: FactInfo }
  | { readonly kind: "function"; readonly name: string; readonly item: FunctionSig }
  | { readonly kind: "outcome"; readonly name: string; readonly rank: number };

export function resolveName(ctx: EditorContext, name: string, opts: { call?: boolean; outcome?: boolean } = {}): Resolved | undefined {
  const { outline, facts } = ctx;
  if (opts.call && Object.hasOwn(functions, name)) return { kind: "function", name, item: functions[name]! };
  if (opts.outcome && outline.outcomes.includes(name)) return { kind: "outcome", name, rank: outline.outcomes.indexOf(name) };
  const l = outline.lets.find((x) => x.name === name);
  if (l) return { kind: "let", item: l };
  const p = outline.parameters.find((x) => x.name === name);
  if (p) return { kind: "parameter", item: p };
  const t = outline.tables.find((x) => x.name === name);
  if (t) return { kind: "table", item: t };
  const f = facts.get(name);
  if (f) return { kind: "fact", item: f };
  if (Object.hasOwn(functions, name)) return { kind: "function", name, item: functions[name]! };
  if (outline.outcomes.includes(name)) return { kind: "outcome", name, rank: outline.outcomes.indexOf(name) };
  return undefined;
}

const TYPE_WORDS: Record<string, string> = {
  number: "number",
  string: "text",
  boolean: "yes/no (true or false)",
  date: "date (YYYY-MM-DD)",
  datetime: "date and time",
  list: "list",
  set: "set",
  map: "map",
  any: "group of fields",
};

export function typeWords(f: FactInfo): string {
  if (f.type === "list") return `list${f.items ? ` of ${TYPE_WORDS[f.items] ?? f.items}` : ""}`;
  return TYPE_WORDS[f.type] ?? f.type;
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

function origin(at: { version?: string } | undefined): string {
  return at?.version ? ` (inherited from ${at.version})` : "";
}

/** Values of a table, shortened for a hover. */
export function tableValues(t: OutlineTable, max = 12): string {
  if (Array.isArray(t.values)) {
    const v = t.values as readonly (string | number)[];
    return v.slice(0, max).map((x) => code(String(x))).join(", ") + (v.length > max ? `, … (${v.length} in all)` : "");
  }
  const entries = Object.entries(t.values);
  return entries.slice(0, max).map(([k, x]) => `${code(k)} → ${code(String(x))}`).join(", ") + (entries.length > max ? `, … (${entries.length} in all)` : "");
}

export function signature(name: string, f: FunctionSig): string {
  const args = f.args.map((a, i) => `${["a", "b", "c", "d"][i] ?? "x"}: ${a.join(" | ")}`);
  return `${name}(${args.join(", ")}${f.rest ? ", …" : ""}) → ${f.result === "first-arg" ? "type of the first argument" : f.result}`;
}

/** One-line summary (completion detail) and markdown (hover, completion documentation). */
export function describe(r: Resolved): { title: string; detail: string; markdown: string } {
  switch (r.kind) {
    case "fact": {
      const f = r.item;
      const values = f.enum ? `\n\nOne of: ${f.enum.map((v) => code(String(v))).join(", ")}` : "";
      return {
        title: f.path,
        detail: `request field · ${typeWords(f)}`,
        markdown: `**${f.path}** — request field, ${typeWords(f)}\n\n${f.description ?? "_No description in the request schema._"}${values}`,
      };
    }
    case "let":
      return {
        title: r.item.name,
        detail: `derived fact${origin(r.item.at)}`,
        markdown: `**${r.item.name}** — derived fact${origin(r.item.at)}\n\n\`\`\`precept\nlet ${r.item.name} = ${r.item.text}\n\`\`\``,
      };
    case "parameter": {
      const p = r.item;
      return {
        title: p.name,
        detail: `parameter = ${JSON.stringify(p.value)}${origin(p.at)}`,
        markdown: `**${p.name}** — parameter${origin(p.at)}, value ${code(JSON.stringify(p.value))}\n\n${p.description ?? ""}${p.cite ? `\n\n_Source:_ ${p.cite}` : ""}`,
      };
    }
    case "table": {
      const t = r.item;
      const n = Array.isArray(t.values) ? t.values.length : Object.keys(t.values).length;
      const shape = Array.isArray(t.values) ? `set of ${n}` : `map of ${n}`;
      return {
        title: t.name,
        detail: `table · ${shape}${origin(t.at)}`,
        markdown: `**${t.name}** — table, ${shape}${origin(t.at)}\n\n${t.description ? `${t.description}\n\n` : ""}${tableValues(t)}${t.cite ? `\n\n_Source:_ ${t.cite}` : ""}`,
      };
    }
    case "function":
      return { title: r.name, detail: signature(r.name, r.item), markdown: `**${signature(r.name, r.item)}**\n\n${r.item.doc}` };
    case "outcome":
      return {
        title: r.name,
        detail: `outcome · precedence ${r.rank + 1}`,
        markdown: `**${r.name}** — outcome, precedence ${r.rank + 1} (${r.rank === 0 ? "strongest" : "a stronger outcome among the fired rules wins"})`,
      };
  }
}
