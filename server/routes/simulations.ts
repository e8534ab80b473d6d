/**
 * What-if simulation over HTTP (role `analyst`; DESIGN.md, HTTP API; engine/simulate):
 *   GET    /v1/request-sets?program=            named request sets: shipped histories, imports, log selections
 *   POST   /v1/request-sets?program=&name=&onError=skip|fail
 *                                               import: NDJSON (application/x-ndjson), a JSON array
 *                                               (application/json) or CSV (text/csv) → 201; bad rows → 422
 *   POST   /v1/request-sets/from-log            `{ program, name?, from?, to?, version?, outcome? }`: a selection of
 *                                               the decision log → 201
 *   DELETE /v1/request-sets/:id                 an imported or selected set
 *   POST   /v1/simulations                      `{ program, baseline, candidate: { version } | { source },
 *                                               params?, baselineParams?, requestSet?, reviewOutcomes?,
 *                                               fundControl?, pageSize? }` → 202 `{ id, status }`
 *   GET    /v1/simulations/:id                  `{ id, status, progress, report? }` (status: queued, running, done,
 *                                               failed, cancelled)
 *   GET    /v1/simulations/:id/changed?offset=&limit=   changed requests, a page; `format=csv` streams them all
 *   DELETE /v1/simulations/:id                  cancels
 * Jobs, their slices, reports and changed requests, and imported sets live in the store, so any replica answers
 * for any job, and every replica's workers take its slices (server/simulation-queue.ts).
 */
import { Router, type Request } from "express";
import {
  CSV_COLUMNS, PrepareError, resolveSimulation, type ChangedRecord, type FundControlParams, type ImportFormat, type SimulationRequest,
} from "../../engine/simulate/index.js";
import { csvRow } from "../../engine/simulate/changed.js";
import { ImportTooLarge } from "../../engine/simulate/import.js";
import { QueueFull } from "../simulation-queue.js";
import { requireRole } from "../auth.js";
import { mediaType, NDJSON_TYPES, readJson, requireObject } from "../body.js";
import { compileSource } from "../compile-steps.js";
import { AppError, badRequest, notFound } from "../errors.js";
import type { Services } from "../services.js";
import { isDate, param, queryString, write } from "./common.js";

function fromPrepare(e: unknown): never {
  if (e instanceof PrepareError) throw new AppError(e.status, e.code, e.message, e.details);
  throw e;
}

const str = (body: Record<string, unknown>, name: string, required = false): string | undefined => {
  const v = body[name];
  if (v === undefined && !required) return undefined;
  if (typeof v !== "string" || v === "") throw badRequest("invalid-body", `\`${name}\` must be a non-empty string`, { errors: [{ path: `/${name}`, message: "must be a non-empty string" }] });
  return v;
};

const obj = (body: Record<string, unknown>, name: string): Record<string, unknown> | undefined => {
  const v = body[name];
  if (v === undefined) return undefined;
  if (!v || typeof v !== "object" || Array.isArray(v)) throw badRequest("invalid-body", `\`${name}\` must be an object`, { errors: [{ path: `/${name}`, message: "must be an object" }] });
  return v as Record<string, unknown>;
};

