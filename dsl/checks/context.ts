/** What every check sees: the merged policy, its scope, and a reporter that knows where each declaration came from. */
import type { Decl } from "../ast.js";
import type { CodeOf } from "../catalogue.js";
import type { Severity, Span } from "../diagnostics.js";
import type { Envelope, EnvelopeResult } from "../envelope.js";
import type { Scope } from "../scope.js";

/** A declaration with the version it was written in (`undefined`: this file). */
export interface SourcedDecl {
  readonly decl: Decl;
  readonly origin?: string;
}

export interface CheckContext {
  readonly envelope: Envelope;
  readonly spans: EnvelopeResult["spans"];
  readonly decls: readonly SourcedDecl[];
  readonly scope: Scope;
  report<S extends Severity>(severity: S, code: CodeOf<S>, span: Span, message: string, help?: string, origin?: string): void;
}

export type Check = (ctx: CheckContext) => void;
