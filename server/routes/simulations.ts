/**
 * What-if simulation over HTTP (role `analyst`; docs/simulation.md, docs/server.md; engine/simulate):
 *   GET    /v1/request-sets?program=            named request sets: shipped histories, imports, log selections
 *   POST   /v1/request-sets?program=&name=&onError=skip|fail
 *                                               import: NDJSON (application/x-ndjson), a JSON array
 *                                               (application/json) or CSV (text/csv) → 201; bad rows → 422
 *   POST   /v1/request-sets/from-log            `{ program, name?, from?, to?, version?, outcome? }`: a selection of
 *                                               the decision log → 201
 *   DELETE /v1/request-sets/:id                 an imported or selected set
 *   POST   /v1/simulations                      `{ program, baseline: "<version>", candidate: { version } | { source },
 *                                               params?, baselineParams?, requestSet?, reviewOutcomes?,
 *                                               fundControl?, pageSize? }` → 202 `{ id, status }` (server/contract)
 *   GET    /v1/simulations/:id                  `{ id, status, progress, report? }` (status: queued, running, done,
 *                                               failed, cancelled)
 *   GET    /v1/simulations/:id/changed?offset=&limit=   changed requests, a page; `format=csv` streams them all
 *   DELETE /v1/simulations/:id                  cancels
 * Jobs, their slices, reports and changed requests, and imported sets live in the store, so any replica answers
 * for any job, and every replica's workers take its slices (server/simulation-queue.ts).
 */
import { Router, type Request } from "express";
import {
  CSV_COLUMNS, resolveSimulation, type ChangedRecord, type FundControlParams, type ImportFormat, type SimulationRequest,
} from "../../engine/simulate/index.js";
import { csvRow } from "../../engine/simulate/changed.js";
import { ImportTooLarge } from "../../engine/simulate/import.js";
import { QueueFull } from "../simulation-queue.js";
import { requireRole } from "../auth.js";
import { mediaType, NDJSON_TYPES } from "../body.js";
import { compileSource } from "../compile-steps.js";
import { FromLogBody, SimulationBody, type Static } from "../contract/schemas.js";
import { readBody } from "../contract/validate.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Services } from "../services.js";
import { isDate, param, queryString, write } from "./common.js";

/** The body of POST /v1/simulations (its shape is the contract's; meaning is checked by resolveSimulation). */
function simulationRequest(body: Static<typeof SimulationBody>): SimulationRequest {
  const { fundControl, ...rest } = body;
  return { ...rest, ...(fundControl !== undefined ? { fundControl: fundControl as FundControlParams | false } : {}) };
}

function intQuery(req: Request, name: string, fallback: number, min: number, max: number): number {
  const text = queryString(req, name);
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw badRequest("invalid-query", `query parameter \`${name}\` must be an integer from ${min} to ${max}`);
  return n;
}

function importFormat(req: Request): ImportFormat {
  const t = mediaType(req);
  if (NDJSON_TYPES.includes(t)) return "ndjson";
  if (t === "application/json") return "json";
  if (t === "text/csv" || t === "application/csv") return "csv";
  throw new AppError("unsupported-media-type", "a request set is NDJSON (application/x-ndjson), a JSON array (application/json) or CSV (text/csv)", {
    received: t || null,
    accepted: ["application/x-ndjson", "application/json", "text/csv"],
  });
}

