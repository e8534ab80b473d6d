/**
 * One diagnostic shape from the lexer to the editor. Spans are offsets into the whole policy file (end exclusive);
 * line and column are computed once, at the edge, by `LineIndex`.
 */
export interface Position {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
  /** 0-based offset into the file. */
  readonly offset: number;
}

import { catalogue, type CodeOf, type DiagnosticCode } from "./catalogue.js";

export type Severity = "error" | "warning";
export type { DiagnosticCode } from "./catalogue.js";

export interface Diagnostic {
  /** Stable code from the catalogue (dsl/catalogue.ts), e.g. `policy/unknown-fact`. */
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  /** Lowercase, no final period, the author's words in backticks. */
  readonly message: string;
  /** What to write instead: the site's own advice, else the catalogue's. */
  readonly help?: string;
  readonly start: Position;
  /** Exclusive. */
  readonly end: Position;
}

/** A half-open range of offsets into the policy file. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

/** Maps offsets to 1-based line/column for one text. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: o - this.lineStarts[lo]! + 1, offset: o };
  }

  /** Offset of a 1-based line and column. */
  offset(line: number, column: number): number {
    const start = this.lineStarts[Math.max(0, Math.min(line - 1, this.lineStarts.length - 1))]!;
    return Math.min(start + column - 1, this.text.length);
  }
}

/** A diagnostic collector bound to one file, so stages report spans and never compute line numbers themselves. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];

  constructor(private readonly index: LineIndex) {}

  report<S extends Severity>(severity: S, code: CodeOf<S>, span: Span, message: string, help?: string): void {
    const d: Diagnostic = {
      code,
      severity,
      message,
      help: help ?? catalogue[code].help,
      start: this.index.position(span.start),
      end: this.index.position(Math.max(span.end, span.start)),
    };
    this.items.push(d);
  }

  error(code: CodeOf<"error">, span: Span, message: string, help?: string): void {
    this.report("error", code, span, message, help);
  }

  warning(code: CodeOf<"warning">, span: Span, message: string, help?: string): void {
    this.report("warning", code, span, message, help);
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

/** Diagnostics in file order, as OPA and compilers list them. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.start.offset - b.start.offset || a.end.offset - b.end.offset || a.code.localeCompare(b.code));
}

/** `did you mean …?` for a misspelt name: the closest candidate within a small edit distance. */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
