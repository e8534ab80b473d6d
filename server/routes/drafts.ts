/**
 * Drafts shared through the server, so that an author can pick a draft up on another machine and a reviewer can
 * read it before it is published. A draft is the editor's draft of one route: `2010.1` (changes to 2010.1) or
 * `2010.1+new` (a new version extending 2010.1). Drafts may not compile; nothing here compiles them.
 *   GET    /v1/drafts?program=                 the program's drafts, newest first (any role)
 *   GET    /v1/drafts/:program/:name           one draft with its source (any role)
 *   PUT    /v1/drafts/:program/:name           `{ source, base, revision? }` (author): with `revision` (0 for a new
 *                                              draft), 409 `draft-changed` if someone saved another revision since
 *   DELETE /v1/drafts/:program/:name           (author) 204
 */
import { Router } from "express";
import { requireRole } from "../auth.js";
import { DraftBody } from "../contract/schemas.js";
import { readBody } from "../contract/validate.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Services } from "../services.js";
import { findVersion, param, queryString, unknownProgram } from "./common.js";

const NAME = /^[A-Za-z0-9._-]{1,64}(\+new)?$/;

function draftName(raw: string): string {
  if (!NAME.test(raw)) throw badRequest("invalid-name", "a draft name is a version id, or a version id followed by `+new`", { name: raw });
  return raw;
}

export function draftsRouter(s: Services): Router {
  const r = Router();
  const anyRole = requireRole(s.auth);
  const author = requireRole(s.auth, "author");

  r.get("/v1/drafts", anyRole, async (req, res) => {
    const program = queryString(req, "program");
    if (program === undefined) throw badRequest("invalid-query", "query parameter `program` is required");
    if (!s.registry.hasProgram(program)) throw unknownProgram(program);
    res.json({ drafts: await s.store.listDrafts(program) });
  });

  r.get("/v1/drafts/:program/:name", anyRole, async (req, res) => {
    const program = param(req, "program");
    const name = draftName(param(req, "name"));
    const d = await s.store.getDraft(program, name);
    if (!d) throw notFound("unknown-draft", `there is no shared draft \`${name}\` of \`${program}\``, { program, name });
    res.json(d);
  });

  r.put("/v1/drafts/:program/:name", author, async (req, res) => {
    const program = param(req, "program");
    const name = draftName(param(req, "name"));
    const body = await readBody(req, s.config.bodyLimit, DraftBody);
    // The base must be a published version of this program (404 otherwise): a draft starts from one.
    await findVersion(s, program, body.base);
    const saved = await s.store.putDraft({
      program, name, base: body.base, source: body.source,
      ...(body.revision !== undefined ? { revision: body.revision } : {}),
    });
    if ("conflict" in saved) {
      const { source: _s, ...current } = saved.conflict;
      throw new AppError("draft-changed", `the draft was saved as revision ${current.revision} since revision ${String(body.revision)}`, current);
    }
    req.log.info({ program, name, revision: saved.revision }, "draft shared");
    const { source: _s, ...meta } = saved;
    res.json(meta);
  });

  r.delete("/v1/drafts/:program/:name", author, async (req, res) => {
    const program = param(req, "program");
    const name = draftName(param(req, "name"));
    if (!(await s.store.deleteDraft(program, name))) throw notFound("unknown-draft", `there is no shared draft \`${name}\` of \`${program}\``, { program, name });
    res.status(204).end();
  });

  return r;
}
