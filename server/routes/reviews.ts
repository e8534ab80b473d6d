/**
 * Reviewed publishing (publish-review.ts has the checks):
 *   GET  /v1/programs/:program/reviews               submitted drafts, newest first (any role)
 *   POST /v1/programs/:program/reviews               submit `{ source, tests?, note, retroactive?, name? }` (author)
 *   GET  /v1/programs/:program/reviews/:id           one, with the checks run again now (the approver's view)
 *   POST /v1/programs/:program/reviews/:id/approve   `{ confirmRetroactive?, name? }` (a second author) → published
 *   POST /v1/programs/:program/reviews/:id/reject    `{ reason, name? }` (author)
 * A review is approved by someone else than its submitter (another key), except with no keys configured, where the
 * one person at the machine may approve their own (the answer says `selfApproved`).
 */
import { randomUUID } from "node:crypto";
import { Router } from "express";
import type { CompiledPolicy } from "../../dsl/index.js";
import { assertEvaluable, compileSource } from "../compile-steps.js";
import type { PolicyTestCase } from "../../engine/test-cases.js";
import { requireRole } from "../auth.js";
import { readJson, requireObject } from "../body.js";
import { AppError, badRequest, notFound } from "../errors.js";
import { checkPublish, consentFrom, noteFrom, personOf, refusal, samePerson } from "../publish-review.js";
import type { Services } from "../services.js";
import type { ReviewRecord } from "../store/types.js";
import { param, unknownProgram } from "./common.js";
import { newVersion, summary } from "./programs.js";
import { casesFrom } from "./tests.js";

/** Compiles on the compile pool (never on the event loop; 422 `policy-limit` past a size limit or budget). */
async function compiledOrRefuse(s: Services, program: string, source: string): Promise<CompiledPolicy> {
  const { compiled, diagnostics } = await compileSource(s, source);
  if (!compiled || diagnostics.some((d) => d.severity === "error")) {
    throw new AppError("policy-invalid", "the policy does not compile", { diagnostics });
  }
  if (compiled.program !== program) {
    throw new AppError("program-mismatch", `the envelope says program \`${compiled.program}\`, the path \`${program}\``);
  }
  return compiled;
}

const versionExists = (program: string, version: string): AppError =>
  new AppError("version-exists", `version \`${version}\` of \`${program}\` is already published`, { program, version });

/** What a client sees of a review: everything but the source (unless asked). */
const shown = (r: ReviewRecord, withSource = false): Record<string, unknown> => {
  const { source, tests, ...rest } = r;
  return { ...rest, testCount: tests?.length ?? null, ...(withSource ? { source, ...(tests ? { tests } : {}) } : {}) };
};

