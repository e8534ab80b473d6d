/**
 * The OpenAPI 3.1 document, generated: every body schema is the contract's (server/contract/schemas.ts, the same
 * objects the routes validate with and the editor's types come from), every error response lists the codes the
 * one table (server/errors.ts) gives its status, and each program's request schema is the `requestSchema`
 * embedded in its compiled policies, the very schema the evaluator validates with. Evaluate paths are emitted
 * per program (a templated `{program}` path could not name a different body schema per program).
 */
import { Manifests } from "../engine/program-manifest.js";
import { CONTRACT_SCHEMAS } from "./contract/schemas.js";
import { HTTP_STATUS } from "./errors.js";
import type { Registry, Entry } from "./registry.js";

type Schema = Record<string, unknown>;

/** Embeds a standalone JSON Schema under components: root-relative `$ref`s point into its new home. */
export function embedSchema(schema: unknown, home: string, root = true): unknown {
  if (Array.isArray(schema)) return schema.map((s) => embedSchema(s, home, false));
  if (schema === null || typeof schema !== "object") return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema as Schema)) {
    if (root && (k === "$schema" || k === "$id")) continue;
    if (k === "$ref" && typeof v === "string" && v.startsWith("#")) out[k] = `${home}${v.slice(1)}`;
    else out[k] = embedSchema(v, home, false);
  }
  return out;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema): Schema => ({ "application/json": { schema } });
const errorResponses = (...codes: number[]): Record<string, unknown> =>
  Object.fromEntries(codes.map((c) => [String(c), { $ref: `#/components/responses/E${c}` }]));

const ERROR_TEXT: Record<number, string> = {
  400: "malformed JSON, a forbidden key, NUL or a lone surrogate, a non-finite number, nesting past 100 levels (details.path), a request that breaks the schema (details.errors lists each JSON path, at most PRECEPT_MAX_ERRORS, details.more counts the rest), or a malformed, repeated or unknown parameter (details.parameter)",
  401: "missing or unknown API key",
  403: "the key's role may not do this (or: no keys configured and the client is not on loopback)",
  404: "unknown program or version",
  409: "conflict with what is stored (the version is already published; a logged decision's version is not served here)",
  413: "body larger than the configured limit",
  410: "the version was withdrawn (details.reason says why)",
  415: "wrong content type",
  422: "the policy does not compile, exceeds a size or compile budget (`policy-limit`, a `limit/…` diagnostic), cannot be evaluated (`policy-unevaluable`), or publishing is refused (`publish-refused`: details.reasons in words); details.diagnostics",
  500: "a fault of the server (logged with its stack; nothing internal is answered)",
  503: "the server cannot do this now (the store is away: disk full or database unreachable, nothing was decided; or the compile workers are busy: `compile-busy`, `compile-failed`): try again shortly",
};

/** The contract's schemas as plain JSON (TypeBox marks its objects with symbols, which JSON drops anyway). */
function contractComponents(): Schema {
  return JSON.parse(JSON.stringify(CONTRACT_SCHEMAS)) as Schema;
}

