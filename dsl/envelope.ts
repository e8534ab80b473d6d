/**
 * Step one of reading a policy file: split the YAML envelope (between `---` lines) from the DSL body, parse the
 * YAML with positions and validate it against the envelope schema. Offsets stay file offsets throughout.
 */
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node as YamlNode } from "yaml";
import type { DiagnosticSink, Span } from "./diagnostics.js";
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
      "a policy file starts with a YAML envelope between two `---` lines",
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
    sink.error("envelope/schema", { start: 0, end: 3 }, "the envelope must be a YAML mapping of keys to values");
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
    for (const err of dedupeErrors(validateEnvelope.errors ?? [])) {
      const { span, message, help } = describeSchemaError(doc, err);
      sink.error("envelope/schema", span, message, help);
    }
    return { spans, bodyStart: fences.bodyStart };
  }
  return { envelope: value as unknown as Envelope, spans, bodyStart: fences.bodyStart };
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

function describeSchemaError(doc: Document, err: ErrorObject): { span: Span; message: string; help?: string } {
  const segments = pointerSegments(err.instancePath);
  const where = segments.length ? `\`${segments.join(".")}\`` : "the envelope";
  const valueNode = segments.length ? doc.getIn(segments, true) : doc.contents;
  const fallback: Span = keySpan(doc, segments) ?? nodeSpan(valueNode) ?? { start: 0, end: 3 };
  switch (err.keyword) {
    case "required": {
      const missing = (err.params as { missingProperty: string }).missingProperty;
      const span = keySpan(doc, segments) ?? { start: 0, end: 3 };
      return { span, message: `${where} is missing \`${missing}\`` };
    }
    case "additionalProperties": {
      const extra = (err.params as { additionalProperty: string }).additionalProperty;
      const span = keySpan(doc, [...segments, extra]) ?? fallback;
      const known = segments.length === 0 ? Object.keys(envelopeSchema.properties) : [];
      const near = known.find((k) => k.toLowerCase() === extra.toLowerCase() || k.startsWith(extra.slice(0, 4)));
      return {
        span,
        message: `unknown key \`${extra}\` in ${where}`,
        ...(near ? { help: `did you mean \`${near}\`?` } : {}),
      };
    }
    case "type": {
      const span = nodeSpan(valueNode) ?? fallback;
      const help =
        segments[0] === "version" ? 'quote the version, e.g. `version: "2005.1"`: YAML reads 2005.1 as a number' : undefined;
      return { span, message: `${where} must be ${(err.params as { type: string | string[] }).type.toString().replace(",", " or ")}`, ...(help ? { help } : {}) };
    }
    case "format":
      return {
        span: nodeSpan(valueNode) ?? fallback,
        message: `${where} must be a ${(err.params as { format: string }).format} such as \`2010-01-01\``,
      };
    case "enum":
      return {
        span: nodeSpan(valueNode) ?? fallback,
        message: `${where} must be one of ${(err.params as { allowedValues: unknown[] }).allowedValues.map((v) => `\`${String(v)}\``).join(", ")}`,
      };
    case "propertyNames": {
      const bad = (err.params as { propertyName: string }).propertyName;
      return { span: keySpan(doc, [...segments, bad]) ?? fallback, message: `\`${bad}\` is not a valid name in ${where}`, help: "names are letters, digits and `_`, starting with a letter" };
    }
    default:
      return { span: nodeSpan(valueNode) ?? fallback, message: `${where} ${err.message ?? "is invalid"}` };
  }
}
