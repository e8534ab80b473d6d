/**
 * The decision log (analyst):
 *   GET /v1/decisions       newest first. Filters: program, version, outcome, from (inclusive), to (a date: through
 *                           that day; a date-time: before it). Paging: limit (1–1000, default 100) and the opaque
 *                           `nextCursor` of the previous page as `cursor`.
 *   GET /v1/decisions/:id   one decision; `?explain=true` explains it again: the logged request under the logged
 *                           version, with the logged decision date and duplicate lookups, and says whether the
 *                           decision came out the same (`reproduced`).
 */
import { Router } from "express";
import { compareDecision } from "../../engine/test-cases.js";
import type { RuleTrace } from "../../engine/types.js";
import { requireRole } from "../auth.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Services } from "../services.js";
import { decodeCursor } from "../store/sql-store.js";
import type { DecisionRecord } from "../store/types.js";
import { onlyQuery, param, queryBool, queryInstant, queryString } from "./common.js";

interface LoggedDecision {
  outcome: string;
  reasons: { code: string }[];
  attributes: Record<string, unknown>;
  decisionDate?: string;
  lookups?: Record<string, string | null>;
}

/** The logged decision made again with its explanation; versions never change, so it must come out the same. */
async function explainAgain(s: Services, d: DecisionRecord): Promise<{ explanation: readonly RuleTrace[]; reproduced: boolean; differences?: string[] }> {
  const entry = await s.registry.lookup(d.program, d.version);
  if (!entry || entry.hash !== d.hash) {
    throw new AppError("version-unavailable", `version ${d.version} of ${d.program} with hash ${d.hash} is not served here`, { hash: d.hash });
  }
  const logged = d.decision as LoggedDecision;
  const lookups = logged.lookups ?? {};
  const again = entry.evaluator.evaluate(d.request, {
    // Decisions logged before the date was kept were made on the server's UTC date.
    decisionDate: logged.decisionDate ?? d.decidedAt.slice(0, 10),
    explain: true,
    findAccepted: (key) => (Object.hasOwn(lookups, key) ? (lookups[key] ?? undefined) : undefined),
  });
  const differences = compareDecision(again, { outcome: logged.outcome, reasons: logged.reasons.map((r) => r.code), attributes: logged.attributes });
  return { explanation: again.explanation ?? [], reproduced: differences.length === 0, ...(differences.length ? { differences } : {}) };
}

export function decisionsRouter(s: Services): Router {
  const r = Router();
  const analyst = requireRole(s.auth, "analyst");

  r.get("/v1/decisions/:id", analyst, async (req, res) => {
    onlyQuery(req, ["explain"]);
    const id = param(req, "id");
    const d = await s.store.getDecision(id);
    if (!d) throw notFound("unknown-decision", `there is no decision \`${id}\` in the log`, { id });
    const { seq: _seq, dupKey: _k, requestRef: _r, ...item } = d;
    res.json(queryBool(req, "explain", false) ? { ...item, ...(await explainAgain(s, d)) } : item);
  });

  r.get("/v1/decisions", analyst, async (req, res) => {
    onlyQuery(req, ["limit", "cursor", "program", "version", "outcome", "from", "to"]);
    const limitText = queryString(req, "limit") ?? "100";
    const limit = Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      throw badRequest("invalid-query", "query parameter `limit` must be an integer from 1 to 1000");
    }
    const cursor = queryString(req, "cursor", 100);
    if (cursor !== undefined && decodeCursor(cursor) === undefined) {
      throw badRequest("invalid-query", "query parameter `cursor` is not a cursor this server gave", { parameter: "cursor" });
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