/** One error response per status: the shared Error body, its code one of those the table gives that status. */
function errorComponents(): Record<string, unknown> {
  const byStatus = new Map<number, string[]>();
  for (const [code, status] of Object.entries(HTTP_STATUS)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  return Object.fromEntries([...byStatus].sort(([a], [b]) => a - b).map(([status, codes]) => [`E${status}`, {
    description: ERROR_TEXT[status] ?? "error",
    content: json({ allOf: [ref("Error"), { type: "object", properties: { error: { type: "object", properties: { code: { enum: codes } } } } }] }),
  }]));
}

function evaluateOps(program: string, entries: Entry[], components: Schema, dateOfService: string): Record<string, unknown> {
  // One component per distinct request schema; the newest version's is `<program>.Request`.
  const newest = entries.at(-1)!;
  const names = new Map<string, string>();
  const bodyFor = new Map<string, Schema>();
  for (const e of [...entries].reverse()) {
    const text = JSON.stringify(e.compiled.requestSchema);
    let name = names.get(text);
    if (!name) {
      name = e === newest ? `${program}.Request` : `${program}_${e.version}.Request`;
      names.set(text, name);
      components[name] = embedSchema(e.compiled.requestSchema, `#/components/schemas/${name}`);
    }
    bodyFor.set(e.version, ref(name));
  }
  const distinct = [...new Set([...bodyFor.values()].map((r) => r.$ref as string))].map((r) => ({ $ref: r }));
  const anyVersionBody: Schema = distinct.length === 1 ? distinct[0]! : { anyOf: distinct };
  const decisionName = `${program}.Decision`;
  components[decisionName] = { allOf: [ref("Decision"), { properties: { outcome: { enum: newest.compiled.outcomes } } }] };
  const versionParam = { name: "version", in: "path", required: true, schema: { enum: entries.map((e) => e.version) } };
  const queryParams = [
    { name: "explain", in: "query", schema: { type: "boolean" }, description: "include the rule-by-rule explanation" },
    { name: "decisionDate", in: "query", schema: { type: "string", format: "date" }, description: "the date today() returns" },
    { name: "counterfactual", in: "query", schema: { type: "boolean" }, description: "add `counterfactual`: the nearest requests with another outcome, changing only actionable fields" },
  ];
  const tag = [program];
  const sec = { "x-precept-role": "service" };
  return {
    [`/v1/programs/${program}/evaluate`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_${program}`,
        summary: `Decide one ${program} request under the version in force on its ${dateOfService}`,
        parameters: queryParams,
        requestBody: { required: true, content: json(anyVersionBody) },
        responses: { 200: { description: "the decision (logged)", content: json(ref(decisionName)) }, ...errorResponses(400, 401, 403, 404, 413, 415, 503) },
      },
    },
    [`/v1/programs/${program}/versions/{version}/evaluate`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_${program}_version`,
        summary: `Decide one ${program} request under a named version`,
        parameters: [versionParam, ...queryParams],
        requestBody: { required: true, content: json(anyVersionBody) },
        responses: { 200: { description: "the decision (logged)", content: json(ref(decisionName)) }, ...errorResponses(400, 401, 403, 404, 410, 413, 415, 503) },
      },
    },
    [`/v1/programs/${program}/versions/{version}/evaluate-batch`]: {
      post: {
        tags: tag, ...sec, operationId: `evaluate_batch_${program}`,
        summary: `Decide many ${program} requests; the answer streams one item per request, in order, in the input's format`,
        parameters: [versionParam, ...queryParams],
        requestBody: {
          required: true,
          description: "a JSON array of requests, or NDJSON: one request per line (the schema is that of a line)",
          content: {
            "application/json": { schema: { type: "array", items: anyVersionBody } },
            "application/x-ndjson": { schema: anyVersionBody },
          },
        },
        responses: {
          200: {
            description: "decisions (or, at the position of a bad item, an Error object with details.index); an NDJSON body past the batch limit ends with a payload-too-large Error whose details.index is the number answered and details.line the first line not read",
            content: {
              "application/json": { schema: { type: "array", items: { oneOf: [ref(decisionName), ref("Error")] } } },
              "application/x-ndjson": { schema: { oneOf: [ref(decisionName), ref("Error")] } },
            },
          },
          ...errorResponses(400, 401, 403, 404, 413, 415, 503),
        },
      },
    },
  };
}

const pathParam = (name: string, description?: string, schema: Schema = { type: "string" }): Schema =>
  ({ name, in: "path", required: true, schema, ...(description ? { description } : {}) });
const body = (name: string, required = true): Schema => ({ required, content: json(ref(name)) });
const answer = (description: string, name?: string): Schema => (name ? { description, content: json(ref(name)) } : { description });
const role = (...roles: string[]): Schema => ({ "x-precept-role": roles.join(" or ") });

