/**
 * Solver-backed analysis over HTTP (engine/analysis; roles author and analyst):
 *   POST /v1/analysis/diff      `{ program, old, new, regionsPerTransition? }`, each side `{ version }` (published) or `{ source }` (a
 *                               draft): the verified difference (`equivalent` | `different` | `unknown`)
 *   POST /v1/analysis/analyze   `{ program, version }` or `{ source }`, `overlaps?` (default true; false skips the
 *                               quadratic pair search): findings of one version, as diagnostics
 *   POST /v1/analysis/counterfactual  `{ program, version | source, request, decisionDate? }`: what would change the
 *                               decision (the editor's try-it and decisions panels; nothing is logged)
 * and, for the evaluate routes, `withCounterfactual` behind `?counterfactual=true`. One z3 context serves the
 * process, so queries run one at a time.
 */
import { Router, type Request } from "express";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import { compileSource } from "../compile-steps.js";
import { catalogue } from "../../dsl/catalogue.js";
import { analyzePolicy, type AnalysisResult } from "../../engine/analysis/analyze.js";
import { counterfactuals } from "../../engine/analysis/counterfactual.js";
import { diffPolicies } from "../../engine/analysis/diff.js";
import { requestValidator } from "../../engine/request.js";
import { requireRole } from "../auth.js";
import { readJson, requireObject } from "../body.js";
import { AppError, badRequest } from "../errors.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import { findVersion, queryBool, queryDate } from "./common.js";

const DATE = /^\d{4}-\d{2}-\d{2}$/;

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
      throw new AppError(422, "policy-invalid", `the policy in \`${at}\` does not compile`, { diagnostics });
    }
    if (compiled.program !== program) throw new AppError(422, "program-mismatch", `the policy in \`${at}\` is of program \`${compiled.program}\`, not \`${program}\``);
    return compiled;
  }
  throw badRequest("invalid-body", `\`${at}\` must be \`{ version }\` or \`{ source }\``, { errors: [{ path: `/${at}`, message: "must have a version or a source" }] });
}

/**
 * The findings of one policy, each with the catalogue's help. Inherited rules are placed on the text of the version
 * that holds them; `source`, when given, is the analysed file itself (a draft).
 */
export async function findingsOf(s: Services, policy: CompiledPolicy, source?: string, overlaps = true): Promise<AnalysisResult> {
  const sources: Record<string, string> = Object.fromEntries(s.registry.versions(policy.program).map((e) => [e.version, e.source]));
  if (source !== undefined) sources[policy.version] = source;
  const result = await serial(() => analyzePolicy(policy, { sources, overlaps }));
  return { ...result, findings: result.findings.map((f) => ({ ...f, help: f.help ?? catalogue[f.code].help })) };
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
    if (body.overlaps !== undefined && typeof body.overlaps !== "boolean") {
      throw badRequest("invalid-body", "`overlaps` must be true or false", { errors: [{ path: "/overlaps", message: "must be a boolean" }] });
    }
    res.json(await findingsOf(s, policy, typeof body.source === "string" ? body.source : undefined, body.overlaps !== false));
  });

  r.post("/v1/analysis/counterfactual", readers, async (req, res) => {
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const policy = await side(s, programOf(body), body, "policy");
    const request = body.request;
    if (!request || typeof request !== "object" || Array.isArray(request)) {
      throw badRequest("invalid-body", "`request` must be the request, a JSON object", { errors: [{ path: "/request", message: "must be an object" }] });
    }
    const decisionDate = body.decisionDate;
    if (decisionDate !== undefined && (typeof decisionDate !== "string" || !DATE.test(decisionDate))) {
      throw badRequest("invalid-body", "`decisionDate` must be a date such as 2010-03-02", { errors: [{ path: "/decisionDate", message: "must be a date (YYYY-MM-DD)" }] });
    }
    // A request the schema refuses has no decision to change: said as evaluate says it, pointers into the body.
    const issues = requestValidator(policy.requestSchema)(request);
    if (issues.length) {
      throw badRequest("invalid-request", `request does not match the ${policy.program} request schema`, { errors: issues.map((i) => ({ ...i, path: `/request${i.path === "/" ? "" : i.path}` })) });
    }
    const { actionable } = s.manifests.of(policy);
    res.json(await serial(() => counterfactuals(policy, request as Record<string, unknown>, { actionable, ...(decisionDate ? { decisionDate } : {}) })));
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

/** One finding (a catalogue diagnostic at a rule's line), for the analyze route and `POST /v1/compile?analyze=true`. */
export const findingSchema = {
  type: "object",
  required: ["code", "severity", "message", "start", "end"],
  properties: {
    code: { enum: ["analysis-never-fires", "analysis-shadowed", "analysis-overlap", "analysis-gap", "analysis-always-true", "analysis-always-false", "analysis-unknown"] },
    severity: { enum: ["error", "warning", "info"] }, message: { type: "string" }, help: { type: "string", description: "the catalogue's help" },
    start: { type: "object" }, end: { type: "object" },
    rule: { type: "string" }, version: { type: "string", description: "the version whose file holds the rule" },
    example: { type: "object", description: "a proven request: `{ request, decisionDate, decision, where? }`" },
  },
} as const;

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
        requestBody: { required: true, content: json({ type: "object", required: ["program"], properties: { program: { type: "string" }, version: { type: "string" }, source: { type: "string" }, overlaps: { type: "boolean", default: true, description: "false skips the search for overlapping rules (quadratic in the rules)" } } }) },
        responses: { 200: { description: "the findings", content: json({ type: "object", properties: { findings: { type: "array", items: findingSchema }, inexact: { type: "array", items: { type: "string" } } } }) }, ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    "/v1/analysis/counterfactual": {
      post: {
        ...roles, operationId: "counterfactual", summary: "What would change a decision: the nearest requests with another outcome, changing only actionable fields (nothing is logged)",
        requestBody: { required: true, content: json({ type: "object", required: ["program", "request"], properties: { program: { type: "string" }, version: { type: "string" }, source: { type: "string" }, request: { type: "object" }, decisionDate: { type: "string", format: "date" } } }) },
        responses: {
          200: {
            description: "the alternatives, each proven by both evaluators",
            content: json({ type: "object", properties: {
              decision,
              actionable: { type: "array", items: { type: "string" } },
              alternatives: { type: "array", items: { type: "object", properties: { outcome: { type: "string" }, changes: { type: "array", items: { type: "object", properties: { field: { type: "string" }, from: {}, to: {} } } }, decision } } },
              unreachable: { type: "array", items: { type: "string" } },
              unknown: { type: "array", items: { type: "string" } },
            } }),
          },
          ...errors(400, 401, 403, 404, 413, 415, 422),
        },
      },
    },
  };
}
