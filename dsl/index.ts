/**
 * The policy language, stage by stage. Step one reads the YAML envelope; step two lexes the DSL body; step three
 * parses it (with recovery); step four builds the AST; step five merges the version it extends; step six runs the
 * checks against the program's request schema; step seven compiles. Nothing here throws on user input, and nothing
 * here imports Node: the editor runs the same code in the browser.
 */
import type { IToken } from "chevrotain";
import type { Decl, PolicyBody } from "./ast.js";
import { checks, type CheckContext, type SourcedDecl } from "./checks/index.js";
import { compile } from "./compile.js";
import type { CompiledPolicy } from "./compiled.js";
import { DiagnosticSink, LineIndex, sortDiagnostics, suggest, type Diagnostic, type Span } from "./diagnostics.js";
import { readEnvelope, type Envelope, type EnvelopeResult } from "./envelope.js";
import { lexBody } from "./lexer.js";
import { checkPolicyLimits, limits, offsetPastBytes, tooDeepBracket } from "./limits.js";
import { parseTokens } from "./parser.js";
import { findUnclosed } from "./delimiters.js";
import { toAst } from "./cst-to-ast.js";
import { factCatalogue } from "./schema-facts.js";
import { Scope } from "./scope.js";

export interface PolicyHost {
  /** The JSON Schema named by the envelope's `requestSchema` (relative to the program's folder). */
  requestSchema(program: string, ref: string): object | undefined;
  /** Source text of a version this one extends. */
  parentSource(program: string, version: string): string | undefined;
}

export interface ParseResult {
  readonly envelope?: Envelope;
  readonly spans: EnvelopeResult["spans"];
  readonly bodyStart: number;
  readonly tokens: readonly IToken[];
  readonly body: PolicyBody;
  readonly diagnostics: readonly Diagnostic[];
  readonly lines: LineIndex;
}

/** Steps one to four: envelope, tokens, syntax tree, AST. Never throws. */
export function parsePolicy(text: string): ParseResult {
  const lines = new LineIndex(text);
  const sink = new DiagnosticSink(lines);
  const empty = (bodyStart: number, tokens: readonly IToken[] = []): ParseResult => ({
    spans: { keys: new Map(), parameters: new Map(), tables: new Map() },
    bodyStart,
    tokens,
    body: { decls: [] },
    diagnostics: sink.items,
    lines,
  });
  // Limits first (dsl/limits.ts): a file past them is not parsed at all, so no stage can run out of stack or time.
  const past = offsetPastBytes(text, limits.sourceBytes);
  if (past !== undefined) {
    sink.error("limit/source-size", { start: past, end: past + 1 }, `the policy file is larger than ${limits.sourceBytes} bytes`, "split it into versions that `extends` one another, or move long lists into tables");
    return empty(text.length);
  }
  const env = readEnvelope(text, sink);
  const tokens = lexBody(text, env.bodyStart, sink);
  const deep = tooDeepBracket(tokens, limits.nestingDepth);
  if (deep) {
    sink.error("limit/nesting-depth", { start: deep.startOffset, end: deep.startOffset + 1 }, `brackets nest more than ${limits.nestingDepth} levels deep here`, "split the expression into `let` facts");
    return { ...empty(env.bodyStart, tokens), spans: env.spans, ...(env.envelope ? { envelope: env.envelope } : {}) };
  }
  const { cst, errors } = parseTokens(tokens);
  // An unclosed `(` or `[` is reported at the opener; the parser's "expected `)`" where it noticed is then dropped.
  const unclosed = findUnclosed(tokens);
  const noticedAt = new Set(unclosed.map((u) => (u.before ? u.before.startOffset : -1)));
  for (const u of unclosed) {
    const where = u.before ? `before \`${u.before.image}\` on line ${lines.position(u.before.startOffset).line}` : "before the end of the file";
    sink.error("syntax/unclosed-delimiter", { start: u.opener.startOffset, end: u.opener.startOffset + 1 }, `this \`${u.opener.image}\` is never closed: expected \`${u.close}\` ${where}`);
  }
  for (const e of errors) {
    const at = e.token.tokenType.name === "EOF" || !Number.isFinite(e.token.startOffset) ? -1 : e.token.startOffset;
    if (e.name === "MismatchedTokenException" && noticedAt.has(at)) continue;
    sink.error("syntax/unexpected-token", errorSpan(e.token, (e as { previousToken?: IToken }).previousToken, text), e.message);
  }
  const body = toAst(cst, sink);
  return { ...(env.envelope ? { envelope: env.envelope } : {}), spans: env.spans, bodyStart: env.bodyStart, tokens, body, diagnostics: sink.items, lines };
}

