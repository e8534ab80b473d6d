/**
 * A dry run of a draft (role `author`):
 *   POST /v1/programs/:program/dry-run   `{ source, request, decisionDate?, explain? }` → the decision the server
 *                                        would give under the draft, with nothing logged
 * The editor's try-it asks it for policies that detect duplicates: `duplicateOf(...)` is answered from the
 * program's decision log exactly as live evaluation answers it (the accepted-key index, topped up from the store
 * on a shared database), but the index is only read: a dry run accepts nothing, so it never makes a later live
 * claim a duplicate. The draft is compiled on the compile pool, never on the event loop.
 */
import { Router } from "express";
import type { CompiledPolicy } from "../../dsl/index.js";
import { createEvaluator, detectsDuplicates } from "../../engine/index.js";
import type { Decision } from "../../engine/types.js";
import { requireRole } from "../auth.js";
import { requireContentType } from "../body.js";
import { compileSource } from "../compile-steps.js";
import { DryRunBody } from "../contract/schemas.js";
import { readBody } from "../contract/validate.js";
import { AppError, badRequest } from "../errors.js";
import { keyOf, todayUtc, validateRequest } from "../evaluate.js";
import type { Entry, Evaluator } from "../registry.js";
import type { Services } from "../services.js";
import { isStoreUnavailable } from "../store/unavailable.js";
import { param, sendJson, unknownProgram } from "./common.js";

/** Evaluators of recent drafts by hash: an author tries several requests against one draft. */
const EVALUATORS = new Map<string, Evaluator>();
const KEEP = 8;

function evaluatorOf(compiled: CompiledPolicy): Evaluator {
  let ev = EVALUATORS.get(compiled.hash);
  if (ev) {
    EVALUATORS.delete(compiled.hash);
  } else {
    ev = createEvaluator(compiled);
    if (EVALUATORS.size >= KEEP) EVALUATORS.delete(EVALUATORS.keys().next().value!);
  }
  EVALUATORS.set(compiled.hash, ev);
  return ev;
}

/** The draft as a registry entry, so validation and the duplicate key are the live path's own functions. */
function draftEntry(compiled: CompiledPolicy, source: string): Entry {
  return {
    program: compiled.program,
    version: compiled.version,
    source,
    compiled,
    hash: compiled.hash,
    effective: compiled.effective,
    ...(compiled.end ? { end: compiled.end } : {}),
    status: "draft",
    origin: "draft",
    publishedAt: new Date().toISOString(),
    title: compiled.title,
    usesDuplicates: detectsDuplicates(compiled),
    get evaluator() {
      return evaluatorOf(compiled);
    },
  };
}

/** Request validation errors point into the body: `/request/...`. */
function underRequest(err: unknown): never {
  if (err instanceof AppError && err.code === "invalid-request") {
    const d = err.details as { errors?: { path?: string }[] } | undefined;
    const errors = d?.errors?.map((e) => ({ ...e, path: `/request${e.path ?? ""}` }));
    throw badRequest("invalid-request", err.message, { ...d, ...(errors ? { errors } : {}) });
  }
  throw err;
}

export function dryRunRouter(s: Services): Router {
  const r = Router();
  const author = requireRole(s.auth, "author");

  r.post("/v1/programs/:program/dry-run", author, async (req, res) => {
    requireContentType(req);
    const program = param(req, "program");
    if (!s.registry.hasProgram(program)) {
      if (s.store.shared) await s.registry.sync();
      if (!s.registry.hasProgram(program)) throw unknownProgram(program);
    }
    const body = await readBody(req, s.config.bodyLimit, DryRunBody);
    const { source, request, decisionDate: given } = body;
    const explain = body.explain !== false;
    const { compiled, diagnostics } = await compileSource(s, source);
    if (!compiled || diagnostics.some((d) => d.severity === "error")) {
      throw new AppError("policy-invalid", "the draft does not compile", { diagnostics });
    }
    if (compiled.program !== program) {
      throw new AppError("program-mismatch", `the envelope says program \`${compiled.program}\`, the path \`${program}\``);
    }
    const entry = draftEntry(compiled, source);
    try {
      validateRequest(entry, request, s.config.maxErrors);
    } catch (e) {
      underRequest(e);
    }
    const decisionDate = given ?? todayUtc();
    // As live evaluation does: on a shared store, learn the key from the log first (other replicas' claims count).
    const key = s.store.shared ? keyOf(entry, request) : undefined;
    if (key !== undefined) {
      try {
        await s.accepted.refresh(program, [key]);
      } catch (err) {
        if (isStoreUnavailable(err)) throw new AppError("store-unavailable", "the store is unavailable; try again shortly", { cause: String(err) });
        throw err;
      }
    }
    // Read only: a dry run never adds a claim to the index.
    const claims = s.accepted.of(program);
    const lookups: Record<string, string | null> = {};
    let decision: Decision;
    try {
      decision = entry.evaluator.evaluate(request, {
        decisionDate,
        explain,
        findAccepted: (k) => {
          const ref = claims.find(k);
          lookups[k] = ref ?? null;
          return ref;
        },
      });
    } catch (err) {
      throw new AppError("evaluation-failed", "the evaluator failed on this request", { cause: String(err) });
    }
    sendJson(res, {
      dryRun: true,
      logged: false,
      program: decision.program,
      version: decision.version,
      hash: compiled.hash,
      decisionDate,
      outcome: decision.outcome,
      reasons: decision.reasons,
      attributes: decision.attributes,
      fired: decision.fired,
      ...(entry.usesDuplicates ? { lookups } : {}),
      ...(decision.explanation ? { explanation: decision.explanation } : {}),
      diagnostics,
    });
  });

  return r;
}
