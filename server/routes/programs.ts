/**
 * The registry over HTTP:
 *   GET  /v1/programs                                  programs with their manifest and versions (any role)
 *   GET  /v1/programs/:program/versions/:version       source, metadata, compiled hash (?include=compiled)
 *   POST /v1/programs/:program/versions                publish `{ source, tests?, note? }` (author, no keys configured
 *                                                      only: self-approved; otherwise through reviews.ts): 201, 403, 409, 422
 *   POST /v1/programs/:program/versions/:version/withdraw   `{ reason }` (author): no longer in force, still readable
 *   POST /v1/compile                                   `{ program?, source }` → diagnostics, compiled (author);
 *                                                      `?analyze=true` adds the solver's findings (routes/analysis.ts)
 */
import { Router } from "express";
import { catalogue, type CompiledPolicy, type Diagnostic } from "../../dsl/index.js";
import type { PolicyTestCase } from "../../engine/test-cases.js";
import { requireRole } from "../auth.js";
import { CompileBody, PublishBody, WithdrawBody } from "../contract/schemas.js";
import { readBody } from "../contract/validate.js";
import { assertEvaluable, compileSource, compileSourceToText } from "../compile-steps.js";
import { AppError } from "../errors.js";
import { directPublish, personOf } from "../publish-review.js";
import type { Entry } from "../registry.js";
import type { Services } from "../services.js";
import type { NewVersion, ReviewInfo } from "../store/types.js";
import { findingsOf } from "./analysis.js";
import { findVersion, MAX_ID, param, queryBool, queryString } from "./common.js";
import { casesFrom } from "./tests.js";

export function summary(e: Entry): Record<string, unknown> {
  return {
    version: e.version,
    effective: e.effective,
    ...(e.end ? { end: e.end } : {}),
    ...(e.compiled.extends ? { extends: e.compiled.extends } : {}),
    title: e.title,
    status: e.status,
    origin: e.origin,
    hash: e.hash,
    publishedAt: e.publishedAt,
    ...(e.review ? { review: e.review } : {}),
    ...(e.withdrawn ? { withdrawn: e.withdrawn } : {}),
  };
}

function detail(e: Entry, withCompiled: boolean): Record<string, unknown> {
  const c = e.compiled;
  return {
    program: e.program,
    ...summary(e),
    ...(c.author ? { author: c.author } : {}),
    ...(c.change ? { change: c.change } : {}),
    outcomes: c.outcomes,
    source: e.source,
    ...(withCompiled ? { compiled: c } : {}),
  };
}

const hasErrors = (d: readonly Diagnostic[]): boolean => d.some((x) => x.severity === "error");

function serverDiagnostic(code: "server/program-mismatch" | "server/invalid-version-id", message: string): Diagnostic {
  const at = { line: 1, column: 1, offset: 0 };
  return { code, severity: "error", message, help: catalogue[code].help, start: at, end: at };
}

export interface PublishedVersion {
  program: string;
  source: string;
  compiled: CompiledPolicy;
  tests?: readonly PolicyTestCase[] | undefined;
  review: ReviewInfo;
}

/** The stored row of a version published over the API (a direct publish or an approved review). */
export function newVersion({ program, source, compiled, tests, review }: PublishedVersion): NewVersion {
  return {
    program,
    version: compiled.version,
    source,
    compiled,
    hash: compiled.hash,
    effective: compiled.effective,
    ...(compiled.end ? { end: compiled.end } : {}),
    origin: "api",
    ...(tests ? { tests } : {}),
    review,
  };
}

/**
 * Stores a version being published with its test cases and review, then serves it. The primary key decides between
 * concurrent publishes, on this replica or another: undefined when another publish of the same id won.
 */
export async function storeVersion(s: Services, v: PublishedVersion): Promise<Entry | undefined> {
  if (!(await s.store.insertVersion(newVersion(v)))) return undefined;
  return s.registry.add((await s.store.getVersion(v.program, v.compiled.version))!);
}