/** Recovery-inserted and end-of-file tokens have no position: anchor them just after the previous token. */
function errorSpan(token: IToken, previous: IToken | undefined, text: string): Span {
  if (Number.isFinite(token.startOffset) && token.tokenType.name !== "EOF") return { start: token.startOffset, end: token.endOffset! + 1 };
  if (previous && Number.isFinite(previous.endOffset)) return { start: previous.endOffset! + 1, end: previous.endOffset! + 2 };
  return { start: text.length, end: text.length };
}

interface Merged {
  readonly envelope: Envelope;
  readonly decls: readonly SourcedDecl[];
  readonly lines: Map<string, LineIndex>;
}

export interface CompileResult {
  readonly compiled?: CompiledPolicy;
  readonly diagnostics: readonly Diagnostic[];
  readonly parse: ParseResult;
}

/** All seven steps. `compiled` is present only when there are no errors (warnings are fine). */
export function compilePolicy(text: string, host: PolicyHost): CompileResult {
  const parse = parsePolicy(text);
  const sink = new DiagnosticSink(parse.lines);
  const done = (compiled?: CompiledPolicy): CompileResult => ({
    ...(compiled ? { compiled } : {}),
    diagnostics: sortDiagnostics([...parse.diagnostics, ...sink.items]),
    parse,
  });
  const env = parse.envelope;
  if (!env) return done();

  const merged = resolveExtends(env, parse, host, sink, new Set([env.version]));
  if (!merged) return done();
  const schemaRef = merged.envelope.requestSchema;
  const schemaSpan = parse.spans.keys.get("requestSchema") ?? parse.spans.keys.get("program") ?? { start: 0, end: 3 };
  if (!schemaRef) {
    sink.error("envelope/no-schema", schemaSpan, "the envelope names no `requestSchema`", "add `requestSchema: request.schema.json`");
    return done();
  }
  const schema = host.requestSchema(env.program, schemaRef);
  if (!schema) {
    sink.error("envelope/unknown-schema", schemaSpan, `request schema \`${schemaRef}\` of program \`${env.program}\` was not found`);
    return done();
  }
  const extendsSpan = parse.spans.keys.get("extends") ?? { start: 0, end: 3 };
  const limited = checkPolicyLimits(merged.decls, (code, span, message, help, origin) => {
    if (origin === undefined) sink.error(code, span, message, help);
    else sink.error(code, extendsSpan, `in \`${origin}\`, which this version extends: ${message}`, help);
  });
  if (limited) return done();
  const scope = new Scope(merged.envelope, factCatalogue(schema), merged.decls.map((d) => d.decl));
  const syntaxSpans = parse.diagnostics.filter((d) => d.code.startsWith("syntax/")).map((d) => ({ start: d.start.offset, end: d.end.offset }));
  const ctx: CheckContext = {
    envelope: merged.envelope,
    spans: parse.spans,
    decls: merged.decls,
    scope,
    report(severity, code, span, message, help, origin) {
      // A complaint about an expression that holds a syntax error is a follow-on of that error: the tree there is
      // error recovery's guess.
      if (origin === undefined && syntaxSpans.some((s) => s.start >= span.start && s.start < span.end)) return;
      if (origin === undefined) sink.report(severity, code, span, message, help);
      else sink.report(severity, code, extendsSpan, `in \`${origin}\`, which this version extends: ${message}`, help);
    },
  };
  const syntaxBroken = parse.diagnostics.some((d) => d.severity === "error");
  // With syntax errors only the name and type checks run: the completeness checks would complain about holes.
  for (const check of checks) if (!syntaxBroken || check.name === "types") check.run(ctx);
  if (syntaxBroken || sink.hasErrors) return done();
  return done(compile({ envelope: merged.envelope, decls: merged.decls, scope, requestSchema: schema, lines: merged.lines }));
}

