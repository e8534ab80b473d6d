/**
 * Analysis of one version: rules that can never fire, rules that fire but never decide (always outranked),
 * overlapping rules with different outcomes, requests only `otherwise` decides, and conditions that are always true
 * or always false given the request schema. Every "never" is an `unsat` proof; every example is proven (witness.ts).
 */
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { Position, Severity } from "../../dsl/diagnostics.js";
import { encodePolicy } from "./encode.js";
import { Session, regionText } from "./session.js";
import { Space } from "./space.js";
import { evalBool, prove, WitnessFailure, type DecisionSummary, type Witness } from "./witness.js";
import { z3, type B } from "./z3.js";

/** Diagnostic codes of the analysis (for the diagnostics catalogue). */
export const ANALYSIS_CODES = {
  neverFires: "analysis-never-fires",
  shadowed: "analysis-shadowed",
  overlap: "analysis-overlap",
  gap: "analysis-gap",
  alwaysTrue: "analysis-always-true",
  alwaysFalse: "analysis-always-false",
  unknown: "analysis-unknown",
} as const;

/**
 * A finding in the Diagnostic shape (dsl/diagnostics.ts) plus what the analysis knows: severity `info` for
 * findings that are not problems (overlaps, gaps), the version whose file holds the rule, and a proven example.
 */
export interface Finding {
  readonly code: (typeof ANALYSIS_CODES)[keyof typeof ANALYSIS_CODES];
  readonly severity: Severity | "info";
  readonly message: string;
  readonly help?: string;
  readonly start: Position;
  readonly end: Position;
  readonly rule?: string;
  /** The version whose file holds the rule (the analysed one unless inherited). */
  readonly version: string;
  readonly example?: { readonly request: Record<string, unknown>; readonly decisionDate: string; readonly decision: DecisionSummary; readonly where?: string };
}

export interface AnalysisResult {
  readonly program: string;
  readonly version: string;
  readonly findings: readonly Finding[];
  readonly inexact: readonly string[];
  readonly failures: readonly { readonly message: string; readonly witness: Witness }[];
  readonly stats: { readonly ms: number; readonly solverCalls: number };
}

export interface AnalyzeOptions {
  /** Source text of the analysed file and of inherited versions (by version), to place findings on columns. */
  readonly sources?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  /** Check pairs of rules for overlaps (the quadratic part; default true). */
  readonly overlaps?: boolean;
}

