/**
 * A version's test cases over HTTP (they live beside the policy, and travel with versions published here):
 *   GET /v1/programs/:program/versions/:version/tests   { program, version, origin, updatedAt, cases } (any role)
 *   PUT /v1/programs/:program/versions/:version/tests   `{ cases }` (author): replaces them, answers how each runs
 * Publishing accepts `{ source, tests }` too (programs.ts), checked by the same `casesFrom`.
 */
import { Router } from "express";
import type { CompiledPolicy } from "../../dsl/index.js";
import { policyIssues, testCaseIssues } from "../../engine/test-case-schema.js";
import { runTestCases, type PolicyTestCase } from "../../engine/test-cases.js";
import { requireRole } from "../auth.js";
import { readJson, requireObject } from "../body.js";
import { AppError, badRequest } from "../errors.js";
import type { Services } from "../services.js";
import { findVersion, param } from "./common.js";

/**
 * The cases in `value` (the body's `at` member), or 400 `invalid-body` with each JSON path, or 422
 * `test-cases-invalid` when a case wants an outcome, or sets a parameter, the policy does not have.
 */
export function casesFrom(value: unknown, at: string, policy: CompiledPolicy): PolicyTestCase[] {
  const issues = testCaseIssues(value).map((i) => ({ path: `${at}${i.path === "/" ? "" : i.path}`, message: i.message }));
  if (issues.length > 0) throw badRequest("invalid-body", "the test cases are not well formed", { errors: issues });
  const cases = value as PolicyTestCase[];
  const mismatched = policyIssues(cases, policy).map((i) => ({ path: `${at}${i.path}`, message: i.message }));
  if (mismatched.length > 0) {
    throw new AppError("test-cases-invalid", "a test case names an outcome or a parameter the policy does not have", { errors: mismatched });
  }
  return cases;
}

export function testsRouter(s: Services): Router {
  const r = Router();
  const anyRole = requireRole(s.auth);
  const author = requireRole(s.auth, "author");

  r.get("/v1/programs/:program/versions/:version/tests", anyRole, async (req, res) => {
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    const stored = await s.store.getTests(entry.program, entry.version);
    res.json(stored ?? { program: entry.program, version: entry.version, origin: null, updatedAt: null, cases: [] });
  });

  r.put("/v1/programs/:program/versions/:version/tests", author, async (req, res) => {
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const cases = casesFrom(body.cases, "/cases", entry.compiled);
    await s.store.putTests(entry.program, entry.version, cases, "api");
    const stored = await s.store.getTests(entry.program, entry.version);
    const results = runTestCases(entry.compiled, s.manifests.of(entry.compiled), cases).map(({ name, passed, problems }) => ({ name, passed, problems }));
    req.log.info({ program: entry.program, version: entry.version, cases: cases.length }, "test cases saved");
    res.json({ ...stored, results });
  });

  return r;
}