/** Step five: the merged envelope and declarations of this version and every version it extends. */
function resolveExtends(env: Envelope, parse: ParseResult, host: PolicyHost, sink: DiagnosticSink, seen: Set<string>): Merged | undefined {
  const own: Merged = { envelope: env, decls: parse.body.decls.map((decl) => ({ decl })), lines: new Map([["", parse.lines]]) };
  const extendsSpan = parse.spans.keys.get("extends") ?? { start: 0, end: 3 };
  if (!env.extends) {
    for (const d of parse.body.decls) if (d.kind === "remove") sink.error("policy/remove-without-extends", d.span, "`remove rule` is only meaningful in a version that `extends` another");
    return own;
  }
  if (seen.has(env.extends)) {
    sink.error("envelope/extends-cycle", extendsSpan, `version \`${env.extends}\` extends itself through \`${[...seen].join("` → `")}\``);
    return undefined;
  }
  const parentText = host.parentSource(env.program, env.extends);
  if (parentText === undefined) {
    sink.error("envelope/unknown-parent", extendsSpan, `\`${env.program}\` has no version \`${env.extends}\` to extend`);
    return undefined;
  }
  const parentParse = parsePolicy(parentText);
  const parentEnv = parentParse.envelope;
  const parentBroken = parentParse.diagnostics.some((d) => d.severity === "error");
  if (!parentEnv || parentBroken) {
    sink.error("envelope/broken-parent", extendsSpan, `version \`${env.extends}\`, which this one extends, has errors`, "run `precept check` on it first");
    return undefined;
  }
  const parentSink = new DiagnosticSink(parentParse.lines);
  const parent = resolveExtends(parentEnv, parentParse, host, parentSink, new Set([...seen, env.extends]));
  if (!parent || parentSink.hasErrors) {
    const first = parentSink.items.find((d) => d.severity === "error");
    sink.error("envelope/broken-parent", extendsSpan, `version \`${env.extends}\`, which this one extends, has errors${first ? `: ${first.message}` : ""}`, "run `precept check` on it first");
    return undefined;
  }
  const lines = new Map(parent.lines);
  // The parent's own declarations were recorded under "" in its map; re-key everything under version ids.
  lines.delete("");
  lines.set(env.extends, parentParse.lines);
  for (const [k, v] of parent.lines) if (k !== "") lines.set(k, v);
  lines.set("", parse.lines);
  const inherited = parent.decls.map((d) => ({ decl: d.decl, origin: d.origin ?? env.extends! }));
  return {
    envelope: mergeEnvelopes(parent.envelope, env),
    decls: mergeDecls(inherited, parse.body.decls, sink),
    lines,
  };
}

function mergeEnvelopes(parent: Envelope, child: Envelope): Envelope {
  const { end: _end, author: _author, change: _change, ...inheritable } = parent;
  return {
    ...inheritable,
    ...child,
    parameters: { ...parent.parameters, ...child.parameters },
    tables: { ...parent.tables, ...child.tables },
  };
}

function declKey(d: Decl): string | undefined {
  switch (d.kind) {
    case "rule":
      return `rule:${d.id.name}`;
    case "let":
      return `let:${d.name.name}`;
    case "attribute":
      return `attribute:${d.name.name}`;
    case "otherwise":
      return "otherwise";
    default:
      return undefined;
  }
}

/** Rules by id, lets and attributes by name, `otherwise` as one: a child's declaration replaces the inherited one in place. */
function mergeDecls(inherited: readonly SourcedDecl[], own: readonly Decl[], sink: DiagnosticSink): SourcedDecl[] {
  const out: SourcedDecl[] = [...inherited];
  for (const d of own) {
    if (d.kind === "remove") {
      const i = out.findIndex((x) => x.decl.kind === "rule" && x.decl.id.name === d.id.name);
      if (i < 0) {
        const near = suggest(d.id.name, out.flatMap((x) => (x.decl.kind === "rule" ? [x.decl.id.name] : [])));
        sink.error("policy/unknown-rule", d.id.span, `there is no inherited rule \`${d.id.name}\` to remove`, near ? `did you mean \`${near}\`?` : undefined);
      }
      else out.splice(i, 1);
      continue;
    }
    const key = declKey(d);
    const i = out.findIndex((x) => x.origin !== undefined && declKey(x.decl) === key);
    if (i >= 0) out[i] = { decl: d };
    else out.push({ decl: d });
  }
  return out;
}

export type { Diagnostic, DiagnosticCode, Position, Span } from "./diagnostics.js";
export { catalogue, diagnosticCodes } from "./catalogue.js";
export type { CompiledPolicy } from "./compiled.js";
export type { Envelope } from "./envelope.js";
export { factCatalogue } from "./schema-facts.js";
export { functions } from "./scope.js";
