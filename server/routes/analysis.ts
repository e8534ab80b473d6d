/**
 * Solver-backed analysis over HTTP (engine/analysis; roles author and analyst):
 *   POST /v1/analysis/diff      `{ program, old, new, regionsPerTransition? }`, each side `{ version }` (published) or `{ source }` (a
 *                               draft): the verified difference (`equivalent` | `different` | `unknown`)
 *   POST /v1/analysis/analyze   `{ program, version }` or `{ source }`: findings of one version, as diagnostics
 * and, for the evaluate routes, `withCounterfactual` behind `?counterfactual=true`. One z3 context serves the
 * process, so queries run one at a time.
 */
import { Router, type Request } from "express";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compileSource } from "../compile-steps.js";
import { analyzePolicy } from "../../engine/analysis/analyze.js";
import { counterfactuals } from "../../engine/analysis/counterfactual.js";
import { diffPolicies } from "../../engine/analysis/diff.js";
import { requireRole } from "../auth.js";
import { readJson, requireObject } from "../body.js";
import { AppError, badRequest } from "../errors.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import { findVersion, queryBool, queryDate } from "./common.js";

let queue: Promise<unknown> = Promise.resolve();

/** Runs solver work one job at a time (the z3 context is shared). */
function serial<T>(job: () => Promise<T>): Promise<T> {
  const next = queue.then(job);
  queue = next.catch(() => undefined);
  return next;
}

async function side(s: Services, program: string, value: unknown, at: string): Promise<CompiledPolicy> {
  const o = requireObject(value, `\`${at}\``);
  if (typeof o.version === "string") {
    const entry = await findVersion(s, program, o.version);
    return entry.compiled;
  }
  if (typeof o.source === "string") {
    // On the compile pool, as every draft compile: never on the event loop, with its size limits and budget.
    const { compiled, diagnostics } = await compileSource(s, o.source);
    if (!compiled || diagnostics.some((d) => d.severity === "error")) {
      throw new AppError("policy-invalid", `the policy in \`${at}\` does not compile`, { diagnostics });
    }
    if (compiled.program !== program) throw new AppError("program-mismatch", `the policy in \`${at}\` is of program \`${compiled.program}\`, not \`${program}\``);
    return compiled;
  }
  throw badRequest("invalid-body", `\`${at}\` must be \`{ version }\` or \`{ source }\``, { errors: [{ path: `/${at}`, message: "must have a version or a source" }] });
}

function programOf(body: Record<string, unknown>): string {
  if (typeof body.program !== "string" || body.program === "") {
    throw badRequest("invalid-body", "`program` must be a program id", { errors: [{ path: "/program", message: "is required" }] });
  }
  return body.program;
}

export function analysisRouter(s: Services): Router {
  const r = Router();
  const readers = requireRole(s.auth, "author", "analyst");

  r.post("/v1/analysis/diff", readers, async (req, res) => {
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const program = programOf(body);
    const oldP = await side(s, program, body.old, "old");
    const newP = await side(s, program, body.new, "new");
    const limit = body.regionsPerTransition;
    if (limit !== undefined && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 20)) {
      throw badRequest("invalid-body", "`regionsPerTransition` must be an integer from 1 to 20", { errors: [{ path: "/regionsPerTransition", message: "must be an integer from 1 to 20" }] });
    }
    const result = await serial(() => diffPolicies(oldP, newP, limit === undefined ? {} : { regionsPerTransition: limit as number }));
    req.log.info({ program, old: oldP.version, new: newP.version, verdict: result.verdict, ms: result.stats.ms }, "diff analysed");
    res.json(result);
  });

  r.post("/v1/analysis/analyze", readers, async (req, res) => {
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const policy = await side(s, programOf(body), body, "policy");
    const result = await serial(() => analyzePolicy(policy, typeof body.source === "string" ? { sources: { [policy.version]: body.source } } : {}));
    res.json(result);
  });

  return r;
}

