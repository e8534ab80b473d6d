/**
 * Step one of reading a policy file: split the YAML envelope (between `---` lines) from the DSL body, parse the
 * YAML with positions and validate it against the envelope schema. Offsets stay file offsets throughout.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { isAlias, isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import { suggest, type DiagnosticSink, type Span } from "./diagnostics.js";
import { envelopeSchema } from "./envelope-schema.js";
import { limits } from "./limits.js";

export type ParamValue = number | string | boolean;

export interface ParameterDef {
  readonly value: ParamValue;
  readonly description?: string;
  readonly cite?: string;
}

export interface TableDef {
  readonly values: readonly (string | number)[] | Readonly<Record<string, ParamValue>>;
  readonly description?: string;
  readonly cite?: string;
}

export interface Envelope {
  readonly program: string;
  readonly version: string;
  readonly effective: string;
  readonly end?: string;
  readonly extends?: string;
  readonly title: string;
  readonly author?: string;
  readonly change?: string;
  readonly requestSchema?: string;
  readonly outcomes?: readonly string[];
  readonly combine?: "precedence";
  readonly parameters?: Readonly<Record<string, ParameterDef>>;
  readonly tables?: Readonly<Record<string, TableDef>>;
}

export interface EnvelopeResult {
  /** Undefined when the YAML is broken or breaks the schema. */
  readonly envelope?: Envelope;
  /** Where each top-level key, parameter and table is named (for diagnostics and go-to-definition). */
  readonly spans: {
    readonly keys: ReadonlyMap<string, Span>;
    readonly parameters: ReadonlyMap<string, Span>;
    readonly tables: ReadonlyMap<string, Span>;
  };
  /** Offset where the DSL body starts (after the closing `---` line). */
  readonly bodyStart: number;
}