/** The routes other than evaluate: every body a contract component. */
function genericPaths(): Record<string, unknown> {
  const program = pathParam("program");
  const version = pathParam("version");
  const id = pathParam("id");
  return {
    "/health": { get: { security: [], operationId: "health", responses: { 200: answer("alive", "Health") } } },
    "/ready": { get: { security: [], operationId: "ready", responses: { 200: answer("ready", "Ready"), 503: answer("not ready", "Ready") } } },
    "/openapi.json": { get: { security: [], operationId: "openapi", responses: { 200: { description: "this document", content: json({ type: "object" }) } } } },
    "/v1/programs": {
      get: { operationId: "listPrograms", summary: "Programs with their manifest and versions", responses: { 200: answer("programs", "ProgramList"), ...errorResponses(401, 403) } },
    },
    "/v1/programs/{program}/versions/{version}": {
      get: {
        operationId: "getVersion", summary: "A version's source, metadata and compiled hash",
        parameters: [program, version, { name: "include", in: "query", schema: { enum: ["compiled"] } }],
        responses: { 200: answer("the version", "VersionDetail"), ...errorResponses(400, 401, 403, 404) },
      },
    },
    "/v1/programs/{program}/versions": {
      post: {
        ...role("author"), operationId: "publishVersion", summary: "Publish a version (no keys configured: self-approved; otherwise 403 review-required); its id and dates come from the source's envelope",
        parameters: [program], requestBody: body("PublishBody"),
        responses: { 201: answer("published", "PublishAnswer"), ...errorResponses(400, 401, 403, 409, 413, 415, 422, 503) },
      },
    },
    "/v1/programs/{program}/versions/{version}/withdraw": {
      parameters: [program, version],
      post: {
        ...role("author"), operationId: "withdrawVersion", summary: "Withdraw a version: still readable and explainable, never in force, evaluating under it answers 410",
        requestBody: body("WithdrawBody"), responses: { 200: answer("withdrawn", "PublishedAnswer"), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    "/v1/programs/{program}/reviews": {
      parameters: [program],
      get: { operationId: "listReviews", summary: "Drafts submitted for review, newest first", responses: { 200: answer("reviews", "ReviewList"), ...errorResponses(400, 401, 403, 404) } },
      post: {
        ...role("author"), operationId: "submitReview", summary: "Submit a draft for review; a second author approves it (server/publish-review.ts)",
        requestBody: body("ReviewBody"),
        responses: { 201: answer("submitted, with the checks (failing test cases, a past effective date and the decisions it would move)", "ReviewAnswer"), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
      },
    },
    "/v1/programs/{program}/dry-run": {
      post: {
        ...role("author"), operationId: "dryRun",
        summary: "Decide a request under a draft (unpublished source) as the server would, duplicates looked up in the decision log; nothing is logged or accepted",
        parameters: [program], requestBody: body("DryRunBody"),
        responses: { 200: answer("the decision; `lookups` says what duplicateOf was told", "DryRunAnswer"), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503) },
      },
    },
    "/v1/programs/{program}/reviews/{id}": {
      parameters: [program, id],
      get: { operationId: "getReview", summary: "A review with its source and the checks run again now", responses: { 200: answer("the review", "ReviewAnswer"), ...errorResponses(400, 401, 403, 404) } },
    },
    "/v1/programs/{program}/reviews/{id}/approve": {
      parameters: [program, id],
      post: {
        ...role("author"), operationId: "approveReview", summary: "Approve (another author's key) and publish; a past date needs confirmRetroactive = the affected decisions",
        requestBody: body("ApproveBody"), responses: { 201: answer("published", "PublishedAnswer"), ...errorResponses(400, 401, 403, 404, 409, 413, 415, 422, 503) },
      },
    },
    "/v1/programs/{program}/reviews/{id}/reject": {
      parameters: [program, id],
      post: {
        ...role("author"), operationId: "rejectReview", summary: "Send a draft back to its author, with the reason",
        requestBody: body("RejectBody"), responses: { 200: answer("rejected", "ReviewAnswer"), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
    },
    "/v1/programs/{program}/versions/{version}/tests": {
      parameters: [program, version],
      get: { operationId: "getTests", summary: "A version's test cases (empty when it has none)", responses: { 200: answer("the cases", "Tests"), ...errorResponses(400, 401, 403, 404) } },
      put: {
        ...role("author"), operationId: "saveTests", summary: "Replace a version's test cases; answers how each runs under the version",
        requestBody: body("TestsBody"), responses: { 200: answer("saved", "TestsSaved"), ...errorResponses(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    "/v1/compile": {
      post: {
        ...role("author"), operationId: "compile", summary: "Compile a draft; nothing is stored (`analyze=true`: the solver's findings beside the diagnostics)",
        parameters: [{ name: "analyze", in: "query", schema: { type: "boolean", default: false } }],
        requestBody: body("CompileBody"), responses: { 200: answer("diagnostics and, when there is no error, the compiled policy", "CompileAnswer"), ...errorResponses(400, 401, 403, 413, 415, 422, 503) },
      },
    },
    "/v1/decisions": {
      get: {
        ...role("analyst"), operationId: "listDecisions", summary: "The decision log, newest first",
        parameters: [
          ...["program", "version", "outcome"].map((name) => ({ name, in: "query", schema: { type: "string" } })),
          { name: "from", in: "query", schema: { type: "string" }, description: "date or date-time, inclusive" },
          { name: "to", in: "query", schema: { type: "string" }, description: "a date (through that day) or a date-time (exclusive)" },
          { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000, default: 100 } },
          { name: "cursor", in: "query", schema: { type: "string" } },
        ],
        responses: { 200: answer("a page", "DecisionPage"), ...errorResponses(400, 401, 403) },
      },
    },
    "/v1/decisions/{id}": {
      get: {
        ...role("analyst"), operationId: "getDecision", summary: "One logged decision; with explain=true, explained again under its version, date and duplicate lookups",
        parameters: [id, { name: "explain", in: "query", schema: { type: "boolean", default: false } }],
        responses: { 200: answer("the decision (with `explanation`, `reproduced` and any `differences` when explained)", "ExplainedDecision"), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    "/v1/drafts": {
      get: {
        operationId: "listDrafts", summary: "A program's shared drafts, newest first",
        parameters: [{ name: "program", in: "query", required: true, schema: { type: "string" } }],
        responses: { 200: answer("drafts (without their source)", "DraftList"), ...errorResponses(400, 401, 403, 404) },
      },
    },
    "/v1/drafts/{program}/{name}": {
      parameters: [program, pathParam("name", "the version the draft changes, or `<version>+new` for a new version extending it", { type: "string", pattern: "^[A-Za-z0-9._-]{1,64}(\\+new)?$" })],
      get: { operationId: "getDraft", summary: "A shared draft with its source", responses: { 200: answer("the draft", "Draft"), ...errorResponses(400, 401, 403, 404) } },
      put: {
        ...role("author"), operationId: "saveDraft", summary: "Share a draft; with `revision`, only over that revision (409 draft-changed otherwise)",
        requestBody: body("DraftBody"), responses: { 200: answer("saved", "DraftMeta"), ...errorResponses(400, 401, 403, 404, 409, 413, 415) },
      },
      delete: { ...role("author"), operationId: "deleteDraft", summary: "Delete a shared draft", responses: { 204: answer("deleted"), ...errorResponses(400, 401, 403, 404) } },
    },
    "/v1/request-sets": {
      get: {
        ...role("analyst"), operationId: "listRequestSets", summary: "Named request sets: shipped histories, imports, decision-log selections",
        parameters: [{ name: "program", in: "query", schema: { type: "string" } }],
        responses: { 200: answer("the sets", "RequestSetList"), ...errorResponses(400, 401, 403) },
      },
      post: {
        ...role("analyst"), operationId: "importRequestSet", summary: "Import NDJSON, a JSON array or CSV; bad rows fail the import or are skipped",
        parameters: [
          { name: "program", in: "query", required: true, schema: { type: "string" } },
          { name: "name", in: "query", schema: { type: "string" } },
          { name: "onError", in: "query", schema: { enum: ["fail", "skip"], default: "fail" } },
        ],
        requestBody: {
          required: true,
          description: "requests of the program (each checked against its newest version's request schema)",
          content: { "application/x-ndjson": { schema: { type: "object" } }, "application/json": { schema: { type: "array", items: { type: "object" } } }, "text/csv": { schema: { type: "string" } } },
        },
        responses: { 201: answer("imported", "RequestSetImported"), ...errorResponses(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    "/v1/request-sets/from-log": {
      post: {
        ...role("analyst"), operationId: "selectRequestSet", summary: "A request set from the decision log (program, date range, version, outcome)",
        requestBody: body("FromLogBody"), responses: { 201: answer("selected", "RequestSetSelected"), ...errorResponses(400, 401, 403, 404, 413, 415) },
      },
    },
    "/v1/request-sets/{id}": {
      delete: { ...role("analyst"), operationId: "deleteRequestSet", parameters: [id], responses: { 204: answer("deleted"), ...errorResponses(400, 401, 403, 404, 409) } },
    },
    "/v1/simulations": {
      post: {
        ...role("analyst"), operationId: "startSimulation", summary: "Replay a request set through a baseline version and a candidate (`{ version }` or a draft `{ source }`)",
        requestBody: body("SimulationBody"), responses: { 202: answer("queued", "SimulationJob"), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503) },
      },
    },
    "/v1/simulations/{id}": {
      parameters: [id],
      get: { ...role("analyst"), operationId: "getSimulation", responses: { 200: answer("the job", "SimulationJob"), ...errorResponses(400, 401, 403, 404) } },
      delete: { ...role("analyst"), operationId: "cancelSimulation", responses: { 200: answer("cancelled (or already finished), without the report", "SimulationJob"), ...errorResponses(400, 401, 403, 404) } },
    },
    "/v1/simulations/{id}/changed": {
      get: {
        ...role("analyst"), operationId: "changedRequests", summary: "Changed requests of a finished simulation, a page at a time (format=csv: all of them)",
        parameters: [id, { name: "offset", in: "query", schema: { type: "integer", minimum: 0 } }, { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 1000 } }, { name: "format", in: "query", schema: { enum: ["csv"] } }],
        responses: { 200: { description: "a page", content: { ...json(ref("ChangedPage")), "text/csv": { schema: { type: "string" } } } }, ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    "/v1/analysis/diff": {
      post: {
        ...role("author", "analyst"), operationId: "diffVersions", summary: "The verified difference between two versions (z3): every outcome transition with a proven example",
        requestBody: body("DiffBody"), responses: { 200: answer("equivalent, different or unknown, with examples", "DiffAnswer"), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503) },
      },
    },
    "/v1/analysis/analyze": {
      post: {
        ...role("author", "analyst"), operationId: "analyzeVersion", summary: "Rules that never fire or never decide, overlaps, gaps, conditions always true or false",
        requestBody: body("AnalyzeBody"), responses: { 200: answer("the findings", "AnalyzeAnswer"), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503) },
      },
    },
    "/v1/analysis/counterfactual": {
      post: {
        ...role("author", "analyst"), operationId: "counterfactual", summary: "What would change a decision: the nearest requests with another outcome, changing only the program's actionable fields (nothing logged)",
        requestBody: body("CounterfactualBody"), responses: { 200: answer("the alternatives, each proven by both evaluators", "CounterfactualAnswer"), ...errorResponses(400, 401, 403, 404, 413, 415, 422, 503) },
      },
    },
  };
}

export function buildOpenApi(registry: Registry, manifests: Manifests = new Manifests()): object {
  const components = contractComponents();
  const programPaths: Record<string, unknown> = {};
  for (const program of registry.programNames()) {
    const versions = registry.versions(program);
    const newest = versions.at(-1);
    const field = (manifests.get(program) ?? (newest ? manifests.of(newest.compiled) : undefined))?.dateOfService ?? "dateOfService";
    Object.assign(programPaths, evaluateOps(program, versions, components, field));
  }
  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: { title: "Precept", version: "1", description: "Coverage policy as code: evaluate requests under versioned policies, publish versions, read the decision log, simulate and analyse changes." },
    security: [{ bearer: [] }, { apiKey: [] }],
    tags: registry.programNames().map((name) => ({ name })),
    paths: { ...genericPaths(), ...programPaths },
    components: {
      schemas: components,
      responses: errorComponents(),
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "API key as a bearer token" },
        apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      },
    },
  };
}