/**
 * For the evaluate routes: with `?counterfactual=true`, the answer gains `counterfactual`, the nearest requests
 * with another outcome (changing only the program's actionable fields). The decision itself is logged as usual;
 * the alternatives are not decisions and are not logged.
 */
export async function withCounterfactual(s: Services, req: Request, entry: Entry, request: unknown, answer: unknown): Promise<unknown> {
  if (!queryBool(req, "counterfactual", false) || !answer || typeof answer !== "object" || !("outcome" in answer)) return answer;
  const { actionable } = s.manifests.of(entry.compiled);
  const decisionDate = queryDate(req, "decisionDate");
  const counterfactual = await serial(() => counterfactuals(entry.compiled, request as Record<string, unknown>, { actionable, ...(decisionDate ? { decisionDate } : {}) }));
  return { ...answer, counterfactual };
}

/** The paths above as OpenAPI 3.1, for server/openapi.ts to spread into its `paths`. */
export function analysisOpenApiPaths(): Record<string, unknown> {
  const json = (schema: object) => ({ "application/json": { schema } });
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
  const roles = { "x-roles": ["author", "analyst"] };
  const side = {
    oneOf: [
      { type: "object", required: ["version"], properties: { version: { type: "string", description: "a published version" } } },
      { type: "object", required: ["source"], properties: { source: { type: "string", description: "a draft policy file" } } },
    ],
  };
  const decision = { type: "object", properties: { outcome: { type: "string" }, reasons: { type: "array", items: { type: "string" } }, attributes: { type: "object" } } };
  const example = { type: "object", properties: { request: { type: "object" }, decisionDate: { type: "string", format: "date" }, accepted: { type: "object" }, old: decision, new: decision } };
  const region = { type: "object", properties: { where: { type: "string", description: "the region in words" }, example } };
  const change = { type: "object", properties: { outcome: { type: "string" }, what: { type: "string" }, regions: { type: "array", items: region }, more: { type: "boolean" } } };
  const diff = {
    type: "object",
    required: ["verdict", "transitions", "reasons", "attributes", "unknown"],
    properties: {
      verdict: { enum: ["equivalent", "different", "unknown"] },
      transitions: { type: "array", items: { type: "object", properties: { from: { type: "string" }, to: { type: "string" }, regions: { type: "array", items: region }, more: { type: "boolean" } } } },
      reasons: { type: "array", items: change },
      attributes: { type: "array", items: change },
      unknown: { type: "array", items: { type: "string" } },
      inexact: { type: "array", items: { type: "string" } },
      failures: { type: "array", items: { type: "object" } },
      stats: { type: "object" },
    },
  };
  const finding = {
    type: "object",
    properties: {
      code: { enum: ["analysis-never-fires", "analysis-shadowed", "analysis-overlap", "analysis-gap", "analysis-always-true", "analysis-always-false", "analysis-unknown"] },
      severity: { enum: ["error", "warning", "info"] }, message: { type: "string" }, start: { type: "object" }, end: { type: "object" },
      rule: { type: "string" }, version: { type: "string" }, example: { type: "object" },
    },
  };
  return {
    "/v1/analysis/diff": {
      post: {
        ...roles, operationId: "diffVersions", summary: "The verified difference between two versions (z3): every outcome transition with a proven example",
        requestBody: { required: true, content: json({ type: "object", required: ["program", "old", "new"], properties: { program: { type: "string" }, old: side, new: side, regionsPerTransition: { type: "integer", minimum: 1, maximum: 20 } } }) },
        responses: { 200: { description: "equivalent, different or unknown, with examples", content: json(diff) }, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    "/v1/analysis/analyze": {
      post: {
        ...roles, operationId: "analyzeVersion", summary: "Rules that never fire or never decide, overlaps, gaps, conditions always true or false",
        requestBody: { required: true, content: json({ type: "object", required: ["program"], properties: { program: { type: "string" }, version: { type: "string" }, source: { type: "string" } } }) },
        responses: { 200: { description: "the findings", content: json({ type: "object", properties: { findings: { type: "array", items: finding } } }) }, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
    },
  };
}