const addFormats = (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
const validateEnvelope = ajv.compile(envelopeSchema);

const FENCE = /^---[ \t]*(?:#[^\n]*)?\r?$/;

/** Finds the envelope's fences. Returns the offset of the closing fence line and of the first body character. */
function findFences(text: string): { yamlEnd: number; bodyStart: number } | undefined {
  const firstNewline = text.indexOf("\n");
  const firstLine = firstNewline < 0 ? text : text.slice(0, firstNewline);
  if (!FENCE.test(firstLine)) return undefined;
  let offset = firstNewline + 1;
  while (firstNewline >= 0 && offset <= text.length) {
    const nl = text.indexOf("\n", offset);
    const line = nl < 0 ? text.slice(offset) : text.slice(offset, nl);
    if (FENCE.test(line)) return { yamlEnd: offset, bodyStart: nl < 0 ? text.length : nl + 1 };
    if (nl < 0) break;
    offset = nl + 1;
  }
  return undefined;
}

export function readEnvelope(text: string, sink: DiagnosticSink): EnvelopeResult {
  const keys = new Map<string, Span>();
  const parameters = new Map<string, Span>();
  const tables = new Map<string, Span>();
  const fences = findFences(text);
  if (!fences) {
    sink.error(
      "envelope/missing",
      { start: 0, end: Math.min(text.indexOf("\n") < 0 ? text.length : text.indexOf("\n"), text.length) },
      "a policy file starts with its header (the envelope) between two `---` lines",
      "begin the file with `---`, the program, version, effective date and title, then `---` and the rules",
    );
    return { spans: { keys, parameters, tables }, bodyStart: text.length };
  }
  // The yaml package reads the opening `---` as a document marker, so offsets are file offsets.
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.slice(0, fences.yamlEnd), { lineCounter, prettyErrors: false, uniqueKeys: true });
  for (const e of doc.errors) {
    const span = { start: e.pos[0], end: Math.max(e.pos[1], e.pos[0] + 1) };
    // The yaml package catches its own stack overflow on deeply nested flow collections (`[[[[…]]]]`).
    if (/call stack/i.test(e.message)) sink.error("limit/yaml-depth", span, "the envelope's YAML nests too deeply", "write the envelope's values flat");
    else sink.error("envelope/yaml", span, yamlMessage(e.message));
  }
  const spans = { keys, parameters, tables };
  if (doc.errors.length > 0) return { spans, bodyStart: fences.bodyStart };
  if (!isMap(doc.contents)) {
    sink.error("envelope/schema", { start: 0, end: 3 }, "the header between the `---` lines must be a list of `name: value` lines");
    return { spans, bodyStart: fences.bodyStart };
  }
  for (const pair of doc.contents.items) {
    if (!isScalar(pair.key) || !pair.key.range) continue;
    const name = String(pair.key.value);
    keys.set(name, { start: pair.key.range[0], end: pair.key.range[1] });
    if ((name === "parameters" || name === "tables") && isMap(pair.value)) {
      for (const inner of pair.value.items) {
        if (isScalar(inner.key) && inner.key.range) {
          (name === "parameters" ? parameters : tables).set(String(inner.key.value), {
            start: inner.key.range[0],
            end: inner.key.range[1],
          });
        }
      }
    }
  }
  if (reportUnknownAnchors(doc, sink)) return { spans, bodyStart: fences.bodyStart };
  let value: unknown;
  try {
    // A YAML alias is a reference: ten levels of ten aliases (the "billion laughs") expand to 10^10 nodes.
    value = doc.toJS({ maxAliasCount: limits.yamlAliases });
  } catch (e) {
    if (!(e instanceof ReferenceError)) throw e;
    let at: Span = { start: 0, end: 3 };
    visit(doc, {
      Alias(_key, node) {
        if (node.range) at = { start: node.range[0], end: Math.max(node.range[1], node.range[0] + 1) };
        return visit.BREAK;
      },
    });
    sink.error("limit/yaml-aliases", at, `the envelope's YAML aliases expand to more than ${limits.yamlAliases} nodes`, "write the values out instead of repeating an anchor (`*name`)");
    return { spans, bodyStart: fences.bodyStart };
  }
  if (!validateEnvelope(value)) {
    // Two errors can read the same (table values that are neither a list nor a map fail both oneOf branches).
    const said = new Set<string>();
    for (const err of dedupeErrors(validateEnvelope.errors ?? [])) {
      const { span, message, help } = describeSchemaError(doc, err);
      const key = `${span.start}:${span.end}:${message}`;
      if (said.has(key)) continue;
      said.add(key);
      sink.error("envelope/schema", span, message, help);
    }
    return { spans, bodyStart: fences.bodyStart };
  }
  if (!checkParameterValues(doc, value as { parameters?: Record<string, { value: unknown }> }, sink)) return { spans, bodyStart: fences.bodyStart };
  return { envelope: value as unknown as Envelope, spans, bodyStart: fences.bodyStart };
}

/**
 * Reports each alias (`*name`) with no anchor (`&name`) before it; true when there was one. The yaml package would
 * throw on it inside toJS as it does on too many aliases, so it is told apart here, in one pass in document order
 * (the package's own `Alias.resolve` walks the whole document once per alias).
 */
function reportUnknownAnchors(doc: Document, sink: DiagnosticSink): boolean {
  const anchors = new Set<string>();
  let found = false;
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        if (anchors.has(node.source)) return;
        found = true;
        const start = node.range?.[0] ?? 0;
        const end = Math.max(node.range?.[1] ?? 0, start + 1);
        sink.error(
          "envelope/unknown-anchor",
          { start, end },
          `\`*${node.source}\` repeats an anchor \`&${node.source}\` that is not defined above it`,
          `mark the value \`*${node.source}\` repeats with \`&${node.source}\` on a line above it (check the spelling of both), or write the value out in full`,
        );
      } else if (node.anchor) anchors.add(node.anchor);
    },
  });
  return found;
}

function yamlMessage(m: string): string {
  const first = m.split("\n")[0] ?? m;
  return `invalid YAML in the envelope: ${first.replace(/\.$/, "").replace(/^./, (c) => c.toLowerCase())}`;
}