/** The body of POST /v1/simulations as a SimulationRequest (shape only; meaning is checked by resolveSimulation). */
function simulationRequest(body: Record<string, unknown>): SimulationRequest {
  const program = str(body, "program", true)!;
  const baselineRaw = body.baseline;
  const baseline = typeof baselineRaw === "object" && baselineRaw && !Array.isArray(baselineRaw) ? (baselineRaw as Record<string, unknown>).version : baselineRaw;
  if (typeof baseline !== "string" || baseline === "") throw badRequest("invalid-body", "`baseline` must be a version (\"2005.1\" or { \"version\": \"2005.1\" })", { errors: [{ path: "/baseline", message: "must be a version" }] });
  const cand = body.candidate;
  let candidate: SimulationRequest["candidate"];
  if (typeof cand === "string" && cand !== "") candidate = { version: cand };
  else if (cand && typeof cand === "object" && !Array.isArray(cand)) {
    const c = cand as Record<string, unknown>;
    if (typeof c.version === "string" && c.version !== "") candidate = { version: c.version };
    else if (typeof c.source === "string" && c.source.trim() !== "") candidate = { source: c.source };
    else throw badRequest("invalid-body", "`candidate` must be { version } or { source }", { errors: [{ path: "/candidate", message: "must have a version or a source" }] });
  } else throw badRequest("invalid-body", "`candidate` must be { version } or { source }", { errors: [{ path: "/candidate", message: "is required" }] });
  const params = obj(body, "params");
  const baselineParams = obj(body, "baselineParams");
  const requestSet = str(body, "requestSet");
  const review = body.reviewOutcomes;
  if (review !== undefined && (!Array.isArray(review) || !review.every((x) => typeof x === "string"))) {
    throw badRequest("invalid-body", "`reviewOutcomes` must be a list of outcomes", { errors: [{ path: "/reviewOutcomes", message: "must be a list of strings" }] });
  }
  const fc = body.fundControl;
  if (fc !== undefined && fc !== false && (!fc || typeof fc !== "object" || Array.isArray(fc) || (fc as { allowance?: unknown }).allowance === undefined)) {
    throw badRequest("invalid-body", "`fundControl` must be false or an object with at least `allowance`", { errors: [{ path: "/fundControl", message: "must be false or { allowance, … }" }] });
  }
  const pageSize = body.pageSize;
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || (pageSize as number) < 1 || (pageSize as number) > 1000)) {
    throw badRequest("invalid-body", "`pageSize` must be an integer from 1 to 1000", { errors: [{ path: "/pageSize", message: "must be 1–1000" }] });
  }
  return {
    program,
    baseline,
    candidate,
    ...(params ? { params } : {}),
    ...(baselineParams ? { baselineParams } : {}),
    ...(requestSet ? { requestSet } : {}),
    ...(review ? { reviewOutcomes: review as string[] } : {}),
    ...(fc !== undefined ? { fundControl: fc as FundControlParams | false } : {}),
    ...(pageSize !== undefined ? { pageSize: pageSize as number } : {}),
  };
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
  throw new AppError(415, "unsupported-media-type", "a request set is NDJSON (application/x-ndjson), a JSON array (application/json) or CSV (text/csv)", {
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
    // DESIGN.md: a list of { id, program, count, from, to } (plus name, source, invented, description).
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
      throw new AppError(413, "payload-too-large", `request body is larger than the limit of ${s.config.batchLimit} bytes`, { limit: s.config.batchLimit });
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
        throw new AppError(413, "payload-too-large", (e as Error).message, { limit: s.config.batchLimit });
      }
      throw e;
    }
    if (result.failed) {
      throw new AppError(422, "import-failed", `the request set was not imported: ${result.badRows} bad row${result.badRows === 1 ? "" : "s"}${onError === "fail" ? " (onError=skip leaves them out)" : ""}`, {
        badRows: result.badRows,
        errors: result.errors,
      });
    }
    const summary = catalog.describe(result.set!.id)!;
    res.status(201).json({ requestSet: summary, imported: result.imported, skipped: result.skipped, errors: result.errors });
  });

  r.post("/v1/request-sets/from-log", analyst, async (req, res) => {
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const program = str(body, "program", true)!;
    if (!s.registry.hasProgram(program)) throw notFound("unknown-program", `unknown program \`${program}\``, { program });
    const version = str(body, "version");
    const outcome = str(body, "outcome");
    const instant = (name: string): string | undefined => {
      const v = str(body, name);
      if (v === undefined) return undefined;
      const ok = isDate(v) || (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v) && !Number.isNaN(Date.parse(v)));
      if (!ok) throw badRequest("invalid-body", `\`${name}\` must be a date or an ISO date-time with a time zone`, { errors: [{ path: `/${name}`, message: "must be a date or date-time" }] });
      return v;
    };
    const from = instant("from");
    const to = instant("to");
    const name = str(body, "name") ?? `${program} decisions${from ? ` from ${from}` : ""}${to ? ` to ${to}` : ""}${version ? ` under ${version}` : ""}`;
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
    if (catalog.descriptor(id)) throw new AppError(409, "shipped-request-set", `\`${id}\` is a shipped history and cannot be deleted`);
    if (!(await catalog.remove(id))) throw notFound("unknown-request-set", `no request set \`${id}\``, { requestSet: id });
    res.status(204).end();
  });

  r.post("/v1/simulations", analyst, async (req, res) => {
    const sim = s.simulations;
    const body = requireObject(await readJson(req, s.config.bodyLimit));
    const request = simulationRequest(body);
    // A draft candidate is compiled on the compile pool, off the event loop (issue 11), then handed over as compiled.
    const draft = "source" in request.candidate ? await compileSource(s, request.candidate.source) : undefined;
    const policies = draft ? { ...sim.policies, compileDraft: () => draft } : sim.policies;
    let resolved;
    await sim.catalog.refresh(); // a set imported on another replica
    try {
      resolved = resolveSimulation(request, { policies, catalog: sim.catalog });
    } catch (e) {
      fromPrepare(e);
    }
    let job;
    try {
      job = await sim.queue.start(resolved, {
        program: request.program,
        baseline: request.baseline,
        candidate: "version" in request.candidate ? request.candidate.version : "draft",
        requestSet: resolved.setId,
      });
    } catch (e) {
      if (e instanceof QueueFull) throw new AppError(503, "simulations-busy", e.message);
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
    if (job.status !== "done") throw new AppError(409, "simulation-not-done", `the simulation is ${job.status}`, { status: job.status });
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

/**
 * The paths above as OpenAPI 3.1, for server/openapi.ts to spread into its `paths` (`...simulationOpenApiPaths()`);
 * errors refer to its shared `#/components/responses/E<status>`.
 */
export function simulationOpenApiPaths(): Record<string, unknown> {
  const json = (schema: object) => ({ "application/json": { schema } });
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));
  const analystOnly = { "x-roles": ["analyst"] };
  const requestSet = {
    type: "object",
    required: ["id", "program", "count"],
    properties: {
      id: { type: "string" }, program: { type: "string" }, name: { type: "string" }, count: { type: "integer" },
      from: { type: "string", format: "date" }, to: { type: "string", format: "date" },
      source: { enum: ["synthetic", "import", "decision-log"] }, invented: { type: "boolean" }, description: { type: "string" },
    },
  };
  const job = {
    type: "object",
    required: ["id", "status", "progress"],
    properties: {
      id: { type: "string" },
      status: { enum: ["queued", "running", "done", "failed", "cancelled"] },
      progress: { type: "number", minimum: 0, maximum: 1 },
      phase: { enum: ["generating", "simulating"] },
      program: { type: "string" }, baseline: { type: "string" }, candidate: { type: "string" }, requestSet: { type: "string" },
      createdAt: { type: "string", format: "date-time" }, startedAt: { type: "string", format: "date-time" }, finishedAt: { type: "string", format: "date-time" },
      startedBy: { type: "string", description: "the replica that took the request (PRECEPT_REPLICA_ID)" },
      slices: { type: "object", required: ["total", "done"], properties: { total: { type: "integer" }, done: { type: "integer" } } },
      replicas: {
        type: "object", description: "each replica's share: the slices and requests it finished",
        additionalProperties: { type: "object", required: ["slices", "requests"], properties: { slices: { type: "integer" }, requests: { type: "integer" } } },
      },
      report: { type: "object", description: "when done: total, baseline/candidate counts, shares and cost per outcome, transitions, reviewsPerWeek, byFiscalYear, changed (first page), rulesNeverFired, fundControl (programs with a priority attribute)" },
      error: { type: "object", properties: { code: { type: "string" }, message: { type: "string" } } },
    },
  };
  const id = { name: "id", in: "path", required: true, schema: { type: "string" } };
  return {
    "/v1/request-sets": {
      get: {
        ...analystOnly, operationId: "listRequestSets", summary: "Named request sets: shipped histories, imports, decision-log selections",
        parameters: [{ name: "program", in: "query", schema: { type: "string" } }],
        responses: { 200: { description: "the sets", content: json({ type: "array", items: requestSet }) }, ...errors(401, 403) },
      },
      post: {
        ...analystOnly, operationId: "importRequestSet", summary: "Import NDJSON, a JSON array or CSV; bad rows fail the import or are skipped",
        parameters: [
          { name: "program", in: "query", required: true, schema: { type: "string" } },
          { name: "name", in: "query", schema: { type: "string" } },
          { name: "onError", in: "query", schema: { enum: ["fail", "skip"], default: "fail" } },
        ],
        requestBody: { required: true, content: { "application/x-ndjson": { schema: { type: "string" } }, "application/json": { schema: { type: "array" } }, "text/csv": { schema: { type: "string" } } } },
        responses: {
          201: { description: "imported", content: json({ type: "object", properties: { requestSet, imported: { type: "integer" }, skipped: { type: "integer" }, errors: { type: "array" } } }) },
          ...errors(400, 401, 403, 404, 413, 415, 422),
        },
      },
    },
    "/v1/request-sets/from-log": {
      post: {
        ...analystOnly, operationId: "selectRequestSet", summary: "A request set from the decision log (program, date range, version, outcome)",
        requestBody: { required: true, content: json({ type: "object", required: ["program"], properties: { program: { type: "string" }, name: { type: "string" }, from: { type: "string" }, to: { type: "string" }, version: { type: "string" }, outcome: { type: "string" } } }) },
        responses: { 201: { description: "selected", content: json({ type: "object", properties: { requestSet } }) }, ...errors(400, 401, 403, 404) },
      },
    },
    "/v1/request-sets/{id}": {
      delete: { ...analystOnly, operationId: "deleteRequestSet", parameters: [id], responses: { 204: { description: "deleted" }, ...errors(401, 403, 404, 409) } },
    },
    "/v1/simulations": {
      post: {
        ...analystOnly, operationId: "startSimulation", summary: "Replay a request set through a baseline and a candidate (a version or a draft source)",
        requestBody: {
          required: true,
          content: json({
            type: "object",
            required: ["program", "baseline", "candidate"],
            properties: {
              program: { type: "string" }, baseline: { type: "string" },
              candidate: { oneOf: [{ type: "object", required: ["version"], properties: { version: { type: "string" } } }, { type: "object", required: ["source"], properties: { source: { type: "string" } } }] },
              params: { type: "object" }, baselineParams: { type: "object" }, requestSet: { type: "string" },
              reviewOutcomes: { type: "array", items: { type: "string" } }, fundControl: { oneOf: [{ const: false }, { type: "object", required: ["allowance"] }] },
              pageSize: { type: "integer", minimum: 1, maximum: 1000 },
            },
          }),
        },
        responses: { 202: { description: "queued", content: json(job) }, ...errors(400, 401, 403, 404, 413, 415, 422), 503: { description: "too many simulations waiting" } },
      },
    },
    "/v1/simulations/{id}": {
      get: { ...analystOnly, operationId: "getSimulation", parameters: [id], responses: { 200: { description: "the job", content: json(job) }, ...errors(401, 403, 404) } },
      delete: { ...analystOnly, operationId: "cancelSimulation", parameters: [id], responses: { 200: { description: "cancelled (or already finished)", content: json(job) }, ...errors(401, 403, 404) } },
    },
    "/v1/simulations/{id}/changed": {
      get: {
        ...analystOnly, operationId: "changedRequests", summary: "Changed requests of a finished simulation, a page at a time (format=csv: all of them)",
        parameters: [id, { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } }, { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } }, { name: "format", in: "query", schema: { enum: ["csv"] } }],
        responses: { 200: { description: "a page", content: { ...json({ type: "object", properties: { total: { type: "integer" }, offset: { type: "integer" }, limit: { type: "integer" }, items: { type: "array" }, nextOffset: { type: "integer" } } }), "text/csv": { schema: { type: "string" } } } }, ...errors(400, 401, 403, 404), 409: { description: "the simulation is not done" } },
      },
    },
  };
}