export function reviewsRouter(s: Services): Router {
  const r = Router();
  const anyRole = requireRole(s.auth);
  const author = requireRole(s.auth, "author");

  const known = (program: string): void => {
    if (!s.registry.hasProgram(program)) throw unknownProgram(program);
  };
  const find = async (program: string, id: string): Promise<ReviewRecord> => {
    known(program);
    const rec = await s.store.getReview(program, id);
    if (!rec) throw notFound("not-found", `no review \`${id}\` for \`${program}\``);
    return rec;
  };

  r.get("/v1/programs/:program/reviews", anyRole, async (req, res) => {
    const program = param(req, "program");
    known(program);
    res.json({ reviews: (await s.store.listReviews(program)).map((x) => shown(x)), selfApproval: s.auth.open });
  });

  r.post("/v1/programs/:program/reviews", author, async (req, res) => {
    const program = param(req, "program");
    known(program);
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    if (typeof body.source !== "string" || body.source.trim() === "") {
      throw badRequest("invalid-body", "`source` must be the policy file's text", { errors: [{ path: "/source", message: "must be a non-empty string" }] });
    }
    const compiled = await compiledOrRefuse(s, program, body.source);
    const tests = body.tests === undefined ? undefined : casesFrom(body.tests, "/tests", compiled);
    const consent = consentFrom(body);
    const note = noteFrom(body.note, compiled);
    if (s.registry.get(program, compiled.version)) throw versionExists(program, compiled.version);
    const rec: ReviewRecord = {
      id: randomUUID(),
      program,
      version: compiled.version,
      source: body.source,
      ...(tests ? { tests } : {}),
      note,
      retroactive: consent.retroactive,
      status: "pending",
      submittedBy: personOf(s, req, body.name),
      submittedAt: new Date().toISOString(),
    };
    await s.store.insertReview(rec);
    const checks = await checkPublish(s, compiled, tests);
    req.log.info({ program, version: rec.version, review: rec.id, by: rec.submittedBy }, "version submitted for review");
    res.status(201).location(`/v1/programs/${encodeURIComponent(program)}/reviews/${rec.id}`);
    res.json({ review: shown(rec), checks, selfApproval: s.auth.open });
  });

  r.get("/v1/programs/:program/reviews/:id", anyRole, async (req, res) => {
    const rec = await find(param(req, "program"), param(req, "id"));
    const { compiled } = await compileSource(s, rec.source);
    const checks = compiled ? await checkPublish(s, compiled, rec.tests as PolicyTestCase[] | undefined) : undefined;
    res.json({ review: shown(rec, true), ...(checks ? { checks } : {}), selfApproval: s.auth.open });
  });

  r.post("/v1/programs/:program/reviews/:id/approve", author, async (req, res) => {
    const program = param(req, "program");
    const rec = await find(program, param(req, "id"));
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const who = personOf(s, req, body.name);
    if (rec.status !== "pending") throw new AppError("review-decided", `this review was ${rec.status} already`, { status: rec.status });
    if (samePerson(who, rec.submittedBy) && !s.auth.open) {
      throw new AppError("same-person", "a draft is approved by a second author, not by the one who submitted it (use another author's key)");
    }
    const compiled = await compiledOrRefuse(s, program, rec.source);
    const tests = rec.tests as PolicyTestCase[] | undefined;
    const checks = await checkPublish(s, compiled, tests);
    const consent = { ...consentFrom(body), retroactive: rec.retroactive };
    const refused = refusal(checks, consent);
    if (refused) throw refused;
    if (s.registry.get(program, compiled.version)) throw versionExists(program, compiled.version);
    await assertEvaluable(s, compiled, tests ?? []);
    const approvedAt = new Date().toISOString();
    const review = {
      reviewId: rec.id,
      note: rec.note,
      submittedBy: rec.submittedBy,
      submittedAt: rec.submittedAt,
      approvedBy: who,
      approvedAt,
      selfApproved: samePerson(who, rec.submittedBy),
      ...(checks.retroactive ? { retroactive: { confirmedDecisions: checks.retroactive.decisions } } : {}),
    };
    // The review's move and the version's insert are one transaction (guarded by the review's status): of two
    // approvals at once one publishes, and a version id taken meanwhile leaves the review pending, nothing written.
    const outcome = await s.store.publishReview(program, rec.id, who, newVersion({ program, source: rec.source, compiled, tests, review }));
    if (outcome === "decided") throw new AppError("review-decided", "someone decided this review meanwhile");
    if (outcome === "version-exists") {
      await s.registry.lookup(program, compiled.version).catch(() => undefined);
      throw versionExists(program, compiled.version);
    }
    const entry = s.registry.add((await s.store.getVersion(program, compiled.version))!);
    req.log.info({ program, version: entry.version, hash: entry.hash, review: rec.id, submittedBy: rec.submittedBy, approvedBy: who }, "version published");
    res.status(201).location(`/v1/programs/${encodeURIComponent(program)}/versions/${encodeURIComponent(entry.version)}`);
    res.json({ program, ...summary(entry) });
  });

  r.post("/v1/programs/:program/reviews/:id/reject", author, async (req, res) => {
    const program = param(req, "program");
    const rec = await find(program, param(req, "id"));
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const reason = typeof body.reason === "string" ? body.reason.trim() : "";
    if (!reason) throw badRequest("invalid-body", "say why the draft is sent back", { errors: [{ path: "/reason", message: "must be a non-empty string" }] });
    const who = personOf(s, req, body.name);
    if (!(await s.store.decideReview(program, rec.id, "rejected", who, reason))) throw new AppError("review-decided", `this review was ${rec.status} already`);
    req.log.info({ program, version: rec.version, review: rec.id, by: who, reason }, "review sent back");
    res.json({ review: shown((await s.store.getReview(program, rec.id))!) });
  });

  return r;
}