// `oneOf` failures repeat each branch's complaint; keep the most specific error per path.
function dedupeErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  const out: ErrorObject[] = [];
  for (const e of errors) {
    if (e.keyword === "oneOf" && errors.some((o) => o !== e && o.instancePath === e.instancePath)) continue;
    // A branch of a oneOf that failed on the value's kind, when another branch got further inside it: the deeper
    // complaint is the one that says what to change.
    if (e.keyword === "type" && e.schemaPath.includes("/oneOf/") && errors.some((o) => o.instancePath.startsWith(`${e.instancePath}/`))) continue;
    // A bad name under propertyNames comes as a pattern error and a propertyNames error; the latter says it.
    if (e.keyword === "pattern" && (e.propertyName !== undefined || "propertyName" in e.params)) continue;
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out.slice(0, 20);
}

function pointerSegments(pointer: string): string[] {
  return pointer === "" ? [] : pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function nodeSpan(node: unknown): Span | undefined {
  const r = (node as YamlNode | undefined)?.range;
  return r ? { start: r[0], end: Math.max(r[1], r[0] + 1) } : undefined;
}

/** The key node of `segments` in the document (for errors about a key), or the value node. */
function keySpan(doc: Document, segments: string[]): Span | undefined {
  if (segments.length === 0) return undefined;
  const parent = segments.length === 1 ? doc.contents : doc.getIn(segments.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const last = segments[segments.length - 1];
  for (const pair of parent.items) if (isScalar(pair.key) && String(pair.key.value) === last) return nodeSpan(pair.key);
  return undefined;
}

/** How a JSON type is named to a policy author. */
const typeWords: Readonly<Record<string, string>> = {
  string: "a text",
  number: "a number",
  boolean: "true or false",
  object: "a set of named entries, one per line below it",
  array: "a list in brackets, such as `[a, b]`",
};

function typeList(type: string | string[]): string {
  const words = (Array.isArray(type) ? type : [type]).map((t) => typeWords[t] ?? t);
  return words.length <= 1 ? (words[0] ?? "") : `${words.slice(0, -1).join(", ")} or ${words[words.length - 1]}`;
}

/** `program`, `parameter \`costThreshold\``, `table \`covered\``: how a path reads in a sentence. */
function describePath(segments: readonly string[]): string {
  if (segments.length === 0) return "the header";
  const [top, name, field] = segments;
  if ((top === "parameters" || top === "tables") && name !== undefined) {
    const what = `${top === "parameters" ? "parameter" : "table"} \`${name}\``;
    return field === undefined ? what : `the \`${segments.slice(2).join(".")}\` of ${what}`;
  }
  if (top === "outcomes" && name !== undefined) return `outcome number ${Number(name) + 1}`;
  return `\`${segments.join(".")}\``;
}

const requiredHelp: Readonly<Record<string, string>> = {
  program: "add a line `program: ice-tar` (your program's id) to the header",
  version: 'add a line `version: "2010.1"` (in quotes) to the header',
  effective: "add a line `effective: 2010-01-01`, the first day this version is in force",
  title: "add a line `title: …` that names this version in a few words",
  value: "give the parameter its value on the line below it, e.g. `value: 2500`",
  values: "give the table its values on the line below it: a list `values: [a, b]` or keyed values `values: { a: 1, b: 2 }`",
};

const patternMessage: Readonly<Record<string, (value: string) => { message: string; help: string }>> = {
  program: (v) => ({
    message: `the program id \`${v}\` is not a valid id`,
    help: "write the program id in lowercase letters, digits and hyphens, starting with a letter, such as `ice-tar`",
  }),
  version: (v) => ({
    message: `the version id \`${v}\` is not a valid id`,
    help: 'write the version id with letters, digits, dots and hyphens only, starting with a letter or digit, such as `"2010.1"`',
  }),
  outcomes: (v) => ({
    message: `the outcome \`${v}\` is not a valid outcome name`,
    help: "write outcome names in lowercase letters, digits and hyphens, starting with a letter, such as `not-required`",
  }),
};

function describeSchemaError(doc: Document, err: ErrorObject): { span: Span; message: string; help?: string } {
  const segments = pointerSegments(err.instancePath);
  const where = describePath(segments);
  const valueNode = segments.length ? doc.getIn(segments, true) : doc.contents;
  const fallback: Span = keySpan(doc, segments) ?? nodeSpan(valueNode) ?? { start: 0, end: 3 };
  const valueSpan = nodeSpan(valueNode) ?? fallback;
  const shown = isScalar(valueNode) ? String(valueNode.source ?? valueNode.value) : undefined;
  switch (err.keyword) {
    case "required": {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      const span = keySpan(doc, segments) ?? { start: 0, end: 3 };
      const help = requiredHelp[missing];
      return { span, message: `${where} has no \`${missing}\``, ...(help ? { help } : {}) };
    }
    case "additionalProperties": {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const span = keySpan(doc, [...segments, extra]) ?? fallback;
      // `{ value: $5,000 }`: in braces the comma ends the value, and `000` becomes a key of its own.
      const parent = doc.getIn(segments, true);
      const keyNode = isMap(parent) ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === extra)?.key : undefined;
      const rest = isScalar(keyNode) ? String(keyNode.source ?? keyNode.value) : extra;
      const cut = segments[0] === "parameters" && segments.length === 2 && /^\d{3}(\.\d+)?$/.test(rest) ? doc.getIn([...segments, "value"]) : undefined;
      if (cut !== undefined && /^[$€£]?\s*\d{1,3}$/.test(String(cut).trim())) {
        const amount = `${String(cut).replace(/[^\d]/g, "")}${rest}`;
        return {
          span,
          message: `the comma in \`${String(cut)},${rest}\` splits the value of ${where} in two`,
          help: `write the number alone, without \`$\` or commas: \`value: ${amount}\``,
        };
      }
      const known =
        segments.length === 0 ? Object.keys(envelopeSchema.properties)
        : segments[0] === "parameters" ? ["value", "description", "cite"]
        : segments[0] === "tables" ? ["values", "description", "cite"]
        : [];
      const near = suggest(extra, known);
      return {
        span,
        // As written: `000` is the key 0 to the schema.
        message: `${where} has an entry \`${rest}\` that Precept does not know`,
        help: near ? `did you mean \`${near}\`?` : `the entries allowed here are ${known.map((k) => `\`${k}\``).join(", ")}`,
      };
    }
    case "type": {
      const type = (err.params as { type: string | string[] }).type;
      if (segments[0] === "version" && segments.length === 1) {
        return { span: valueSpan, message: `the version \`${shown ?? ""}\` must be in quotes`, help: 'write `version: "2005.1"`: without quotes the header reads 2005.1 as a number and 2005.10 as 2005.1' };
      }
      if (segments.length === 1 && (segments[0] === "parameters" || segments[0] === "tables")) {
        const one = segments[0] === "parameters" ? "parameter" : "table";
        return {
          span: valueSpan,
          message: `\`${segments[0]}\` must list each ${one} by name, one per line below it`,
          help: segments[0] === "parameters" ? "write, indented under `parameters:`, `costThreshold: { value: 2500 }`, one line per parameter" : "write, indented under `tables:`, `covered: { values: [a, b] }`, one line per table",
        };
      }
      if (segments.length === 2 && (segments[0] === "parameters" || segments[0] === "tables")) {
        return {
          span: valueSpan,
          message: `${where} must give its ${segments[0] === "parameters" ? "`value`" : "`values`"} on the lines below its name`,
          help: segments[0] === "parameters" ? `write \`${segments[1]}: { value: 2500 }\`` : `write \`${segments[1]}: { values: [a, b] }\``,
        };
      }
      if (segments[0] === "parameters" && segments[2] === "value") {
        return { span: valueSpan, message: `${where} must be a number, a text, or true or false`, help: "write a single value, such as `value: 2500`, `value: urgent` or `value: true`" };
      }
      if (segments[0] === "tables" && segments[2] === "values" && segments.length === 4) {
        return {
          span: valueSpan,
          message: `${shown === undefined ? "an entry" : `the entry \`${shown}\``} in the values of ${describePath(segments.slice(0, 2))} must be a text or a number`,
          help: "list plain values, such as `values: [lab-basic, xray-chest-tb]`",
        };
      }
      if (segments[0] === "tables" && segments[2] === "values") {
        return { span: valueSpan, message: `${where} must be a list or a set of keyed values`, help: "write a list `values: [a, b]` or keyed values `values: { a: 1, b: 2 }`" };
      }
      return { span: valueSpan, message: `${where} must be ${typeList(type)}` };
    }
    case "pattern": {
      const key = segments[0] ?? "";
      const explain = patternMessage[key];
      if (explain) return { span: valueSpan, ...explain(shown ?? "") };
      return { span: valueSpan, message: `${where} is not written in the expected form` };
    }
    case "format":
      return {
        span: valueSpan,
        message: `${where} must be a date written year-month-day${shown ? `, not \`${shown}\`` : ""}`,
        help: "write the date as four-digit year, month and day with hyphens, such as `2010-01-01`, and check that the day exists",
      };
    case "enum":
      return {
        span: valueSpan,
        message: `${where} must be ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => `\`${String(v)}\``).join(" or ")}`,
        ...(segments[0] === "combine" ? { help: "outcomes combine by precedence only, so far: write `combine: precedence` or leave the line out" } : {}),
      };
    case "minLength":
      return { span: valueSpan, message: `${where} is empty`, help: `write the ${segments[0] ?? "value"} after the colon` };
    case "minItems":
      return { span: valueSpan, message: `${where} lists nothing`, help: "list the program's outcomes, strongest first, e.g. `outcomes: [deny, pend, approve]`" };
    case "uniqueItems": {
      const { i } = err.params as { i: number; j: number };
      const items = (valueNode as { items?: unknown[] } | undefined)?.items;
      const dup = items?.[i];
      return { span: valueSpan, message: `${where} lists \`${isScalar(dup) ? String(dup.value) : "a value"}\` twice`, help: "list each outcome once" };
    }
    case "propertyNames": {
      const bad = (err.params as { propertyName: string }).propertyName;
      return { span: keySpan(doc, [...segments, bad]) ?? fallback, message: `\`${bad}\` cannot be used as a name in ${where}`, help: "a name is letters, digits and `_`, starting with a letter, with no spaces or hyphens (e.g. `costThreshold`)" };
    }
    default:
      return { span: valueSpan, message: `${where} is not valid here` };
  }
}

