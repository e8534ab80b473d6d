/**
 * Edits of the envelope's parameters and tables that keep the file as written: the yaml library's Document API
 * finds the node (with its source range), and only that range of the text is replaced. Comments, quoting, blank
 * lines and the layout of everything else stay byte for byte (re-printing the whole document would re-fold long
 * lines and re-space flow lists).
 */
import { isMap, isScalar, isSeq, LineCounter, parse, parseDocument, type Node, type Pair } from "yaml";
import { envelopeEndLine } from "./context.js";

export type Scalar = string | number | boolean;

interface Envelope {
  /** Offset of the envelope's first line (after the opening `---`). */
  readonly offset: number;
  readonly yaml: string;
}

function envelopeOf(text: string): Envelope | undefined {
  const lines = text.split("\n");
  const end = envelopeEndLine(lines.length, (n) => lines[n - 1] ?? "");
  if (end < 2) return undefined;
  const offset = lines[0]!.length + 1;
  return { offset, yaml: lines.slice(1, end - 1).join("\n") };
}

/** A scalar as YAML: numbers and booleans plain, text plain when it reads back as the same text, else quoted. */
export function yamlScalar(v: Scalar): string {
  if (typeof v !== "string") return String(v);
  // Plain only when YAML reads it back as this very text (`2010.1` would come back a number, `yes` stays text in
  // YAML 1.2 but is quoted anyway for older readers).
  const plain = /^[\w][\w.\- ]*$/.test(v) && !/\s$/.test(v) && !/^(yes|no|on|off)$/i.test(v) && safeParse(v) === v;
  return plain ? v : JSON.stringify(v);
}

function safeParse(v: string): unknown {
  try {
    return parse(v);
  } catch {
    return undefined;
  }
}

function nodeAt(env: Envelope, path: readonly (string | number)[]): Node | undefined {
  const doc = parseDocument(env.yaml, { lineCounter: new LineCounter(), keepSourceTokens: false });
  if (doc.errors.length) return undefined;
  const n = doc.getIn(path, true) as Node | undefined;
  return n && (n as { range?: unknown }).range ? n : undefined;
}

const splice = (text: string, from: number, to: number, insert: string): string => text.slice(0, from) + insert + text.slice(to);

/** Sets `parameters.<name>.value`. Undefined when the parameter (or the envelope) is not there. */
export function setParameter(text: string, name: string, value: Scalar): string | undefined {
  const env = envelopeOf(text);
  if (!env) return undefined;
  const n = nodeAt(env, ["parameters", name, "value"]);
  if (!n || !isScalar(n)) return undefined;
  const [start, end] = n.range!;
  return splice(text, env.offset + start, env.offset + end, yamlScalar(value));
}

/** A table's values: a list, or a map of key → value. */
export type TableValues = readonly Scalar[] | Readonly<Record<string, Scalar>>;

/** Sets item `index` of a list table, or the value of `key` in a map table. */
export function setTableItem(text: string, table: string, at: number | string, value: Scalar): string | undefined {
  const env = envelopeOf(text);
  if (!env) return undefined;
  const n = nodeAt(env, ["tables", table, "values", at]);
  if (!n || !isScalar(n)) return undefined;
  const [start, end] = n.range!;
  return splice(text, env.offset + start, env.offset + end, yamlScalar(value));
}

/** Appends an item to a list table (flow `[a, b]` or block `- a`), or a `key: value` to a map table. */
export function addTableItem(text: string, table: string, value: Scalar, key?: string): string | undefined {
  const env = envelopeOf(text);
  if (!env) return undefined;
  const values = nodeAt(env, ["tables", table, "values"]);
  if (!values) return undefined;
  const item = key === undefined ? yamlScalar(value) : `${yamlScalar(key)}: ${yamlScalar(value)}`;
  if (isSeq(values) || isMap(values)) {
    const items = values.items as (Node | Pair)[];
    const lastNode = items.length ? (isSeq(values) ? (items.at(-1) as Node) : ((items.at(-1) as Pair).value as Node)) : undefined;
    if (values.flow) {
      // `[a, b]` → `[a, b, c]`: after the last item, or just inside an empty `[]`.
      const at = lastNode?.range ? lastNode.range[1] : values.range![0] + 1;
      return splice(text, env.offset + at, env.offset + at, `${items.length ? ", " : ""}${item}`);
    }
    if (!lastNode?.range) return undefined;
    // Block style: a new line after the last item's line, indented like it.
    const lastEnd = lastNode.range[1];
    const lineStart = env.yaml.lastIndexOf("\n", lastEnd - 1) + 1;
    const indent = /^\s*/.exec(env.yaml.slice(lineStart))![0];
    const lineEnd = env.yaml.indexOf("\n", lastEnd);
    const at = lineEnd < 0 ? env.yaml.length : lineEnd;
    return splice(text, env.offset + at, env.offset + at, `\n${indent}${isSeq(values) ? "- " : ""}${item}`);
  }
  return undefined;
}

/** Removes item `index` of a list table, or `key` of a map table. */
export function removeTableItem(text: string, table: string, at: number | string): string | undefined {
  const env = envelopeOf(text);
  if (!env) return undefined;
  const values = nodeAt(env, ["tables", table, "values"]);
  if (!values || !(isSeq(values) || isMap(values))) return undefined;
  const items = values.items as (Node | Pair)[];
  const i = isSeq(values) ? Number(at) : items.findIndex((p) => isScalar((p as Pair).key) && String(((p as Pair).key as { value: unknown }).value) === String(at));
  const item = items[i];
  if (item === undefined) return undefined;
  const startOf = (x: Node | Pair): number => (isSeq(values) ? (x as Node).range![0] : ((x as Pair).key as Node).range![0]);
  const endOf = (x: Node | Pair): number => (isSeq(values) ? (x as Node).range![1] : ((x as Pair).value as Node).range![1]);
  if (values.flow) {
    // Take the separator with it: the one before (or, for the first item, the one after).
    const from = i > 0 ? endOf(items[i - 1]!) : startOf(item);
    const to = i > 0 ? endOf(item) : i + 1 < items.length ? startOf(items[i + 1]!) : endOf(item);
    return splice(text, env.offset + from, env.offset + to, "");
  }
  // Block style: the item's whole line(s).
  const lineStart = env.yaml.lastIndexOf("\n", startOf(item) - 1) + 1;
  const lineEnd = env.yaml.indexOf("\n", endOf(item) - 1);
  const to = lineEnd < 0 ? env.yaml.length : lineEnd + 1;
  return splice(text, env.offset + lineStart, env.offset + to, "");
}