export async function analyzePolicy(policy: CompiledPolicy, opts: AnalyzeOptions = {}): Promise<AnalysisResult> {
  const t0 = performance.now();
  const z = await z3();
  const space = new Space(z, policy.requestSchema);
  const enc = encodePolicy(space, policy);
  const session = new Session(space, opts.timeoutMs ?? 10_000);
  const findings: Finding[] = [];
  const failures: { message: string; witness: Witness }[] = [];
  const rules = policy.rules;
  const rank = (i: number): number => {
    const k = policy.outcomes.indexOf(rules[i]!.event.type);
    return k < 0 ? Infinity : k;
  };
  const where = (line: number, version: string, text?: string): { start: Position; end: Position } => {
    const src = opts.sources?.[version];
    const lines = src?.split("\n");
    const lineText = lines?.[line - 1] ?? "";
    let l = line;
    let col = Math.max(1, lineText.search(/\S/) + 1);
    let len = Math.max(1, lineText.trim().length);
    if (text && lines) {
      // The condition's text on the rule's lines (up to the next blank line), else the rule's line.
      for (let k = line - 1; k < Math.min(lines.length, line + 12); k++) {
        const at = lines[k]!.indexOf(text);
        if (at >= 0) {
          l = k + 1;
          col = at + 1;
          len = text.length;
          break;
        }
        if (k > line - 1 && /^\s*$/.test(lines[k]!)) break;
      }
    }
    const offset = src ? src.split("\n").slice(0, l - 1).reduce((n, s) => n + s.length + 1, 0) + col - 1 : 0;
    return { start: { line: l, column: col, offset }, end: { line: l, column: col + len, offset: offset + len } };
  };
  const ruleAt = (i: number, text?: string): { start: Position; end: Position; version: string; rule: string } => {
    const p = rules[i]!.event.params;
    const version = p.from ?? policy.version;
    return { ...where(p.line, version, text), version, rule: rules[i]!.name };
  };
  const unknownAt = (i: number | undefined, what: string, why: string): void => {
    const at = i === undefined ? { ...where(policy.otherwise.line, policy.otherwise.from ?? policy.version), version: policy.otherwise.from ?? policy.version } : ruleAt(i);
    findings.push({ code: ANALYSIS_CODES.unknown, severity: "info", message: `could not decide whether ${what}: ${why}`, ...at });
  };
  const example = async (model: Parameters<typeof prove>[1], target?: B): Promise<Finding["example"] | undefined> => {
    const lits = target ? await session.region(model, enc.atoms, target) : undefined;
    try {
      const w = await prove(space, model, [enc]);
      return { request: w.request, decisionDate: w.decisionDate, decision: w.decisions[0]!, ...(target ? { where: regionText(lits) } : {}) };
    } catch (e) {
      if (!(e instanceof WitnessFailure)) throw e;
      if (e.bug) failures.push({ message: e.message, witness: e.witness });
      return undefined;
    }
  };

  // Every model found shows some leaf conditions true and others false: those need no query of their own.
  const seenTrue = new Set<B>();
  const seenFalse = new Set<B>();
  const allLeaves = enc.leaves.flat();
  const harvest = (m: Parameters<typeof prove>[1]): void => {
    for (const l of allLeaves) (evalBool(space, m, l.b) ? seenTrue : seenFalse).add(l.b);
  };
  const canFire: boolean[] = [];
  for (let i = 0; i < rules.length; i++) {
    const r = await session.find([enc.fired[i]!], false);
    if (r.status === "sat") harvest(r.model);
    canFire.push(r.status !== "unsat");
    if (r.status === "unsat") {
      findings.push({ code: ANALYSIS_CODES.neverFires, severity: "warning", message: `rule \`${rules[i]!.name}\` can never fire: no valid request meets its conditions`, ...ruleAt(i) });
    } else if (r.status === "unknown") unknownAt(i, `rule \`${rules[i]!.name}\` can fire`, r.why);
  }

  // Conditions always true / always false, for rules that can fire (a rule that cannot is reported already).
  for (let i = 0; i < rules.length; i++) {
    const seen = new Set<string>();
    for (const leaf of enc.leaves[i]!) {
      if (seen.has(leaf.name)) continue;
      seen.add(leaf.name);
      const t = seenTrue.has(leaf.b) ? { status: "sat" } : await session.find([leaf.b], false);
      if (t.status === "sat" && "model" in t) harvest(t.model);
      const f = seenFalse.has(leaf.b) ? { status: "sat" } : await session.find([z.Not(leaf.b)], false);
      if (f.status === "sat" && "model" in f) harvest(f.model);
      if (t.status === "unsat") {
        findings.push({ code: ANALYSIS_CODES.alwaysFalse, severity: "warning", message: `the condition \`${leaf.name}\` of rule \`${rules[i]!.name}\` is always false given the request schema and the parameters`, ...ruleAt(i, leaf.name) });
      } else if (f.status === "unsat") {
        findings.push({ code: ANALYSIS_CODES.alwaysTrue, severity: "warning", message: `the condition \`${leaf.name}\` of rule \`${rules[i]!.name}\` is always true given the request schema and the parameters`, ...ruleAt(i, leaf.name) });
      }
    }
  }

  // Shadowed: fires, but its outcome never wins.
  for (let i = 0; i < rules.length; i++) {
    if (!canFire[i] || rank(i) === Infinity) continue;
    const r = await session.find([enc.decides[i]!], false);
    if (r.status === "unknown") {
      unknownAt(i, `rule \`${rules[i]!.name}\` can decide`, r.why);
      continue;
    }
    if (r.status === "sat") continue;
    let by: number | undefined;
    for (let j = 0; j < rules.length && by === undefined; j++) {
      if (rank(j) >= rank(i)) continue;
      if ((await session.find([enc.fired[i]!, z.Not(enc.fired[j]!)], false)).status === "unsat") by = j;
    }
    const p = by === undefined ? undefined : rules[by]!.event.params;
    findings.push({
      code: ANALYSIS_CODES.shadowed,
      severity: "warning",
      message:
        by === undefined
          ? `rule \`${rules[i]!.name}\` fires but never decides: whenever it fires, a rule with a stronger outcome fires too`
          : `rule \`${rules[i]!.name}\` is shadowed by rule \`${rules[by]!.name}\` at line ${p!.line}${p!.from ? ` of ${p!.from}` : ""}: whenever it fires, \`${rules[by]!.event.type}\` outranks \`${rules[i]!.event.type}\``,
      ...ruleAt(i),
    });
  }

  // Overlaps: two rules with different outcomes that fire on one request (precedence decides; informational).
  if (opts.overlaps !== false) {
    const models: Parameters<typeof prove>[1][] = [];
    for (let i = 0; i < rules.length; i++) {
      for (let j = i + 1; j < rules.length; j++) {
        if (!canFire[i] || !canFire[j] || rank(i) === Infinity || rank(j) === Infinity || rank(i) === rank(j)) continue;
        // A model found for an earlier pair may show this one too.
        let model = models.find((m) => evalBool(space, m, enc.fired[i]!) && evalBool(space, m, enc.fired[j]!));
        if (!model) {
          const r = await session.find([z.And(enc.fired[i]!, enc.fired[j]!)]);
          if (r.status !== "sat") continue;
          model = r.model;
          models.push(model);
        }
        const ex = await example(model);
        if (!ex) continue;
        const [strong, weak] = rank(i) < rank(j) ? [i, j] : [j, i];
        findings.push({
          code: ANALYSIS_CODES.overlap,
          severity: "info",
          message: `rules \`${rules[i]!.name}\` and \`${rules[j]!.name}\` can fire on the same request; \`${rules[strong]!.event.type}\` (rule \`${rules[strong]!.name}\`) outranks \`${rules[weak]!.event.type}\``,
          ...ruleAt(j),
          example: ex,
        });
      }
    }
  }

  // Gaps: requests no rule with an outcome decides, so `otherwise` does.
  const g = await session.find([enc.otherwise]);
  if (g.status === "sat") {
    const ex = await example(g.model, enc.otherwise);
    const o = policy.otherwise;
    if (ex) {
      findings.push({
        code: ANALYSIS_CODES.gap,
        severity: "info",
        message: `some requests are decided by \`otherwise ${o.outcome}\`: no rule with an outcome fires${ex.where ? ` (for example where ${ex.where})` : ""}`,
        ...where(o.line, o.from ?? policy.version),
        version: o.from ?? policy.version,
        example: ex,
      });
    }
  } else if (g.status === "unknown") unknownAt(undefined, "`otherwise` ever decides", g.why);

  findings.sort((a, b) => (a.version === b.version ? a.start.line - b.start.line || a.start.column - b.start.column : a.version < b.version ? -1 : 1));
  return { program: policy.program, version: policy.version, findings, inexact: enc.inexact, failures, stats: { ms: Math.round(performance.now() - t0), solverCalls: session.calls } };
}