export function simulationsRouter(s: Services): Router {
  const r = Router();
  const analyst = requireRole(s.auth, "analyst");

  const { catalog, queue } = s.simulations;

  r.get("/v1/request-sets", analyst, async (req, res) => {
    const program = queryString(req, "program");
    await catalog.refresh();
    // The listing (docs/simulation.md): a list of { id, program, count, from, to } (plus name, source, invented, description).
    res.json(catalog.list(program));
  });

  r.post("/v1/request-sets", analyst, async (req, res) => {
    const program = queryString(req, "program");
    if (!program) throw badRequest("invalid-query", "query parameter `program` is required");
    const latest = s.registry.versions(program).at(-1);
    if (!latest) throw notFound("unknown-program", `unknown program \`${program}\``, { program });
    const format = importFormat(req);
    const onError = queryString(req, "onError") ?? "fail";
    if (onError !== "skip" && onError !== "fail") throw badRequest("invalid-query", "query parameter `onError` must be skip or fail");
    const name = queryString(req, "name") ?? `import ${new Date().toISOString()}`;
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > s.config.batchLimit) {
      throw new AppError("payload-too-large", `request body is larger than the limit of ${s.config.batchLimit} bytes`, { limit: s.config.batchLimit });
    }
    let result;
    try {
      result = await catalog.import({
        program,
        name,
        format,
        input: req as AsyncIterable<Buffer>,
        validate: (x) => latest.evaluator.validate(x),
        schema: latest.compiled.requestSchema,
        onError,
        maxBytes: s.config.batchLimit,
      });
    } catch (e) {
      if (e instanceof ImportTooLarge) {
        throw new AppError("payload-too-large", (e as Error).message, { limit: s.config.batchLimit });
      }
      throw e;
    }
    if (result.failed) {
      throw new AppError("import-failed", `the request set was not imported: ${result.badRows} bad row${result.badRows === 1 ? "" : "s"}${onError === "fail" ? " (onError=skip leaves them out)" : ""}`, {
        badRows: result.badRows,
        errors: result.errors,
      });
    }
    const summary = catalog.describe(result.set!.id)!;
    res.status(201).json({ requestSet: summary, imported: result.imported, skipped: result.skipped, errors: result.errors });
  });

  r.post("/v1/request-sets/from-log", analyst, async (req, res) => {
    const body = await readBody(req, s.config.bodyLimit, FromLogBody);
    const { program, version, outcome, from, to } = body;
    if (!s.registry.hasProgram(program)) throw notFound("unknown-program", `unknown program \`${program}\``, { program });
    for (const [name, v] of [["from", from], ["to", to]] as const) {
      if (v !== undefined && !(isDate(v.slice(0, 10)) && (v.length === 10 || !Number.isNaN(Date.parse(v))))) {
        throw badRequest("invalid-body", `\`${name}\` must be a date or an ISO date-time with a time zone`, { errors: [{ path: `/${name}`, message: "must be a date or date-time" }] });
      }
    }
    const name = body.name ?? `${program} decisions${from ? ` from ${from}` : ""}${to ? ` to ${to}` : ""}${version ? ` under ${version}` : ""}`;
    const pages = async function* () {
      let cursor: string | undefined;
      for (;;) {
        const page = await s.store.queryDecisions({
          program,
          limit: 1000,
          ...(version ? { version } : {}),
          ...(outcome ? { outcome } : {}),
          ...(from ? { from } : {}),
          ...(to ? { to } : {}),
          ...(cursor ? { cursor } : {}),
        });
        yield page.items;
        if (!page.nextCursor) return;
        cursor = page.nextCursor;
      }
    };
    const meta = await catalog.fromDecisionLog(program, name, pages(), { from, to, version, outcome });
    if (!meta) throw notFound("no-decisions", "the decision log has no decisions matching the selection", { program, from, to, version, outcome });
    res.status(201).json({ requestSet: catalog.describe(meta.id) });
  });

  r.delete("/v1/request-sets/:id", analyst, async (req, res) => {
    const id = param(req, "id");
    if (catalog.descriptor(id)) throw new AppError("shipped-request-set", `\`${id}\` is a shipped history and cannot be deleted`);
    if (!(await catalog.remove(id))) throw notFound("unknown-request-set", `no request set \`${id}\``, { requestSet: id });
    res.status(204).end();
  });

  r.post("/v1/simulations", analyst, async (req, res) => {
    const sim = s.simulations;
    const request = simulationRequest(await readBody(req, s.config.bodyLimit, SimulationBody));
    // A draft candidate is compiled on the compile pool, off the event loop (issue 11), then handed over as compiled.
    const draft = "source" in request.candidate ? await compileSource(s, request.candidate.source) : undefined;
    const policies = draft ? { ...sim.policies, compileDraft: () => draft } : sim.policies;
    await sim.catalog.refresh(); // a set imported on another replica
    // Its AppErrors carry codes the error middleware maps to statuses.
    const resolved = resolveSimulation(request, { policies, catalog: sim.catalog });
    let job;
    try {
      job = await sim.queue.start(resolved, {
        program: request.program,
        baseline: request.baseline,
        candidate: "version" in request.candidate ? request.candidate.version : "draft",
        requestSet: resolved.setId,
      });
    } catch (e) {
      if (e instanceof QueueFull) throw new AppError("simulations-busy", e.message);
      throw e;
    }
    res.status(202).setHeader("Location", `/v1/simulations/${job.id}`);
    res.json({ id: job.id, status: job.status, progress: job.progress });
  });

  r.get("/v1/simulations/:id", analyst, async (req, res) => {
    const job = await queue.get(param(req, "id"));
    if (!job) throw notFound("unknown-simulation", `no simulation \`${param(req, "id")}\``);
    res.json(job);
  });

  r.get("/v1/simulations/:id/changed", analyst, async (req, res) => {
    const id = param(req, "id");
    const job = await queue.get(id);
    if (!job) throw notFound("unknown-simulation", `no simulation \`${id}\``);
    if (job.status !== "done") throw new AppError("simulation-not-done", `the simulation is ${job.status}`, { status: job.status });
    if (queryString(req, "format") === "csv") {
      res.status(200).type("text/csv").setHeader("Content-Disposition", `attachment; filename="${id}-changed.csv"`);
      if (!(await write(res, `${CSV_COLUMNS.join(",")}\n`))) return;
      for await (const rec of queue.allChanged(id)) if (!(await write(res, `${csvRow(rec as ChangedRecord)}\n`))) return;
      res.end();
      return;
    }
    const offset = intQuery(req, "offset", 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(req, "limit", 50, 1, 1000);
    const page = await queue.changed(id, offset, limit);
    res.json({ id, total: page.total, offset, limit, items: page.items, ...(offset + page.items.length < page.total ? { nextOffset: offset + page.items.length } : {}) });
  });

  r.delete("/v1/simulations/:id", analyst, async (req, res) => {
    const job = await queue.cancel(param(req, "id"));
    if (!job) throw notFound("unknown-simulation", `no simulation \`${param(req, "id")}\``);
    const { report: _r, ...rest } = job;
    res.json(rest);
  });

  return r;
}
