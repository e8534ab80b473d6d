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
import { readJson, requireContentType, requireObject } from "../body.js";
import { compileSource } from "../compile-steps.js";
import { AppError, badRequest } from "../errors.js";
import { keyOf, todayUtc, validateRequest } from "../evaluate.js";
import type { Entry, Evaluator } from "../registry.js";
import type { Services } from "../services.js";
import { isStoreUnavailable } from "../store/unavailable.js";
import { isDate, param, sendJson, unknownProgram } from "./common.js";

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

function bodyOf(body: Record<string, unknown>): { source: string; request: unknown; decisionDate?: string; explain: boolean } {
  const { source, request, decisionDate, explain } = body;
  if (typeof source !== "string" || source.trim() === "") {
    throw badRequest("invalid-body", "`source` must be the draft policy's text", { errors: [{ path: "/source", message: "must be a non-empty string" }] });
  }
  if (request === undefined) throw badRequest("invalid-body", "`request` is the request to decide", { errors: [{ path: "/request", message: "is required" }] });
  if (decisionDate !== undefined && !(typeof decisionDate === "string" && isDate(decisionDate))) {
    throw badRequest("invalid-body", "`decisionDate` must be a date (YYYY-MM-DD)", { errors: [{ path: "/decisionDate", message: "must be a date" }] });
  }
  if (explain !== undefined && typeof explain !== "boolean") {
    throw badRequest("invalid-body", "`explain` must be true or false", { errors: [{ path: "/explain", message: "must be a boolean" }] });
  }
  return { source, request, ...(decisionDate !== undefined ? { decisionDate } : {}), explain: explain !== false };
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
    const { source, request, decisionDate: given, explain } = bodyOf(requireObject(await readJson(req, s.config.bodyLimit)));
    const { compiled, diagnostics } = await compileSource(s, source);
    if (!compiled || diagnostics.some((d) => d.severity === "error")) {
      throw new AppError(422, "policy-invalid", "the draft does not compile", { diagnostics });
    }
    if (compiled.program !== program) {
      throw new AppError(422, "program-mismatch", `the envelope says program \`${compiled.program}\`, the path \`${program}\``);
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
        if (isStoreUnavailable(err)) throw new AppError(503, "store-unavailable", "the store is unavailable; try again shortly", { cause: String(err) });
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
      throw new AppError(500, "evaluation-failed", "the evaluator failed on this request", { cause: String(err) });
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

/** The path in the OpenAPI document (server/openapi.ts). */
export function dryRunOpenApiPaths(): Record<string, unknown> {
  const json = (schema: object) => ({ "application/json": { schema } });
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
  return {
    "/v1/programs/{program}/dry-run": {
      post: {
        "x-precept-role": "author",
        operationId: "dryRun",
        summary: "Decide a request under a draft (unpublished source) as the server would, duplicates looked up in the decision log; nothing is logged or accepted",
        parameters: [{ name: "program", in: "path", required: true, schema: { type: "string" } }],
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["source", "request"],
            properties: {
              source: { type: "string", description: "the draft policy file's text" },
              request: { type: "object", description: "a request of the program (its request schema is the draft's)" },
              decisionDate: { type: "string", format: "date", description: "what today() returns; defaults to the server's date" },
              explain: { type: "boolean", default: true },
            },
          }),
        },
        responses: {
          200: {
            description: "the decision; `lookups` says what duplicateOf was told (key → the earlier request's id, or null)",
            content: json({
              type: "object",
              required: ["dryRun", "logged", "program", "version", "hash", "decisionDate", "outcome", "reasons", "attributes", "fired"],
              properties: {
                dryRun: { const: true },
                logged: { const: false },
                program: { type: "string" },
                version: { type: "string" },
                hash: { type: "string" },
                decisionDate: { type: "string", format: "date" },
                outcome: { type: "string" },
                reasons: { type: "array", items: { $ref: "#/components/schemas/Reason" } },
                attributes: { type: "object" },
                fired: { type: "array", items: { type: "string" } },
                lookups: { type: "object", additionalProperties: { type: ["string", "null"] } },
                explanation: { type: "array", items: { $ref: "#/components/schemas/RuleTrace" } },
                diagnostics: { type: "array", description: "the draft's warnings" },
              },
            }),
          },
          ...errors(400, 401, 403, 404, 413, 415, 422, 503),
        },
      },
    },
  };
}
