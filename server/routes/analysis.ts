/**
 * Solver-backed analysis over HTTP (engine/analysis; roles author and analyst):
 *   POST /v1/analysis/diff      `{ program, old, new, regionsPerTransition? }`, each side `{ version }` (published) or `{ source }` (a
 *                               draft): the verified difference (`equivalent` | `different` | `unknown`)
 *   POST /v1/analysis/analyze   `{ program, version }` or `{ source }`, `overlaps?` (default true; false skips the
 *                               quadratic pair search): findings of one version, as diagnostics
 *   POST /v1/analysis/counterfactual  `{ program, version | source, request, decisionDate? }`: what would change the
 *                               decision (the editor's try-it and decisions panels; nothing is logged)
 * and, for the evaluate routes, `withCounterfactual` behind `?counterfactual=true`. The solver runs on the analysis
 * pool (analysis-pool.ts): never on the event loop, within a time budget (`unknown`, "time limit", past it; a body
 * may ask for less with `timeLimitMs`), 503 when its queue is full.
 */
import { Router, type Request } from "express";
import { catalogue } from "../../dsl/catalogue.js";
import type { CompiledPolicy } from "../../dsl/compiled.js";
import type { AnalysisResult } from "../../engine/analysis/analyze.js";
import { createEvaluator } from "../../engine/index.js";
import { requestValidator } from "../../engine/request.js";
import { compileSource } from "../compile-steps.js";
import { analysisPoolFor } from "../analysis-pool.js";
import { requireRole } from "../auth.js";
import { AnalyzeBody, CounterfactualBody, DiffBody } from "../contract/schemas.js";
import { readBody } from "../contract/validate.js";
import { AppError, badRequest } from "../errors.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import { findVersion, queryBool, queryDate } from "./common.js";

/** One side, already of the contract's shape (`{ version }` or `{ source }`). */
async function side(s: Services, program: string, o: { version?: string; source?: string }, at: string): Promise<CompiledPolicy> {
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

/**
 * The findings of one policy, each with the catalogue's help. Inherited rules are placed on the text of the version
 * that holds them; `source`, when given, is the analysed file itself (a draft).
 */
export async function findingsOf(s: Services, policy: CompiledPolicy, source?: string, overlaps = true, timeLimitMs?: number): Promise<AnalysisResult & { unknown?: readonly string[] }> {
  const sources: Record<string, string> = Object.fromEntries(s.registry.versions(policy.program).map((e) => [e.version, e.source]));
  if (source !== undefined) sources[policy.version] = source;
  const result = await analysisPoolFor(s).analyze(policy, { sources, overlaps }, timeLimitMs);
  return { ...result, findings: result.findings.map((f) => ({ ...f, help: f.help ?? catalogue[f.code].help })) };
}

export function analysisRouter(s: Services): Router {
  const r = Router();
  const readers = requireRole(s.auth, "author", "analyst");

  r.post("/v1/analysis/diff", readers, async (req, res) => {
    const body = await readBody(req, s.config.bodyLimit, DiffBody);
    const { program } = body;
    const oldP = await side(s, program, body.old, "old");
    const newP = await side(s, program, body.new, "new");
    const limit = body.regionsPerTransition;
    const result = await analysisPoolFor(s).diff(oldP, newP, limit === undefined ? {} : { regionsPerTransition: limit }, body.timeLimitMs);
    req.log.info({ program, old: oldP.version, new: newP.version, verdict: result.verdict, ms: result.stats.ms }, "diff analysed");
    res.json(result);
  });

  r.post("/v1/analysis/analyze", readers, async (req, res) => {
    const body = await readBody(req, s.config.bodyLimit, AnalyzeBody);
    const policy = await side(s, body.program, body, "policy");
    res.json(await findingsOf(s, policy, "source" in body ? body.source : undefined, body.overlaps !== false, body.timeLimitMs));
  });

  r.post("/v1/analysis/counterfactual", readers, async (req, res) => {
    const body = await readBody(req, s.config.bodyLimit, CounterfactualBody);
    const policy = await side(s, body.program, body, "policy");
    const request = body.request as Record<string, unknown>;
    // A request the schema refuses has no decision to change: said as evaluate says it, pointers into the body.
    const issues = requestValidator(policy.requestSchema)(request);
    if (issues.length) {
      throw badRequest("invalid-request", `request does not match the ${policy.program} request schema`, { errors: issues.map((i) => ({ ...i, path: `/request${i.path === "/" ? "" : i.path}` })) });
    }
    const { decisionDate } = body;
    const d = createEvaluator(policy).evaluate(request, decisionDate ? { decisionDate } : {});
    const decision = { outcome: d.outcome, reasons: d.reasons.map((x) => x.code), attributes: d.attributes };
    const { actionable } = s.manifests.of(policy);
    res.json(await analysisPoolFor(s).counterfactual(policy, request, { actionable, ...(decisionDate ? { decisionDate } : {}) }, decision, body.timeLimitMs));
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
  const d = answer as { outcome: string; reasons?: readonly { code: string }[]; attributes?: Record<string, unknown> };
  const decision = { outcome: d.outcome, reasons: (d.reasons ?? []).map((x) => x.code), attributes: d.attributes ?? {} };
  const counterfactual = await analysisPoolFor(s).counterfactual(entry.compiled, request as Record<string, unknown>, { actionable, ...(decisionDate ? { decisionDate } : {}) }, decision);
  return { ...answer, counterfactual };
}