/**
 * `value: $5,000` reads as the text "$5,000", which the schema allows (parameters may be texts), and a rule that
 * compares it with an amount would be reported far from the mistake. Texts that are plainly amounts written with a
 * currency sign, thousands separators or a percent sign are reported here, on the line that holds them.
 */
const AMOUNT = /^[-+]?\s*[$€£]?\s*[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*%?$/;

function checkParameterValues(doc: Document, env: { parameters?: Record<string, { value: unknown }> }, sink: DiagnosticSink): boolean {
  let ok = true;
  for (const [name, def] of Object.entries(env.parameters ?? {})) {
    const v = def.value;
    if (typeof v !== "string" || !AMOUNT.test(v.trim()) || !/[$€£,%]/.test(v)) continue;
    const node = doc.getIn(["parameters", name, "value"], true);
    const span = nodeSpan(node);
    if (!span) continue;
    const digits = v.replace(/[^\d.+-]/g, "").replace(/^\+/, "");
    const percent = v.includes("%");
    sink.error(
      "envelope/number-as-text",
      span,
      `parameter \`${name}\` is written \`${v}\`, which is read as text, not as a number`,
      percent
        ? `write the number alone: \`value: ${digits}\` if the rules compare it with a percentage, \`value: ${Number(digits) / 100}\` if with a fraction`
        : `write the number alone, without \`$\` or commas: \`value: ${digits}\``,
    );
    ok = false;
  }
  return ok;
}