export function programsRouter(s: Services): Router {
  const r = Router();
  const anyRole = requireRole(s.auth);
  const author = requireRole(s.auth, "author");

  r.get("/v1/programs", anyRole, async (_req, res) => {
    if (s.store.shared) await s.registry.sync();
    res.json({
      programs: s.registry.programNames().map((program) => {
        const versions = s.registry.versions(program);
        const newest = versions.at(-1);
        // The manifest tells the editor the request id, the dates, the accepting and review outcomes.
        const manifest = newest ? s.manifests.of(newest.compiled) : s.manifests.get(program);
        return { program, outcomes: newest?.compiled.outcomes ?? [], ...(manifest ? { manifest } : {}), versions: versions.map(summary) };
      }),
    });
  });

  r.get("/v1/programs/:program/versions/:version", anyRole, async (req, res) => {
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    const include = queryString(req, "include");
    res.json(detail(entry, include === "compiled"));
  });

  r.post("/v1/compile", author, async (req, res) => {
    const { source, program } = await readBody(req, s.config.bodyLimit, CompileBody);
    const analyze = queryBool(req, "analyze", false);
    const { compiledJson, program: compiledProgram, diagnostics } = await compileSourceToText(s, source);
    const all = [...diagnostics];
    if (compiledJson && program !== undefined && compiledProgram !== program) {
      all.push(serverDiagnostic("server/program-mismatch", `the envelope says program \`${compiledProgram}\`, not \`${program}\``));
    }
    const ok = compiledJson !== undefined && !hasErrors(all);
    // Beside the diagnostics, not among them: findings take the solver a second or two and are asked for apart.
    const analysis = ok && analyze ? await findingsOf(s, JSON.parse(compiledJson) as CompiledPolicy, source) : undefined;
    const extra = analyze ? `,"analysis":${analysis ? JSON.stringify({ findings: analysis.findings, inexact: analysis.inexact, stats: analysis.stats }) : "null"}` : "";
    // The compiled policy arrives as JSON text from the compile worker and is answered as such.
    res.type("application/json").send(`{"diagnostics":${JSON.stringify(all)},"compiled":${ok ? compiledJson : "null"}${extra}}`);
  });

  r.post("/v1/programs/:program/versions", author, async (req, res) => {
    const program = param(req, "program");
    const body = await readBody(req, s.config.bodyLimit, PublishBody);
    const { source } = body;
    const { compiled, diagnostics } = await compileSource(s, source);
    if (!compiled || hasErrors(diagnostics)) {
      throw new AppError("policy-invalid", "the policy does not compile", { diagnostics });
    }
    // The version id becomes a path segment, a key and part of the publish notification (8,000 bytes at most).
    if (compiled.version.length > MAX_ID || !/^[A-Za-z0-9._+-]+$/.test(compiled.version)) {
      throw new AppError("policy-invalid", "the version id is not usable", {
        diagnostics: [serverDiagnostic("server/invalid-version-id", `the version id must be 1 to ${MAX_ID} letters, digits, \`.\`, \`_\`, \`+\` or \`-\``)],
      });
    }
    // Checked before anything is stored, so a bad case leaves no version behind.
    const tests = body.tests === undefined ? undefined : casesFrom(body.tests, "/tests", compiled);
    if (compiled.program !== program) {
      throw new AppError("program-mismatch", `the envelope says program \`${compiled.program}\`, the path \`${program}\``, {
        diagnostics: [serverDiagnostic("server/program-mismatch", `program \`${compiled.program}\` published under \`${program}\``)],
      });
    }
    const exists = (): AppError => {
      const have = s.registry.get(program, compiled.version);
      return new AppError("version-exists", `version \`${compiled.version}\` of \`${program}\` is already published`, {
        program,
        version: compiled.version,
        ...(have ? { hash: have.hash } : {}),
      });
    };
    if (s.registry.get(program, compiled.version)) throw exists();
    await assertEvaluable(s, compiled, tests ?? []);
    const review = await directPublish(s, req, compiled, tests, body);
    const entry = await storeVersion(s, { program, source, compiled, tests, review });
    if (!entry) {
      await s.registry.lookup(program, compiled.version).catch(() => undefined);
      throw exists();
    }
    req.log.info({ program, version: entry.version, hash: entry.hash }, "version published");
    res.status(201).location(`/v1/programs/${encodeURIComponent(program)}/versions/${encodeURIComponent(entry.version)}`);
    res.json({ program, ...summary(entry), diagnostics });
  });

  r.post("/v1/programs/:program/versions/:version/withdraw", author, async (req, res) => {
    const entry = await findVersion(s, param(req, "program"), param(req, "version"));
    const body = await readBody(req, s.config.bodyLimit, WithdrawBody);
    const reason = body.reason.trim();
    if (entry.status === "withdrawn") {
      throw new AppError("already-withdrawn", `version \`${entry.version}\` of \`${entry.program}\` is already withdrawn`, { withdrawn: entry.withdrawn });
    }
    const info = { at: new Date().toISOString(), by: personOf(s, req, body.name), reason };
    if (!(await s.store.withdrawVersion(entry.program, entry.version, info))) {
      await s.registry.reload(entry.program, entry.version);
      throw new AppError("already-withdrawn", `version \`${entry.version}\` of \`${entry.program}\` is already withdrawn`);
    }
    const rec = await s.store.getVersion(entry.program, entry.version);
    const now = s.registry.replace(rec!);
    req.log.info({ program: now.program, version: now.version, hash: now.hash, by: info.by, reason }, "version withdrawn");
    res.json({ program: now.program, ...summary(now) });
  });

  return r;
}
