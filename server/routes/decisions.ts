/**
 * GET /v1/decisions (analyst): the decision log, newest first.
 * Filters: program, version, outcome, from (inclusive), to (a date: through that day; a date-time: before it).
 * Paging: limit (1–1000, default 100) and the opaque `nextCursor` of the previous page as `cursor`.
 */
import { Router } from "express";
import { requireRole } from "../auth.js";
import { badRequest } from "../errors.js";
import type { Services } from "../services.js";
import { decodeCursor } from "../store/sql-store.js";
import { queryInstant, queryString } from "./common.js";

export function decisionsRouter(s: Services): Router {
  const r = Router();
  r.get("/v1/decisions", requireRole(s.auth, "analyst"), async (req, res) => {
    const limitText = queryString(req, "limit") ?? "100";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw badRequest("invalid-query", "query parameter `limit` must be an integer from 1 to 1000");
    }
    const cursor = queryString(req, "cursor", 100);
    if (cursor !== undefined && decodeCursor(cursor) === undefined) {
      throw badRequest("invalid-query", "query parameter `cursor` is not a cursor this server gave");
    }
    const program = queryString(req, "program");
    const version = queryString(req, "version");
    const outcome = queryString(req, "outcome");
    const from = queryInstant(req, "from");
    const to = queryInstant(req, "to");
    const page = await s.store.queryDecisions({
      limit,
      ...(program !== undefined ? { program } : {}),
      ...(version !== undefined ? { version } : {}),
      ...(outcome !== undefined ? { outcome } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    res.json({
      items: page.items.map(({ seq: _seq, dupKey: _k, requestRef: _r, ...d }) => d),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    });
  });
  return r;
}
