/**
 * Evaluation as the server does it: validate against the version's request schema, evaluate with the duplicate
 * index as the dynamic fact, and shape the record for the decision log and the answer for the client.
 * Synchronous apart from the duplicate-index refresh, so a decision and its index update happen in one tick.
 */
import { randomUUID } from "node:crypto";
import { duplicateKeySpec, duplicatesOf, type Accepted } from "../engine/duplicates.js";
import { requestIdOf, type Manifests } from "../engine/program-manifest.js";
import { DEFAULT_MAX_ISSUES, requestValidatorBounded } from "../engine/request.js";
import type { Decision } from "../engine/types.js";
import type { AcceptedIndex } from "./duplicates.js";
import { AppError, badRequest } from "./errors.js";
import type { Entry } from "./registry.js";
import type { DecisionRecord } from "./store/types.js";

export interface EvalOptions {
  /** YYYY-MM-DD for today(); defaults to the server's (UTC) date. */
  decisionDate?: string;
  explain?: boolean;
  /** performance.now() when the request arrived, for latency_ms. */
  startedAt: number;
  /** Validation errors reported at most (the rest are counted in `details.more`). */
  maxErrors?: number;
}

export interface Evaluated {
  record: DecisionRecord;
  /** What the client receives. */
  answer: Record<string, unknown>;
  /** Set when this decision accepted a duplicate key (undo it if the log write fails). */
  accepted?: Accepted;
}

export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/**
 * The key a request's own `duplicateOf(...)` asks about — and the one it is remembered under if accepted — which is
 * what a replica must look up before evaluating; undefined when the policy looks for no duplicates.
 */
export function keyOf(entry: Entry, request: unknown): string | undefined {
  return entry.usesDuplicates ? duplicateKeySpec(entry.compiled)?.keyOf(request) : undefined;
}

/** Throws 400 `invalid-request` with each offending JSON path (the first `max`, and how many more there were). */
export function validateRequest(entry: Entry, request: unknown, max = DEFAULT_MAX_ISSUES): void {
  const { issues, total } = requestValidatorBounded(entry.compiled.requestSchema, max)(request);
  if (issues.length > 0) {
    throw badRequest("invalid-request", `request does not match the ${entry.program} request schema`, {
      errors: issues,
      ...(total > issues.length ? { more: total - issues.length } : {}),
    });
  }
}

export function evaluateOne(manifests: Manifests, entry: Entry, request: unknown, index: AcceptedIndex, opts: EvalOptions): Evaluated {
  validateRequest(entry, request, opts.maxErrors);
  const decisionDate = opts.decisionDate ?? todayUtc();
  let decision: Decision;
  // What duplicateOf(...) was told, kept with the decision: with the date, all it takes to explain it again later.
  const lookups: Record<string, string | null> | undefined = entry.usesDuplicates ? {} : undefined;
  const duplicates = entry.usesDuplicates ? duplicatesOf(entry.compiled, manifests.of(entry.compiled).outcomes.accept, index.of(entry.program)) : undefined;
  const find = (key: string): string | undefined => duplicates?.findAccepted(key);
  try {
    decision = entry.evaluator.evaluate(request, {
      decisionDate,
      explain: opts.explain ?? false,
      findAccepted: lookups
        ? (key) => {
            const ref = find(key);
            lookups[key] = ref ?? null;
            return ref;
          }
        : find,
    });
  } catch (err) {
    // The engine promises not to throw on a valid request; if it does, that is our bug, not the caller's.
    throw new AppError("evaluation-failed", "the evaluator failed on this request", { cause: String(err) });
  }
  const id = randomUUID();
  const latencyMs = Math.round((performance.now() - opts.startedAt) * 1000) / 1000;
  const accepted = duplicates?.record(request, decision, requestIdOf(manifests.of(entry.compiled), request) ?? id);
  const { explanation, ...logged } = decision;
  const record: DecisionRecord = {
    id,
    program: entry.program,
    version: entry.version,
    hash: entry.hash,
    request,
    decision: { ...logged, decisionDate, ...(lookups ? { lookups } : {}) },
    outcome: decision.outcome,
    decidedAt: new Date().toISOString(),
    latencyMs,
    ...(accepted ? { dupKey: accepted.key, requestRef: accepted.ref } : {}),
  };
  const answer: Record<string, unknown> = {
    id,
    program: decision.program,
    version: decision.version,
    hash: entry.hash,
    decisionDate,
    outcome: decision.outcome,
    reasons: decision.reasons,
    attributes: decision.attributes,
    fired: decision.fired,
    ...(explanation ? { explanation } : {}),
  };
  return { record, answer, ...(accepted ? { accepted } : {}) };
}
